package io.gpuscale.adapter.kube;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/** Kubernetes objects as YAML or JSON text: the decoding and the error wording that the pod input and the cluster file share. */
public final class KubeDocuments {
    private KubeDocuments() {
    }

    /**
     * Every non-empty YAML document in {@code body}, as JSON.
     *
     * @throws org.yaml.snakeyaml.error.YAMLException where the text is not YAML
     */
    public static List<JsonElement> yamlDocuments(String body) {
        List<JsonElement> out = new ArrayList<>();
        for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(body)) {
            if (doc != null) {
                out.add(toJson(doc));
            }
        }
        return out;
    }

    /** The 1-based line of a YAML error (the problem's, else the context's), or 0 where it has none. */
    public static int line(MarkedYAMLException e) {
        return e.getProblemMark() != null ? e.getProblemMark().getLine() + 1
                : e.getContextMark() != null ? e.getContextMark().getLine() + 1 : 0;
    }

    /** What a YAML error says, with its context in parentheses where it has one. */
    public static String problem(MarkedYAMLException e) {
        String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
        String context = e.getContext() != null ? " (" + e.getContext() + ")" : "";
        return problem + context;
    }

    /** The Kubernetes client's or Gson's message of {@code t}, without the whole offending JSON it appends. */
    public static String clientMessage(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        m = m.replace(" in the JSON string", "");
        for (String cut : List.of(" JSON: ", ": {", ": [")) {
            int at = m.indexOf(cut);
            if (at >= 0) {
                m = m.substring(0, at);
            }
        }
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }

    /** A string field of an object, or "" where it is missing or not a primitive. */
    public static String string(JsonObject object, String field) {
        JsonElement e = object.get(field);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : "";
    }

    /** YAML's generic tree to JSON: timestamps back to RFC 3339, keys to strings. */
    public static JsonElement toJson(Object value) {
        if (value == null) {
            return JsonNull.INSTANCE;
        }
        if (value instanceof Map<?, ?> map) {
            JsonObject o = new JsonObject();
            map.forEach((k, v) -> o.add(String.valueOf(k), toJson(v)));
            return o;
        }
        if (value instanceof List<?> list) {
            JsonArray a = new JsonArray();
            list.forEach(v -> a.add(toJson(v)));
            return a;
        }
        if (value instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        if (value instanceof Number n) {
            return new JsonPrimitive(n);
        }
        if (value instanceof Date d) {
            return new JsonPrimitive(d.toInstant().toString());
        }
        if (value instanceof byte[] bytes) {
            return new JsonPrimitive(Base64.getEncoder().encodeToString(bytes));
        }
        return new JsonPrimitive(value.toString());
    }
}
