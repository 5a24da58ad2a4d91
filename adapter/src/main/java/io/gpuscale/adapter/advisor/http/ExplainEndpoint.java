package io.gpuscale.adapter.advisor.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.gpuscale.adapter.advisor.Explanation;
import io.gpuscale.adapter.advisor.FieldError;
import io.gpuscale.adapter.advisor.PlacementAdvisor;
import io.gpuscale.adapter.advisor.io.ExplanationJson;
import io.gpuscale.adapter.advisor.io.InputException;
import io.gpuscale.adapter.advisor.io.InvalidPodException;
import io.gpuscale.adapter.advisor.io.PodInput;
import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Status;
import io.gpuscale.adapter.cluster.ClusterProjection;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Instant;

/**
 * {@code POST /advisor/v1/explain}: the body is a Pod (JSON or YAML, by Content-Type or, when that
 * says neither, by its first character); the answer is the explanation as JSON, the same document
 * as {@code explain -o json}. Errors are answered as kube-apiserver answers a create:
 *
 * <ul>
 *   <li>a body that does not decode as a v1 Pod (not YAML or JSON, not a Pod, a field of the wrong type,
 *       a malformed quantity) is a 400 BadRequest {@link Status} whose message names the line and field
 *       ({@code request body:7: spec.containers[0].ports: expected a list, got the string "notalist"});
 *   <li>a Pod that decodes but that validation would refuse (a negative quantity, a fractional GPU, a
 *       request above its limit) is a 422 {@code Invalid} Status, {@code Pod "NAME" is invalid: ...}, with
 *       one {@code details.causes} entry per field ({@code reason}, {@code message}, {@code field}), as
 *       {@code kubectl create} would get it.
 * </ul>
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
        } catch (InvalidPodException e) {
            return new ApiResponse(422, JsonBody.of(invalid(e)));
        } catch (InputException e) {
            return ApiResponse.failure(Status.badRequest(e.getMessage()));
        }
        Explanation explanation = advisor.explain(ClusterProjection.podScheduling(pod));
        return ApiResponse.ok(new JsonBody(ExplanationJson.render(explanation)));
    }

    /** kube-apiserver's {@code errors.NewInvalid} for a Pod: a 422 Status with a cause per field. */
    static JsonObject invalid(InvalidPodException e) {
        JsonObject status = new JsonObject();
        status.addProperty("kind", "Status");
        status.addProperty("apiVersion", "v1");
        status.add("metadata", new JsonObject());
        status.addProperty("status", "Failure");
        status.addProperty("message", e.problem());
        status.addProperty("reason", "Invalid");
        JsonObject details = new JsonObject();
        details.addProperty("name", e.podName());
        details.addProperty("kind", "Pod");
        JsonArray causes = new JsonArray();
        for (FieldError error : e.errors()) {
            JsonObject cause = new JsonObject();
            cause.addProperty("reason", error.type().causeReason());
            cause.addProperty("message", error.body());
            cause.addProperty("field", error.field());
            causes.add(cause);
        }
        details.add("causes", causes);
        status.add("details", details);
        status.addProperty("code", 422);
        return status;
    }
}
