package io.gpuscale.adapter.advisor.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonWriter;
import io.gpuscale.adapter.advisor.Explanation;
import io.gpuscale.adapter.advisor.NodeVerdict;
import io.gpuscale.adapter.advisor.Reason;
import java.io.IOException;
import java.io.Writer;
import java.io.UncheckedIOException;

/**
 * An {@link Explanation} as JSON, the same document for {@code explain -o json} and
 * {@code POST /advisor/v1/explain}:
 *
 * <pre>
 * {"pod": {"namespace": "demo", "name": "trainer"},
 *  "quota": {"admitted": true, "message": null},
 *  "fitError": "0/2 nodes are available: 2 Insufficient nvidia.com/gpu.",
 *  "gpuLoad": {"known": true, "ageSeconds": 1.2, "message": null},
 *  "nodes": [{"name": "mainpc", "feasible": false, "plugin": "NodeResourcesFit",
 *             "reasons": [{"plugin": "NodeResourcesFit", "message": "Insufficient nvidia.com/gpu: ..."}],
 *             "score": null, "gpuScore": null}]}
 * </pre>
 *
 * Absent values are written as {@code null}, never left out, so that every answer has every field.
 */
public final class ExplanationJson {
    private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
    private static final Gson PRETTY = new GsonBuilder().serializeNulls().disableHtmlEscaping().setPrettyPrinting()
            .create();

    private ExplanationJson() {
    }

    /** The document as a tree. */
    public static JsonObject tree(Explanation e) {
        JsonObject pod = new JsonObject();
        pod.addProperty("namespace", e.namespace());
        pod.addProperty("name", e.pod());
        JsonObject quota = new JsonObject();
        quota.addProperty("admitted", e.quota().admitted());
        quota.add("message", string(e.quota().message()));
        JsonArray nodes = new JsonArray();
        for (NodeVerdict v : e.nodes()) {
            JsonObject node = new JsonObject();
            node.addProperty("name", v.name());
            node.addProperty("feasible", v.feasible());
            node.add("plugin", string(v.plugin()));
            JsonArray reasons = new JsonArray();
            for (Reason r : v.reasons()) {
                JsonObject reason = new JsonObject();
                reason.addProperty("plugin", r.plugin());
                reason.addProperty("message", r.message());
                reasons.add(reason);
            }
            node.add("reasons", reasons);
            node.add("score", v.score() == null ? JsonNull.INSTANCE : new JsonPrimitive(v.score()));
            node.add("gpuScore", v.gpuScore() == null ? JsonNull.INSTANCE : new JsonPrimitive(v.gpuScore()));
            nodes.add(node);
        }
        JsonObject out = new JsonObject();
        out.add("pod", pod);
        out.add("quota", quota);
        out.add("fitError", string(e.fitError()));
        JsonObject gpuLoad = new JsonObject();
        gpuLoad.addProperty("known", e.gpuLoad().known());
        gpuLoad.add("ageSeconds", e.gpuLoad().ageSeconds() == null ? JsonNull.INSTANCE
                : new JsonPrimitive(e.gpuLoad().ageSeconds()));
        gpuLoad.add("message", string(e.gpuLoad().message()));
        out.add("gpuLoad", gpuLoad);
        out.add("nodes", nodes);
        return out;
    }

    /**
     * Compact, for HTTP. Streamed, not built as a {@link #tree}: over thousands of nodes the tree
     * (an object per node and per reason) would cost more than the explanation itself. The same
     * text as {@code GSON.toJson(tree(e))}.
     */
    public static String render(Explanation e) {
        return write(e, "");
    }

    /** Indented, for people and {@code jq}; the same text as the tree rendered by a pretty-printing Gson. */
    public static String renderPretty(Explanation e) {
        return write(e, "  ");
    }

    /** The tree rendered by Gson, as {@link #render} and {@link #renderPretty} once did: for tests. */
    static String renderTree(Explanation e, boolean pretty) {
        return (pretty ? PRETTY : GSON).toJson(tree(e));
    }

    private static String write(Explanation e, String indent) {
        // about 200 characters a node compact: sized once rather than grown by copying
        TextWriter out = new TextWriter(256 + 200 * e.nodes().size());
        try (JsonWriter w = new JsonWriter(out)) {
            w.setIndent(indent);
            w.setHtmlSafe(false);
            w.setSerializeNulls(true);
            w.beginObject();
            w.name("pod").beginObject().name("namespace").value(e.namespace()).name("name").value(e.pod()).endObject();
            w.name("quota").beginObject().name("admitted").value(e.quota().admitted()).name("message")
                    .value(e.quota().message()).endObject();
            w.name("fitError").value(e.fitError());
            w.name("gpuLoad").beginObject().name("known").value(e.gpuLoad().known()).name("ageSeconds")
                    .value(e.gpuLoad().ageSeconds()).name("message").value(e.gpuLoad().message()).endObject();
            w.name("nodes").beginArray();
            for (NodeVerdict v : e.nodes()) {
                w.beginObject();
                w.name("name").value(v.name());
                w.name("feasible").value(v.feasible());
                w.name("plugin").value(v.plugin());
                w.name("reasons").beginArray();
                for (Reason r : v.reasons()) {
                    w.beginObject().name("plugin").value(r.plugin()).name("message").value(r.message()).endObject();
                }
                w.endArray();
                w.name("score").value(v.score());
                w.name("gpuScore").value(v.gpuScore());
                w.endObject();
            }
            w.endArray();
            w.endObject();
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible); // writing to memory does not fail
        }
        return out.text.toString();
    }

    /** A {@link java.io.StringWriter} without its lock on every write (it appends to a StringBuffer). */
    private static final class TextWriter extends Writer {
        final StringBuilder text;

        TextWriter(int capacity) {
            text = new StringBuilder(capacity);
        }

        @Override
        public void write(int c) {
            text.append((char) c);
        }

        @Override
        public void write(char[] chars, int offset, int length) {
            text.append(chars, offset, length);
        }

        @Override
        public void write(String s, int offset, int length) {
            text.append(s, offset, offset + length);
        }

        @Override
        public Writer append(CharSequence s) {
            text.append(s);
            return this;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private static com.google.gson.JsonElement string(String s) {
        return s == null ? JsonNull.INSTANCE : new JsonPrimitive(s);
    }
}
