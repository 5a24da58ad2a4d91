package io.gpuscale.adapter.advisor.http;

import com.google.gson.JsonArray;
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
 * {@code POST /scheduler/prioritize}: kube-scheduler's extender prioritize verb. Takes
 * {@code ExtenderArgs} (either form), answers a {@code HostPriorityList},
 * {@code [{"Host": "n1", "Score": 7}, ...]}: one entry per node received, in input order, the
 * GPU-load part of the advisor's score ({@link NodeVerdict#gpuScore()}, 0-100) scaled to the
 * extender range 0-10 (rounded); a node the advisor finds infeasible scores 0. kube-scheduler adds
 * {@code Score x weight x 10} to its own total.
 *
 * <p>Only the GPU part: kube-scheduler's own TaintToleration and NodeAffinity score plugins
 * already count PreferNoSchedule taints and preferred node affinity, so the advisor's total score,
 * which includes them, would count them twice.
 *
 * <p>Errors: the list has no error field, and kube-scheduler ignores a failed prioritize call
 * (the node totals then leave us out), so arguments it cannot use, including a Pod the API server's
 * validation would refuse, are a 400 {@link Status}, which the scheduler logs with the code: such a pod
 * is never scored.
 */
public final class ExtenderPrioritizeEndpoint extends AdvisorEndpoint {
    public static final String PATH = "/scheduler/prioritize";
    /** kube-scheduler's MaxExtenderPriority. */
    public static final int MAX_EXTENDER_PRIORITY = 10;

    public ExtenderPrioritizeEndpoint(PlacementAdvisor advisor) {
        super(PATH, ExtenderFilterEndpoint.MAX_BODY_BYTES, advisor);
    }

    @Override
    public ApiResponse handle(String contentType, byte[] body, Instant now) {
        ExtenderArgs args;
        try {
            args = ExtenderArgs.parse(body);
        } catch (ExtenderArgs.NotJson | InputException e) {
            return ApiResponse.failure(Status.badRequest(e.getMessage()));
        }
        Explanation explanation = args.explainWith(advisor);
        Map<String, NodeVerdict> verdicts = new HashMap<>();
        explanation.nodes().forEach(v -> verdicts.put(v.name(), v));
        List<String> names = args.names();
        JsonArray out = new JsonArray();
        for (String name : names) {
            JsonObject host = new JsonObject();
            host.addProperty("Host", name);
            host.addProperty("Score", extenderScore(verdicts.get(name)));
            out.add(host);
        }
        return ApiResponse.ok(JsonBody.of(out));
    }

    /** The GPU-load score, 0-100 to 0-10, rounded half up; 0 for an infeasible or unknown node. */
    static int extenderScore(NodeVerdict v) {
        if (v == null || !v.feasible() || v.gpuScore() == null) {
            return 0;
        }
        int score = Math.max(0, Math.min(100, v.gpuScore()));
        return (score * MAX_EXTENDER_PRIORITY + 50) / 100;
    }
}
