package io.gpuscale.adapter.advisor.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.adapter.advisor.AdvisorOptions;
import io.gpuscale.adapter.http.ApiServer;
import io.gpuscale.adapter.http.ServerLimits;
import io.gpuscale.adapter.http.RequestGate;
import io.gpuscale.adapter.testing.TestPods;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /advisor/v1/explain} over HTTPS, as served next to the metrics API. */
class ExplainEndpointIT {
    private static final String POD_YAML = TestPods.trainerYaml(1);

    private static Vertx vertx;
    private static AdvisorService service;
    private static ApiServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        service = AdvisorService.start(AdvisorCluster.view(), null, AdvisorOptions.defaults(), "127.0.0.1", -1, null);
        vertx = Vertx.vertx();
        server = ApiServer.start(vertx, null, service.restEndpoints(), RequestGate.ALLOW_ALL,
                ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null), Clock.systemUTC()),
                ServerLimits.DEFAULTS, "127.0.0.1", 0, Clock.systemUTC(), false);
        http = AdvisorCluster.client();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (service != null) {
            service.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static HttpResponse<String> post(String contentType, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + ExplainEndpoint.PATH))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject explain(String contentType, String body) throws Exception {
        HttpResponse<String> r = post(contentType, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    @Test
    void aYamlPodIsExplainedNodeByNode() throws Exception {
        JsonObject e = explain("application/yaml", POD_YAML);
        assertThat(e.keySet()).containsExactly("pod", "quota", "fitError", "gpuLoad", "nodes");
        assertThat(e.getAsJsonObject("pod").get("name").getAsString()).isEqualTo("trainer");
        assertThat(e.getAsJsonObject("quota").get("admitted").getAsBoolean()).isTrue();
        assertThat(e.getAsJsonObject("quota").get("message").isJsonNull()).isTrue();
        assertThat(e.get("fitError").isJsonNull()).isTrue();
        assertThat(e.getAsJsonArray("nodes")).hasSize(4);
        JsonObject first = e.getAsJsonArray("nodes").get(0).getAsJsonObject();
        assertThat(first.keySet()).containsExactly("name", "feasible", "plugin", "reasons", "score", "gpuScore");
        assertThat(first.get("name").getAsString()).isEqualTo("mainpc");
        assertThat(first.get("feasible").getAsBoolean()).isTrue();
        assertThat(first.get("plugin").isJsonNull()).isTrue();
        assertThat(first.get("score").getAsInt()).isBetween(0, 100);
        JsonObject pc2 = e.getAsJsonArray("nodes").asList().stream().map(n -> n.getAsJsonObject())
                .filter(n -> n.get("name").getAsString().equals("pc2")).findFirst().orElseThrow();
        assertThat(pc2.get("plugin").getAsString()).isEqualTo("TaintToleration");
        assertThat(pc2.get("score").isJsonNull()).isTrue();
        JsonObject reason = pc2.getAsJsonArray("reasons").get(0).getAsJsonObject();
        assertThat(reason.get("plugin").getAsString()).isEqualTo("TaintToleration");
        assertThat(reason.get("message").getAsString()).contains("gpu");
    }

    @Test
    void jsonAndSniffedYamlGiveTheSameAnswer() throws Exception {
        String json = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"trainer\", \"namespace\": "
                + "\"ml\"}, \"spec\": {\"containers\": [{\"name\": \"main\", \"image\": \"trainer:1\", \"resources\": "
                + "{\"limits\": {\"nvidia.com/gpu\": \"1\"}}}]}}";
        JsonObject yaml = explain("application/yaml", POD_YAML);
        assertThat(explain("application/json", json)).isEqualTo(yaml);
        assertThat(explain("text/plain", POD_YAML)).isEqualTo(yaml);
        assertThat(explain("application/octet-stream", json)).isEqualTo(yaml);
    }

    @Test
    void aPodOverQuotaIsSaidToBeRefusedAndStillExplained() throws Exception {
        JsonObject e = explain("application/yaml", POD_YAML.replace("\"1\"", "\"2\""));
        assertThat(e.getAsJsonObject("quota").get("admitted").getAsBoolean()).isFalse();
        assertThat(e.getAsJsonObject("quota").get("message").getAsString()).startsWith("exceeded quota: gpus, ");
        assertThat(e.get("fitError").getAsString()).startsWith("0/4 nodes are available: ");
    }

    @Test
    void aBodyThatIsNotAPodIsABadRequestNamingTheLine() throws Exception {
        HttpResponse<String> r = post("application/yaml", POD_YAML.replace("  name: trainer", "  name: [trainer"));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonObject status = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(status.get("kind").getAsString()).isEqualTo("Status");
        assertThat(status.get("reason").getAsString()).isEqualTo("BadRequest");
        assertThat(status.get("message").getAsString()).matches("request body:\\d+: YAML syntax error.*");

        HttpResponse<String> notPod = post("application/json", "{\"apiVersion\": \"v1\", \"kind\": \"Node\"}");
        assertThat(notPod.statusCode()).isEqualTo(400);
        assertThat(notPod.body()).contains("expected apiVersion v1, kind Pod");
        assertThat(post("application/json", "").statusCode()).isEqualTo(400);
    }

    /**
     * Issue 12 item 6: a negative GPU count was explained as fitting. kube-apiserver answers such a create
     * with 422 Invalid, a cause per field; so do we.
     */
    @Test
    void aPodTheApiServerWouldRefuseIsA422InvalidWithACausePerField() throws Exception {
        HttpResponse<String> r = post("application/yaml", POD_YAML.replace("\"1\"", "\"-3\""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
        JsonObject status = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(status.get("kind").getAsString()).isEqualTo("Status");
        assertThat(status.get("status").getAsString()).isEqualTo("Failure");
        assertThat(status.get("reason").getAsString()).isEqualTo("Invalid");
        assertThat(status.get("code").getAsInt()).isEqualTo(422);
        String limit = "spec.containers[0].resources.limits[nvidia.com/gpu]";
        String request = "spec.containers[0].resources.requests[nvidia.com/gpu]";
        String negative = "Invalid value: \"-3\": must be greater than or equal to 0";
        assertThat(status.get("message").getAsString()).isEqualTo("Pod \"trainer\" is invalid: [" + limit + ": " + negative
                + ", " + request + ": " + negative + "]");
        JsonObject details = status.getAsJsonObject("details");
        assertThat(details.get("name").getAsString()).isEqualTo("trainer");
        assertThat(details.get("kind").getAsString()).isEqualTo("Pod");
        assertThat(details.getAsJsonArray("causes")).hasSize(2);
        JsonObject cause = details.getAsJsonArray("causes").get(0).getAsJsonObject();
        assertThat(cause.get("reason").getAsString()).isEqualTo("FieldValueInvalid");
        assertThat(cause.get("message").getAsString()).isEqualTo(negative);
        assertThat(cause.get("field").getAsString()).isEqualTo(limit);

        HttpResponse<String> fraction = post("application/yaml", POD_YAML.replace("\"1\"", "\"1.5\""));
        assertThat(fraction.statusCode()).isEqualTo(422);
        assertThat(fraction.body()).contains("Invalid value: \\\"1500m\\\": must be an integer");
    }

    /** Issue 12 item 7: {@code "ports":"notalist"} answered {@code class com.google.gson.JsonPrimitive cannot be cast ...}. */
    @Test
    void aFieldOfTheWrongTypeIsABadRequestInOurWords() throws Exception {
        String json = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"trainer\"}, \"spec\": "
                + "{\"containers\": [{\"name\": \"main\", \"ports\": \"notalist\"}]}}";
        HttpResponse<String> r = post("application/json", json);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonObject status = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(status.get("reason").getAsString()).isEqualTo("BadRequest");
        assertThat(status.get("message").getAsString()).isEqualTo("request body:1: spec.containers[0].ports: expected a "
                + "list, got the string \"notalist\"");

        HttpResponse<String> syntax = post("application/json", "{\"apiVersion\": v1}");
        assertThat(syntax.statusCode()).isEqualTo(400);
        String message = JsonParser.parseString(syntax.body()).getAsJsonObject().get("message").getAsString();
        assertThat(message).startsWith("request body:1: not valid JSON: syntax error at line 1, column ");
        assertThat(message).doesNotContain("Strictness").doesNotContain("JsonReader").doesNotContain("gson");
    }
}
