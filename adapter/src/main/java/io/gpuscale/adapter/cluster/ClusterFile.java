package io.gpuscale.adapter.cluster;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.gpuscale.adapter.kube.KubeDocuments;
import io.gpuscale.adapter.kube.KubeJson;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ResourceQuota;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import static io.gpuscale.adapter.kube.KubeDocuments.string;

/**
 * Reads a snapshot of a cluster: a {@code v1 List} (or a typed list such as {@code PodList}) of
 * Nodes, Pods and ResourceQuotas, or a stream of such objects, as YAML (one or more documents)
 * or JSON. Each object is decoded strictly by the official client's model classes: an unknown
 * field, a bad quantity or a missing name is an error, not a silently empty value.
 */
final class ClusterFile {
    private static final int MAX_BYTES = 64 << 20;

    /** What the file holds, in file order. */
    record Contents(List<V1Node> nodes, List<V1Pod> pods, List<V1ResourceQuota> quotas) {
    }

    private final Path file;
    /** The file's lines, to name the line of an object's problem (the decoders keep no positions). */
    private String[] lines = new String[0];
    private final List<V1Node> nodes = new ArrayList<>();
    private final List<V1Pod> pods = new ArrayList<>();
    private final List<V1ResourceQuota> quotas = new ArrayList<>();

    private ClusterFile(Path file) {
        this.file = file;
    }

