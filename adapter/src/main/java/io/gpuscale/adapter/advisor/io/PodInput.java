package io.gpuscale.adapter.advisor.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import io.gpuscale.adapter.advisor.FieldError;
import io.gpuscale.adapter.advisor.PodValidation;
import io.gpuscale.adapter.kube.KubeDocuments;
import io.gpuscale.adapter.kube.KubeJson;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import static io.gpuscale.adapter.kube.KubeDocuments.string;

/**
 * Reads the pod to explain: one {@code v1 Pod} as YAML or JSON, as {@code kubectl get pod -o yaml}
 * writes it or as a user writes a manifest. Decoding is strict, like the API server's: an unknown
 * field, a wrong type or a bad quantity is an error naming the line it is on, never a silently
 * empty value.
 */
public final class PodInput {
    /** The largest pod accepted; real pods are a few KB. */
    public static final int MAX_BYTES = 1 << 20;

    private static final Gson STRICT_JSON = new GsonBuilder().setStrictness(Strictness.STRICT).create();

    private PodInput() {
    }

    /**
     * Reads a pod file.
     *
     * @throws InputException with {@code FILE:LINE: problem} (or {@code FILE: problem})
     */
    public static V1Pod read(Path file) {
        String source = file.toString();
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new InputException(source, 0, "larger than " + (MAX_BYTES >> 20) + " MiB: not a pod");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InputException(source, 0, "no such file");
        } catch (IOException e) {
            throw new InputException(source, 0, Files.isDirectory(file) ? "a directory, not a file"
                    : e instanceof java.nio.file.AccessDeniedException ? "cannot read it: permission denied" : "cannot read it");
        }
        return parse(source, bytes, null);
    }

    /**
     * Decodes a pod from bytes received (a request body).
     *
     * @param source what stands for the file in messages ("request body")
     * @param contentType the media type, or null: {@code application/json} and the YAML types are
     *     taken at their word, anything else is sniffed ({@code &#123;} starts JSON, the rest is YAML)
     */
    public static V1Pod parse(String source, byte[] bytes, String contentType) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InputException(source, 0, "not UTF-8 text");
        }
        return parse(source, text, contentType);
    }

    /** As {@link #parse(String, byte[], String)}, from text. */
    public static V1Pod parse(String source, String text, String contentType) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (body.isBlank()) {
            throw new InputException(source, 0, "empty: expected a v1 Pod as YAML or JSON");
        }
        JsonElement tree = isJson(contentType, body) ? json(source, body) : yaml(source, body);
        if (!tree.isJsonObject()) {
            throw new InputException(source, firstLine(body), "expected a v1 Pod object, found " + describe(tree));
        }
        return decode(source, body, tree.getAsJsonObject(), true);
    }

    /**
     * Decodes a pod already parsed as JSON (the {@code Pod} of a scheduler extender's arguments,
     * which carries no kind or apiVersion: Go leaves an empty TypeMeta out).
     *
     * @param requireKind whether {@code kind: Pod} and {@code apiVersion: v1} must be present
     * @throws InputException naming {@code source} without a line
     */
    public static V1Pod decode(String source, JsonObject object, boolean requireKind) {
        return decode(source, null, object, requireKind);
    }

    private static V1Pod decode(String source, String text, JsonObject object, boolean requireKind) {
        String kind = string(object, "kind");
        String apiVersion = string(object, "apiVersion");
        if (requireKind || !kind.isEmpty() || !apiVersion.isEmpty()) {
            if (!kind.equals("Pod") || !apiVersion.equals("v1")) {
                String found = kind.isEmpty() ? "no kind" : "kind " + kind + (apiVersion.isEmpty() ? "" : " (apiVersion "
                        + apiVersion + ")");
                String hint = kind.equals("Deployment") || kind.equals("StatefulSet") || kind.equals("Job")
                        || kind.equals("DaemonSet") || kind.equals("ReplicaSet")
                        ? " (to explain a " + kind + "'s pods, write its pod template as a Pod)" : "";
                throw new InputException(source, lineOf(text, kind.isEmpty() ? null : "kind"),
                        found + ": expected apiVersion v1, kind Pod" + hint);
            }
        }
        JsonElement metadata = object.get("metadata");
        if (metadata == null || !metadata.isJsonObject()) {
            throw new InputException(source, lineOf(text, metadata == null ? null : "metadata"),
                    "a Pod needs metadata with a name");
        }
        JsonObject meta = metadata.getAsJsonObject();
        if (string(meta, "name").isEmpty()) {
            String generated = string(meta, "generateName");
            if (generated.isEmpty()) {
                throw new InputException(source, lineOf(text, "metadata"), "a Pod needs metadata.name (or generateName)");
            }
            // The API server would name it generateName + 5 random characters.
            meta = meta.deepCopy();
            meta.addProperty("name", generated + "xxxxx");
            object = object.deepCopy();
            object.add("metadata", meta);
        }
        if (string(meta, "namespace").isEmpty()) {
            meta = meta.deepCopy();
            meta.addProperty("namespace", "default");
            object = object.deepCopy();
            object.add("metadata", meta);
        }
        try {
            KubeJson.check(object, V1Pod.class);
        } catch (KubeJson.ProblemException e) {
            throw new InputException(source, lineOfPath(text, e.problem().keys()), e.problem().message());
        }
        V1Pod pod;
        try {
            pod = JSON.getGson().fromJson(object, V1Pod.class);
        } catch (RuntimeException e) {
            // KubeJson checked every field the client reads: nothing it can refuse is left. Never its words.
            throw new InputException(source, firstLineOrNone(text), "cannot be read as a v1 Pod");
        }
        List<FieldError> errors = PodValidation.validate(pod);
        if (!errors.isEmpty()) {
            throw new InvalidPodException(source, lineOfPath(text, fieldKeys(errors.get(0).field())),
                    pod.getMetadata().getName(), errors);
        }
        return pod;
    }

    /** {@code spec.containers[0].resources.limits[nvidia.com/gpu]} as keys: spec, containers, [0], ..., nvidia.com/gpu. */
    static List<String> fieldKeys(String path) {
        List<String> keys = new ArrayList<>();
        int i = 0;
        while (i < path.length()) {
            char c = path.charAt(i);
            if (c == '.') {
                i++;
            } else if (c == '[') {
                int end = path.indexOf(']', i);
                end = end < 0 ? path.length() : end;
                String inside = path.substring(i + 1, end);
                keys.add(inside.matches("\\d+") ? "[" + inside + "]" : inside);
                i = end + 1;
            } else {
                int end = i;
                while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
                    end++;
                }
                keys.add(path.substring(i, end));
                i = end;
            }
        }
        return keys;
    }

    /** The 1-based line of a field in the text, by its keys; 0 without text. */
    static int lineOfPath(String text, List<String> keys) {
        if (text == null) {
            return 0;
        }
        int line = KubeDocuments.lineOfPath(text.split("\\R", -1), 0, keys);
        return line >= 0 ? line + 1 : firstLine(text);
    }

    private static int firstLineOrNone(String text) {
        return text == null ? 0 : firstLine(text);
    }

    private static boolean isJson(String contentType, String body) {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith("application/json") || type.contains("+json")) {
            return true;
        }
        if (type.contains("yaml")) {
            return false;
        }
        return body.stripLeading().startsWith("{");
    }

    private static JsonElement json(String source, String body) {
        try {
            JsonElement e = STRICT_JSON.fromJson(body, JsonElement.class);
            return e == null ? JsonNull.INSTANCE : e;
        } catch (JsonParseException e) {
            KubeDocuments.JsonSyntax syntax = KubeDocuments.jsonSyntax(body, e);
            throw new InputException(source, syntax.line(), "not valid JSON: " + syntax.problem());
        }
    }

    private static JsonElement yaml(String source, String body) {
        List<JsonElement> docs;
        try {
            docs = KubeDocuments.yamlDocuments(body);
        } catch (MarkedYAMLException e) {
            throw new InputException(source, KubeDocuments.line(e), "YAML syntax error: " + KubeDocuments.problem(e));
        } catch (YAMLException e) {
            // SnakeYAML's unmarked errors (limits, unsupported tags) name its own Java types: not for users.
            throw new InputException(source, 0, "YAML that cannot be read as data (too large, too many aliases, or a tag that is not plain data)");
        }
        if (docs.isEmpty()) {
            throw new InputException(source, 0, "no object: expected a v1 Pod as YAML or JSON");
        }
        if (docs.size() > 1) {
            throw new InputException(source, secondDocumentLine(body), docs.size() + " YAML documents: expected one Pod");
        }
        return docs.get(0);
    }

    /** The line where the second YAML document starts ({@code ---} after content), for the message. */
    private static int secondDocumentLine(String body) {
        String[] lines = body.split("\\R", -1);
        boolean content = false;
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            if (l.startsWith("---")) {
                if (content) {
                    return i + 1;
                }
            } else if (!l.isEmpty() && !l.startsWith("#")) {
                content = true;
            }
        }
        return 0;
    }

    /**
     * The line where a field is first written, found in the text: the client's decoder names the
     * field but keeps no positions. 0 when there is no text (already-parsed JSON) or no such key; the
     * first content line when {@code field} is null.
     */
    static int lineOf(String text, String field) {
        if (text == null) {
            return 0;
        }
        if (field == null) {
            return firstLine(text);
        }
        Pattern key = Pattern.compile("^(?:\\s*-)?\\s*[\"']?" + Pattern.quote(field) + "[\"']?\\s*:|[{,]\\s*\"?"
                + Pattern.quote(field) + "\"?\\s*:");
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            if (key.matcher(lines[i]).find()) {
                return i + 1;
            }
        }
        return firstLine(text);
    }

    private static int firstLine(String text) {
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            if (!l.isEmpty() && !l.startsWith("#") && !l.equals("---")) {
                return i + 1;
            }
        }
        return 1;
    }

    private static String describe(JsonElement e) {
        return e.isJsonArray() ? "a list" : e.isJsonNull() ? "nothing" : "'" + e.getAsString() + "'";
    }
}
