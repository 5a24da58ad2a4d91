package io.gpuscale.adapter.advisor.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Prometheus on a loopback port, over real HTTP, that either answers the advisor's queries (one
 * GPU on {@code mainpc}, idle, its memory free, sampled now) or, while {@link #hold} is set, accepts
 * every query and never answers it: a Prometheus that hangs.
 */
final class PrometheusStandIn implements AutoCloseable {
    static final String NODE = "mainpc";
    private static final List<String> METRICS = List.of("nvidia_gpu_utilization_percent",
            "nvidia_gpu_memory_used_bytes", "nvidia_gpu_memory_total_bytes");

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private volatile boolean hold;
    /** Queries answered, and queries accepted and left without an answer. */
    final AtomicInteger answered = new AtomicInteger();
    final AtomicInteger held = new AtomicInteger();

    PrometheusStandIn() {
        server = vertx.createHttpServer().requestHandler(this::query).listen(0, "127.0.0.1").await();
    }

    String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    /** While true, every query is accepted and left unanswered. */
    void hold(boolean hold) {
        this.hold = hold;
    }

    private void query(HttpServerRequest req) {
        if (hold) {
            held.incrementAndGet();
            return; // neither read nor answered: the connection stays open until the client gives up
        }
        req.body().onSuccess(body -> {
            String form = body.toString(StandardCharsets.UTF_8);
            String promql = URLDecoder.decode(form.substring(form.indexOf("query=") + 6), StandardCharsets.UTF_8);
            double now = System.currentTimeMillis() / 1000.0;
            JsonArray result = new JsonArray();
            for (String metric : METRICS) {
                if (promql.contains(metric + "{")) {
                    double value = metric.endsWith("total_bytes") ? 24e9 : 0;
                    Map<String, Object> labels = Map.of("node", NODE, "gpu", "0", "uuid", "GPU-0",
                            "job", "gpuscale-agent", "instance", "10.0.0.1:9410");
                    result.add(sample(new JsonObject(new HashMap<>(labels)).put("__name__", metric), now, value));
                    result.add(sample(new JsonObject(new HashMap<>(labels)).put("gpuscale_field", "timestamp"), now, now));
                    result.add(sample(new JsonObject().put("job", "gpuscale-agent").put("instance", "10.0.0.1:9410")
                            .put("gpuscale_field", "target"), now, now));
                }
            }
            answered.incrementAndGet();
            req.response().putHeader("Content-Type", "application/json").end(new JsonObject().put("status", "success")
                    .put("data", new JsonObject().put("resultType", "vector").put("result", result)).encode());
        });
    }

    private static JsonObject sample(JsonObject labels, double at, double value) {
        return new JsonObject().put("metric", labels).put("value", new JsonArray().add(at).add(Double.toString(value)));
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
