package io.gpuscale.adapter.advisor.http;

import io.gpuscale.adapter.advisor.Explanation;
import io.gpuscale.adapter.advisor.PlacementAdvisor;
import io.gpuscale.adapter.advisor.io.ExplanationJson;
import io.gpuscale.adapter.advisor.io.InputException;
import io.gpuscale.adapter.advisor.io.PodInput;
import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Status;
import io.gpuscale.adapter.cluster.ClusterProjection;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Instant;

/**
 * {@code POST /advisor/v1/explain}: the body is a Pod (JSON or YAML, by Content-Type or, when that
 * says neither, by its first character); the answer is the explanation as JSON, the same document
 * as {@code explain -o json}. A body that is not a valid v1 Pod is a 400 {@link Status} whose
 * message names the line ({@code request body:7: ...}).
 */
public final class ExplainEndpoint extends AdvisorEndpoint {
    public static final String PATH = "/advisor/v1/explain";
    /** What stands for the file name in messages. */
    static final String SOURCE = "request body";

    public ExplainEndpoint(PlacementAdvisor advisor) {
        super(PATH, PodInput.MAX_BYTES, advisor);
    }

    @Override
    public ApiResponse handle(String contentType, byte[] body, Instant now) {
        V1Pod pod;
        try {
            pod = PodInput.parse(SOURCE, body, contentType);
        } catch (InputException e) {
            return ApiResponse.failure(Status.badRequest(e.getMessage()));
        }
        Explanation explanation = advisor.explain(ClusterProjection.podScheduling(pod));
        return ApiResponse.ok(new JsonBody(ExplanationJson.render(explanation)));
    }
}
