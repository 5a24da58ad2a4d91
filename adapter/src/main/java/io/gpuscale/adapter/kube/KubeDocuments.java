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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        // The problem is YAML's words ("mapping values are not allowed here"); without one, say it ourselves.
        String problem = e.getProblem() != null ? e.getProblem() : "not valid YAML";
        String context = e.getContext() != null ? " (" + e.getContext() + ")" : "";
        return problem + context;
    }

    private static final Pattern GSON_POSITION = Pattern.compile("at line (\\d+) column (\\d+)");

    /**
     * Where a JSON text stops being JSON, and how, in our words: {@code line} and {@code column} are
     * 1-based (0 when unknown).
     */
    public record JsonSyntax(int line, int column, String problem) {
    }

    /**
     * A JSON syntax error from Gson told in our words: {@code syntax error at line 3, column 2 (the text up to there: '...')}
     * or {@code the text ends too early (line 9)}. Gson's own text (its class names, its
     * {@code setStrictness} hint) never reaches a user.
     */
    public static JsonSyntax jsonSyntax(String text, RuntimeException e) {
        String gson = e.getMessage() == null ? "" : e.getMessage();
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t.getMessage() != null) {
                gson = gson + " " + t.getMessage();
            }
        }
        Matcher m = GSON_POSITION.matcher(gson);
        int line = 0;
        int column = 0;
        if (m.find()) {
            line = Integer.parseInt(m.group(1));
            column = Integer.parseInt(m.group(2));
        }
        boolean eof = gson.contains("End of input") || gson.contains("EOFException")
                || e.getCause() instanceof java.io.EOFException;
        String where = line > 0 ? "line " + line + ", column " + column : "";
        if (eof) {
            return new JsonSyntax(line, column, "the JSON ends too early" + (where.isEmpty() ? "" : " (" + where + ")"));
        }
        String near = near(text, line, column);
        return new JsonSyntax(line, column, "syntax error" + (where.isEmpty() ? "" : " at " + where)
                + (near.isEmpty() ? "" : " (the text up to there: '" + near + "')"));
    }

    /**
     * Up to 24 characters of {@code text} before the 1-based line and column (from the line before, too,
     * where the error is at a line's start: a missing comma shows at the next key), blanks squeezed.
     */
    private static String near(String text, int line, int column) {
        if (text == null || line <= 0) {
            return "";
        }
        String[] lines = text.split("\\R", -1);
        if (line > lines.length) {
            return "";
        }
        StringBuilder before = new StringBuilder();
        for (int i = Math.max(0, line - 3); i < line - 1; i++) {
            before.append(lines[i]).append(' ');
        }
        String l = lines[line - 1];
        before.append(l, 0, Math.max(0, Math.min(l.length(), column)));
        String squeezed = before.toString().replaceAll("\\s+", " ").strip();
        return squeezed.length() > 24 ? squeezed.substring(squeezed.length() - 24) : squeezed;
    }

    /**
     * The 0-based line of a field given as its keys (object keys, and {@code [N]} for the Nth item of a
     * block list), searched for key after key from line {@code from}; the deepest key found wins.
     * Text decoders keep no positions, so this reads the text: right for the usual block YAML and
     * one-key-per-line JSON, approximate for flow style. -1 when even the first key is not found.
     */
    public static int lineOfPath(String[] lines, int from, List<String> keys) {
        int found = -1;
        int at = from;
        for (String key : keys) {
            if (key.matches("\\[\\d+]")) {
                if (found < 0) {
                    continue;
                }
                int item = listItem(lines, found, Integer.parseInt(key.substring(1, key.length() - 1)));
                if (item >= 0) {
                    found = item;
                    at = item;
                }
                continue;
            }
            Pattern p = keyPattern(key);
            int i = at;
            while (i < lines.length && !p.matcher(lines[i]).find()) {
                i++;
            }
            if (i == lines.length) {
                break;
            }
            found = i;
            at = i;
        }
        return found;
    }

    /** A YAML ({@code key:}, {@code - key:}, {@code {key:}) or JSON ({@code "key":}) key on a line. */
    public static Pattern keyPattern(String key) {
        return Pattern.compile("^(?:\\s*-)?\\s*[\"']?" + Pattern.quote(key) + "[\"']?\\s*:|[{,]\\s*[\"']?"
                + Pattern.quote(key) + "[\"']?\\s*:");
    }

    /** The line of the {@code n}th item of the block list under the key on line {@code keyLine}, or -1. */
    private static int listItem(String[] lines, int keyLine, int n) {
        int indent = -1;
        int count = -1;
        for (int i = keyLine + 1; i < lines.length; i++) {
            String l = lines[i];
            String s = l.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            int ind = l.length() - l.stripLeading().length();
            boolean dash = s.equals("-") || s.startsWith("- ");
            if (indent < 0) {
                if (!dash) {
                    return -1;
                }
                indent = ind;
            }
            if (ind < indent || ind == indent && !dash) {
                return -1;
            }
            if (ind == indent && dash && ++count == n) {
                return i;
            }
        }
        return -1;
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
