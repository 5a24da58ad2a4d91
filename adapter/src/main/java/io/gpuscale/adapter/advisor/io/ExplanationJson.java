package io.gpuscale.adapter.advisor.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.gpuscale.adapter.advisor.Explanation;
import io.gpuscale.adapter.advisor.NodeVerdict;
import io.gpuscale.adapter.advisor.Reason;

/**
 * An {@link Explanation} as JSON, the same document for {@code explain -o json} and
 * {@code POST /advisor/v1/explain}:
 *
 * <pre>
 * {"pod": {"namespace": "demo", "name": "trainer"},
 *  "quota": {"admitted": true, "message": null},
 *  "fitError": "0/2 nodes are available: 2 Insufficient nvidia.com/gpu.",
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
        out.add("nodes", nodes);
        return out;
    }

    /** Compact, for HTTP. */
    public static String render(Explanation e) {
        return GSON.toJson(tree(e));
    }

    /** Indented, for people and {@code jq}. */
    public static String renderPretty(Explanation e) {
        return PRETTY.toJson(tree(e));
    }

    private static com.google.gson.JsonElement string(String s) {
        return s == null ? JsonNull.INSTANCE : new JsonPrimitive(s);
    }
}
