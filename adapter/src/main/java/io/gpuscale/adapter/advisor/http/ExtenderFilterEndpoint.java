package io.gpuscale.adapter.advisor.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.gpuscale.adapter.advisor.Explanation;
import io.gpuscale.adapter.advisor.NodeVerdict;
import io.gpuscale.adapter.advisor.PlacementAdvisor;
import io.gpuscale.adapter.advisor.io.InputException;
import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Status;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /scheduler/filter}: kube-scheduler's extender filter verb. Takes
 * {@code ExtenderArgs}, answers {@code ExtenderFilterResult} in the form it was asked in:
 *
 * <pre>
 * {"Nodes": {"metadata": {}, "items": [...]} | null, "NodeNames": [...] | null,
 *  "FailedNodes": {"node": "message"}, "FailedAndUnresolvableNodes": {"node": "message"}, "Error": ""}
 * </pre>
 *
 * A node the advisor finds infeasible goes to {@code FailedAndUnresolvableNodes} when
 * kube-scheduler would mark its failure UnschedulableAndUnresolvable (taints, affinity, cordon:
 * preemption cannot help), else to {@code FailedNodes}; the message is kube-scheduler's own reasons
 * joined with ", ", so that they land in the FailedScheduling text as the in-tree plugins' would.
 * Feasible nodes come back in input order, the full objects verbatim. A name the advisor's index does
 * not hold yet (a node just added, our informer behind the scheduler's) passes: kube-scheduler's own
 * filters, which ours repeat, already accepted it.
 *
 * <p>Errors: kube-scheduler reads only 200 answers. Arguments that are JSON but not usable (no
 * Pod, no nodes, an object that does not decode, a Pod the API server's validation would refuse,
 * such as one asking for {@code -3} GPUs) are answered 200 with {@code Error} set and no node passed, so the
 * scheduler logs our message and fails the attempt (or skips us when {@code ignorable}). A body
 * that is not JSON at all did not come from kube-scheduler and is a 400 {@link Status}.
 */
public final class ExtenderFilterEndpoint extends AdvisorEndpoint {
    public static final String PATH = "/scheduler/filter";
    /** kube-scheduler joins a status's reasons with this (framework.Status.Message). */
    static final String REASON_SEPARATOR = ", ";
    /** Full Node objects without nodeCacheCapable: ~500 of them, several KB each, at 5 000 nodes. */
    public static final long MAX_BODY_BYTES = 32L << 20;

    public ExtenderFilterEndpoint(PlacementAdvisor advisor) {
        super(PATH, MAX_BODY_BYTES, advisor);
    }

    @Override
    public ApiResponse handle(String contentType, byte[] body, Instant now) {
        ExtenderArgs args;
        try {
            args = ExtenderArgs.parse(body);
        } catch (ExtenderArgs.NotJson e) {
            return ApiResponse.failure(Status.badRequest(e.getMessage()));
        } catch (InputException e) {
            return ApiResponse.ok(JsonBody.of(result(null, null, Map.of(), Map.of(), e.getMessage())));
        }
        Explanation explanation = args.explainWith(advisor);
        Map<String, NodeVerdict> verdicts = new HashMap<>();
        explanation.nodes().forEach(v -> verdicts.put(v.name(), v));
        Map<String, String> failed = new java.util.TreeMap<>();
        Map<String, String> unresolvable = new java.util.TreeMap<>();
        JsonArray passedNames = new JsonArray();
        JsonArray passedItems = new JsonArray();
        List<String> names = args.names();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            NodeVerdict v = verdicts.get(name);
            if (v == null || v.feasible() || PlacementAdvisor.UNKNOWN_NODE_PLUGIN.equals(v.plugin())) {
                // A node our informers have not listed yet passed kube-scheduler's own filters, which ours
                // repeat: never veto a node we cannot judge.
                passedNames.add(name);
                if (!args.namesForm()) {
                    passedItems.add(args.nodeItems().get(i));
                }
            } else {
                (v.unresolvable() ? unresolvable : failed).put(name, message(v));
            }
        }
        JsonObject nodeList = null;
        if (!args.namesForm()) {
            nodeList = new JsonObject();
            nodeList.add("metadata", new JsonObject());
            nodeList.add("items", passedItems);
        }
        return ApiResponse.ok(JsonBody.of(result(nodeList, args.namesForm() ? passedNames : null, failed,
                unresolvable, "")));
    }

    /** What the scheduler records for the node: its status reasons as kube-scheduler joins them. */
    static String message(NodeVerdict v) {
        if (!v.statusReasons().isEmpty()) {
            return String.join(REASON_SEPARATOR, v.statusReasons());
        }
        return v.plugin() == null ? "node(s) didn't satisfy the gpuscale extender" : "node(s) didn't satisfy plugin(s) ["
                + v.plugin() + "]";
    }

    private static JsonObject result(JsonObject nodes, JsonArray nodeNames, Map<String, String> failed,
            Map<String, String> unresolvable, String error) {
        JsonObject out = new JsonObject();
        out.add("Nodes", nodes == null ? JsonNull.INSTANCE : nodes);
        out.add("NodeNames", nodeNames == null ? JsonNull.INSTANCE : nodeNames);
        out.add("FailedNodes", map(failed));
        out.add("FailedAndUnresolvableNodes", map(unresolvable));
        out.addProperty("Error", error);
        return out;
    }

    private static JsonObject map(Map<String, String> m) {
        JsonObject o = new JsonObject();
        m.forEach(o::addProperty);
        return o;
    }
}
