package io.gpuscale.agent.kube;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The API server and credentials of a kubeconfig's current context, for running the agent
 * outside a cluster. What a kubeconfig for reading pods needs is supported: the server, its CA
 * ({@code certificate-authority-data} or {@code certificate-authority}),
 * {@code insecure-skip-tls-verify}, and a user with a {@code token}, a {@code tokenFile} or a client
 * certificate and key (inline {@code -data} or files). Relative file paths are taken from the
 * kubeconfig's directory, as kubectl does. Anything else that decides how to connect or
 * authenticate (credential plugins, auth providers, basic auth, impersonation, proxies) is
 * refused with an error that names it, rather than ignored.
 */
public final class Kubeconfig {
    /** User settings that authenticate in ways this reader does not implement. */
    private static final Map<String, String> UNSUPPORTED_USER = Map.of(
            "exec", "exec (a credential plugin)",
            "auth-provider", "auth-provider (a cloud login plugin)",
            "username", "username and password (basic authentication)",
            "password", "username and password (basic authentication)",
            "as", "impersonation (as)",
            "as-groups", "impersonation (as-groups)",
            "as-uid", "impersonation (as-uid)",
            "as-user-extra", "impersonation (as-user-extra)");
    /** Cluster settings that change how to connect, which this reader does not implement. */
    private static final Set<String> UNSUPPORTED_CLUSTER = Set.of("proxy-url", "tls-server-name");

    private Kubeconfig() {
    }

    /**
     * The current context's API server and credentials.
     *
     * @throws IOException when the kubeconfig or a file it names cannot be read
     * @throws IllegalArgumentException when the kubeconfig is not valid or asks for something
     *     unsupported; the message names the file and what is wrong
     */
    public static ApiServerAccess load(Path kubeconfig) throws IOException {
        Object document;
        try (Reader in = Files.newBufferedReader(kubeconfig, StandardCharsets.UTF_8)) {
            document = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (YAMLException e) {
            throw invalid(kubeconfig, "not valid YAML: " + firstLine(e.getMessage()));
        }
        Map<?, ?> root = map(kubeconfig, document, "the document");
        Object current = root.get("current-context");
        if (!(current instanceof String contextName) || contextName.isBlank()) {
            throw invalid(kubeconfig, "no current-context");
        }
        Map<?, ?> context = named(kubeconfig, root, "contexts", "context", contextName);
        String clusterName = string(kubeconfig, context, "cluster", "context " + contextName);
        if (clusterName == null) {
            throw invalid(kubeconfig, "context " + contextName + " names no cluster");
        }
        Map<?, ?> cluster = named(kubeconfig, root, "clusters", "cluster", clusterName);
        String userName = string(kubeconfig, context, "user", "context " + contextName);
        Map<?, ?> user = userName == null || userName.isEmpty() ? Map.of()
                : named(kubeconfig, root, "users", "user", userName);

        String where = "cluster " + clusterName;
        for (String key : UNSUPPORTED_CLUSTER) {
            if (cluster.get(key) != null) {
                throw invalid(kubeconfig, where + " sets " + key + ", which the agent does not support");
            }
        }
        String server = string(kubeconfig, cluster, "server", where);
        if (server == null || server.isBlank()) {
            throw invalid(kubeconfig, where + " has no server");
        }
        boolean insecure = Boolean.TRUE.equals(cluster.get("insecure-skip-tls-verify"))
                || "true".equals(String.valueOf(cluster.get("insecure-skip-tls-verify")));
        Path dir = kubeconfig.toAbsolutePath().getParent();
        byte[] ca = bytes(kubeconfig, dir, cluster, "certificate-authority", where);

        where = "user " + userName;
        for (Map.Entry<String, String> e : UNSUPPORTED_USER.entrySet()) {
            if (user.get(e.getKey()) != null) {
                throw invalid(kubeconfig, where + " authenticates with " + e.getValue()
                        + ", which the agent does not support; use a token, a tokenFile or a client certificate");
            }
        }
        byte[] cert = bytes(kubeconfig, dir, user, "client-certificate", where);
        byte[] key = bytes(kubeconfig, dir, user, "client-key", where);
        if ((cert == null) != (key == null)) {
            throw invalid(kubeconfig, where + " has a client certificate without its key, or a key without its certificate");
        }
        String token = string(kubeconfig, user, "token", where);
        String tokenFile = string(kubeconfig, user, "tokenFile", where);
        java.util.function.Supplier<String> tokens = null;
        if (token != null && !token.isBlank()) {
            String t = token.strip();
            tokens = () -> t;
        } else if (tokenFile != null && !tokenFile.isBlank()) {
            TokenFile file = new TokenFile(dir.resolve(tokenFile));
            file.get(); // unreadable now: say so at start
            tokens = file;
        }
        try {
            return new ApiServerAccess(server.strip(), ca, cert, key, insecure, tokens);
        } catch (IllegalArgumentException e) {
            throw invalid(kubeconfig, where + ": " + e.getMessage());
        }
    }

    /** The {@code map} field of the entry called {@code name} in the list {@code list}. */
    private static Map<?, ?> named(Path file, Map<?, ?> root, String list, String field, String name) {
        Object entries = root.get(list);
        if (entries instanceof List<?> items) {
            for (Object item : items) {
                if (item instanceof Map<?, ?> entry && name.equals(entry.get("name"))) {
                    Object value = entry.get(field);
                    return value == null ? Map.of() : map(file, value, field + " " + name);
                }
            }
        }
        throw invalid(file, "no " + field + " named " + name + " in " + list);
    }

    private static Map<?, ?> map(Path file, Object value, String what) {
        if (value instanceof Map<?, ?> m) {
            return m;
        }
        throw invalid(file, what + " is not a mapping");
    }

    private static String string(Path file, Map<?, ?> map, String key, String where) {
        Object value = map.get(key);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw invalid(file, where + ": " + key + " is not a string");
    }

    /** {@code <key>-data} (base64) or the file {@code <key>} names; null when neither is set. */
    private static byte[] bytes(Path file, Path dir, Map<?, ?> map, String key, String where) throws IOException {
        String data = string(file, map, key + "-data", where);
        if (data != null && !data.isBlank()) {
            try {
                return Base64.getMimeDecoder().decode(data.strip());
            } catch (IllegalArgumentException e) {
                throw invalid(file, where + ": " + key + "-data is not base64");
            }
        }
        String path = string(file, map, key, where);
        if (path == null || path.isBlank()) {
            return null;
        }
        Path resolved = dir.resolve(path.strip());
        try {
            return Files.readAllBytes(resolved);
        } catch (IOException e) {
            throw new IOException("kubeconfig " + file + ": " + where + ": cannot read " + key + " " + resolved
                    + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static IllegalArgumentException invalid(Path file, String what) {
        return new IllegalArgumentException("kubeconfig " + file + ": " + what);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
