package io.gpuscale.deploy;

import com.google.gson.Gson;
import io.gpuscale.common.testing.Binaries;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.util.ModelMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Rendered manifests as the API server would receive them: multi-document YAML split into objects,
 * each decoded strictly (an unknown field anywhere fails) into the official client's model class.
 */
public final class Manifests {
    private static final Gson GSON = new JSON().getGson();

    private Manifests() {
    }

    /** The repository root (the parent of deploy/). */
    public static Path repo() {
        return Path.of(System.getProperty("repo.dir", "..")).toAbsolutePath().normalize();
    }

    /** deploy/ in the repository. */
    public static Path deploy() {
        return repo().resolve("deploy");
    }

    /** One object of a rendered manifest, with its plain-map form. */
    public record Obj(String apiVersion, String kind, String namespace, String name, Map<String, Object> raw) {
        public String id() {
            return kind + " " + (namespace == null ? "" : namespace + "/") + name;
        }

        @SuppressWarnings("unchecked")
        public Map<String, Object> map(String... path) {
            Object o = raw;
            for (String p : path) {
                o = o instanceof Map<?, ?> m ? m.get(p) : null;
            }
            return (Map<String, Object>) o;
        }
    }

    /** The documents of a multi-document YAML text; empty documents are skipped. */
    @SuppressWarnings("unchecked")
    public static List<Obj> parse(String yaml) {
        List<Obj> out = new ArrayList<>();
        Yaml parser = new Yaml(new SafeConstructor(new LoaderOptions()));
        for (Object doc : parser.loadAll(yaml)) {
            if (doc == null) {
                continue;
            }
            if (!(doc instanceof Map<?, ?> m)) {
                throw new AssertionError("a document is not an object: " + doc);
            }
            Map<String, Object> raw = (Map<String, Object>) m;
            Map<String, Object> meta = (Map<String, Object>) raw.getOrDefault("metadata", Map.of());
            out.add(new Obj((String) raw.get("apiVersion"), (String) raw.get("kind"),
                    (String) meta.get("namespace"), (String) meta.get("name"), raw));
        }
        return out;
    }

    /**
     * The object decoded into the client's model class, rejecting unknown fields at any depth
     * (the generated models' validateJsonElement); null for kinds the client has no model of
     * (custom resources such as ServiceMonitor), which the caller checks by other means.
     */
    public static Object decodeStrict(Obj o) {
        Class<?> type = modelClass(o.apiVersion(), o.kind());
        if (type == null) {
            return null;
        }
        try {
            return GSON.fromJson(GSON.toJson(o.raw()), type);
        } catch (RuntimeException e) {
            throw new AssertionError(o.id() + " does not decode strictly as " + type.getSimpleName() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The model class of a built-in kind, or null. */
    public static Class<?> modelClass(String apiVersion, String kind) {
        if (apiVersion == null || kind == null) {
            throw new AssertionError("an object without apiVersion or kind: " + apiVersion + " " + kind);
        }
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        return ModelMapper.preBuiltGetApiTypeClass(group, version, kind);
    }

    /**
     * {@code kubectl kustomize DIR}: the kubectl on the PATH, with the kustomize built into it.
     * Fails with what to install when there is none, or when it is too old for this layout.
     */
    public static String kustomize(Path dir) {
        String kubectl = Binaries.find("kubectl",
                "kubectl with kustomize v5 (kubectl 1.27 or newer) is needed to render deploy/: install it "
                        + "from the Kubernetes release packages (Debian's kubernetes-client 1.20 is too old)");
        Result r = run(List.of(kubectl, "kustomize", dir.toString()));
        if (r.exit() != 0) {
            throw new AssertionError("kubectl kustomize " + repo().relativize(dir) + " failed (exit " + r.exit()
                    + "): " + r.err());
        }
        return r.out();
    }

    /** A finished command's exit status and output. */
    public record Result(int exit, String out, String err) {
    }

    /** Runs a command to completion (120 s at most) and returns its status and output. */
    public static Result run(List<String> command) {
        try {
            Path err = Files.createTempFile("gpuscale-deploy", ".err");
            try {
                Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish within 120 s");
                }
                return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8).strip());
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