    static Contents read(Path file) {
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ClusterFileException(file, "larger than " + (MAX_BYTES >> 20) + " MiB");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ClusterFileException(file, Files.isDirectory(file) ? "a directory, not a file"
                    : e instanceof java.nio.file.AccessDeniedException ? "cannot read it: permission denied" : "cannot read it");
        }
        return parse(file, text);
    }

    static Contents parse(Path file, String text) {
        ClusterFile f = new ClusterFile(file);
        f.lines = text.split("\\R", -1);
        List<JsonElement> documents = f.documents(text);
        if (documents.isEmpty()) {
            throw new ClusterFileException(file, "no objects (expected a v1 List of Nodes, Pods and ResourceQuotas)");
        }
        for (int d = 0; d < documents.size(); d++) {
            f.document(documents.get(d), documents.size() == 1 ? "" : "document " + (d + 1) + ", ");
        }
        return new Contents(List.copyOf(f.nodes), List.copyOf(f.pods), List.copyOf(f.quotas));
    }

    private List<JsonElement> documents(String text) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        String start = body.stripLeading();
        if (start.startsWith("{") || start.startsWith("[")) {
            try {
                JsonElement json = JsonParser.parseString(body);
                return json.isJsonArray() ? json.getAsJsonArray().asList() : List.of(json);
            } catch (JsonParseException e) {
                throw new ClusterFileException(file, "not valid JSON: " + KubeDocuments.jsonSyntax(body, e).problem());
            }
        }
        try {
            return KubeDocuments.yamlDocuments(body);
        } catch (MarkedYAMLException e) {
            throw new ClusterFileException(file, "YAML error at line " + KubeDocuments.line(e) + ": " + KubeDocuments.problem(e));
        } catch (YAMLException e) {
            throw new ClusterFileException(file, "YAML that cannot be read as data (too large, too many aliases, or a tag that is not plain data)");
        }
    }

    private void document(JsonElement doc, String where) {
        if (!doc.isJsonObject()) {
            throw new ClusterFileException(file, where + "expected an object, found " + describe(doc));
        }
        JsonObject object = doc.getAsJsonObject();
        String kind = string(object, "kind");
        if (kind.equals("List") || kind.equals("NodeList") || kind.equals("PodList") || kind.equals("ResourceQuotaList")) {
            if (!"v1".equals(string(object, "apiVersion"))) {
                throw new ClusterFileException(file, where + "a " + kind + " must have apiVersion v1, not '"
                        + string(object, "apiVersion") + "'");
            }
            JsonElement items = object.get("items");
            if (items == null || items.isJsonNull()) {
                return;
            }
            if (!items.isJsonArray()) {
                throw new ClusterFileException(file, where + "items must be a list, found " + describe(items));
            }
            JsonArray array = items.getAsJsonArray();
            String implied = kind.equals("List") ? null : kind.substring(0, kind.length() - "List".length());
            for (int i = 0; i < array.size(); i++) {
                item(array.get(i), implied, where + "item " + (i + 1));
            }
        } else {
            item(object, null, where.isEmpty() ? "the object" : where.substring(0, where.length() - 2));
        }
    }

    private void item(JsonElement element, String impliedKind, String where) {
        if (!element.isJsonObject()) {
            throw new ClusterFileException(file, where + ": expected an object, found " + describe(element));
        }
        JsonObject object = element.getAsJsonObject();
        if (impliedKind != null) {
            // Items of a typed list (kubectl get --raw) leave out apiVersion and kind.
            if (!object.has("kind")) {
                object.addProperty("kind", impliedKind);
            }
            if (!object.has("apiVersion")) {
                object.addProperty("apiVersion", "v1");
            }
        }
        String kind = string(object, "kind");
        String apiVersion = string(object, "apiVersion");
        if (kind.isEmpty()) {
            throw new ClusterFileException(file, where + ": missing kind");
        }
        boolean known = kind.equals("Node") || kind.equals("Pod") || kind.equals("ResourceQuota");
        if (!known || !apiVersion.equals("v1")) {
            throw new ClusterFileException(file, at(null, "kind", kind) + where + ": unknown kind '" + kind + "'"
                    + (apiVersion.isEmpty() ? "" : " (apiVersion " + apiVersion + ")")
                    + ": expected v1 Node, Pod or ResourceQuota");
        }
        JsonObject metadata = object.has("metadata") && object.get("metadata").isJsonObject()
                ? object.getAsJsonObject("metadata") : null;
        String name = metadata == null ? "" : string(metadata, "name");
        if (name.isEmpty()) {
            throw new ClusterFileException(file, where + ": " + kind + " without metadata.name");
        }
        if (!kind.equals("Node") && string(metadata, "namespace").isEmpty()) {
            metadata.addProperty("namespace", "default");
        }
        String label = where + " (" + kind + " " + (kind.equals("Node") ? name : string(metadata, "namespace") + "/" + name) + ")";
        Class<?> model = switch (kind) {
            case "Node" -> V1Node.class;
            case "Pod" -> V1Pod.class;
            default -> V1ResourceQuota.class;
        };
        try {
            KubeJson.check(object, model);
        } catch (KubeJson.ProblemException e) {
            throw new ClusterFileException(file, atPath(name, e.problem().keys()) + label + ": " + e.getMessage());
        }
        try {
            switch (kind) {
                case "Node" -> nodes.add(decode(object, V1Node.class));
                case "Pod" -> pods.add(decode(object, V1Pod.class));
                default -> quotas.add(decode(object, V1ResourceQuota.class));
            }
        } catch (RuntimeException e) {
            // KubeJson checked every field the client reads; never show the client's own words.
            throw new ClusterFileException(file, at(name, "name", name) + label + ": cannot be read as a v1 " + kind);
        }
    }

    /** {@code "line N: "} for a field given by its keys, searched from the line naming {@code objectName}. */
    private String atPath(String objectName, List<String> keys) {
        int from = 0;
        java.util.regex.Pattern named = keyPattern("name", objectName);
        while (from < lines.length && !named.matcher(lines[from]).find()) {
            from++;
        }
        from = from == lines.length ? 0 : from;
        // The object's own keys (kind, spec, ...) may come before its name: start at the object's first line.
        while (from > 0 && !lines[from].stripLeading().startsWith("-") && !lines[from].strip().startsWith("{")
                && !lines[from].startsWith("apiVersion") && !lines[from].startsWith("kind")) {
            from--;
        }
        int line = KubeDocuments.lineOfPath(lines, from, keys);
        return line < 0 ? "" : "line " + (line + 1) + ": ";
    }

    /**
     * {@code "line N: "} for the first line, at or after the line naming {@code objectName} (when
     * given), that has the key {@code key} (with {@code value}, when given); empty when none does.
     */
    private String at(String objectName, String key, String value) {
        if (key == null) {
            return "";
        }
        int from = 0;
        if (objectName != null) {
            java.util.regex.Pattern named = keyPattern("name", objectName);
            while (from < lines.length && !named.matcher(lines[from]).find()) {
                from++;
            }
            from = from == lines.length ? 0 : from;
        }
        java.util.regex.Pattern wanted = keyPattern(key, value);
        for (int i = from; i < lines.length; i++) {
            if (wanted.matcher(lines[i]).find()) {
                return "line " + (i + 1) + ": ";
            }
        }
        return "";
    }

    /** A YAML ({@code key: value}) or JSON ({@code "key": "value"}) key on a line. */
    private static java.util.regex.Pattern keyPattern(String key, String value) {
        String v = value == null ? "" : "\\s*[\"']?" + java.util.regex.Pattern.quote(value) + "[\"']?\\s*(?:[,}]|$)";
        return java.util.regex.Pattern.compile("(?:^|[\\s{,-])[\"']?" + java.util.regex.Pattern.quote(key)
                + "[\"']?\\s*:" + v);
    }

    private static <T> T decode(JsonObject object, Class<T> type) {
        return JSON.getGson().fromJson(object, type);
    }

    private static String describe(JsonElement e) {
        return e.isJsonArray() ? "a list" : e.isJsonNull() ? "null" : e.isJsonPrimitive() ? "'" + e.getAsString() + "'" : "an object";
    }
}
