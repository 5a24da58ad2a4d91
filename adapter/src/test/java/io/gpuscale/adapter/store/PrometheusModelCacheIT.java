package io.gpuscale.adapter.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.scrape.Eventually;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stand-in Prometheus on a loopback port that counts the queries it answers: reads of every GPU
 * share one read of {@code nvidia_gpu_info} until the models age.
 */
class PrometheusModelCacheIT {
    private static final String METRIC = "nvidia_gpu_utilization_percent";

    private Vertx vertx;
    private HttpServer server;
    private final AtomicInteger modelReads = new AtomicInteger();
    private final AtomicInteger metricReads = new AtomicInteger();
    private final AtomicReference<String> model = new AtomicReference<>("NVIDIA A100");
    /** When set, the models' answer waits for it. */
    private final AtomicReference<Promise<Void>> hold = new AtomicReference<>();
    private final AtomicLong now = new AtomicLong(1_000);
    private PrometheusMetrics backend;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(this::answer).listen(0, "127.0.0.1").await();
        backend = new PrometheusMetrics("http://127.0.0.1:" + server.actualPort(), Duration.ofSeconds(30), now::get);
    }

    @AfterEach
    void stop() {
        Promise<Void> held = hold.getAndSet(null);
        if (held != null) {
            held.tryComplete();
        }
        vertx.close().await();
    }

    private void answer(HttpServerRequest req) {
        req.body().onSuccess(body -> {
            String form = body.toString(StandardCharsets.UTF_8);
            String query = URLDecoder.decode(form.substring(form.indexOf("query=") + 6), StandardCharsets.UTF_8);
            double at = System.currentTimeMillis() / 1000.0;
            if (query.equals(PrometheusMetrics.MODELS_QUERY)) {
                modelReads.incrementAndGet();
                JsonObject info = new JsonObject().put("metric", new JsonObject().put("node", "n1").put("uuid", "GPU-a")
                        .put("model", model.get())).put("value", new JsonArray().add(at).add("1"));
                Promise<Void> held = hold.get();
                (held == null ? io.vertx.core.Future.<Void>succeededFuture() : held.future())
                        .onComplete(r -> req.response().end(vector(info).encode()));
                return;
            }
            metricReads.incrementAndGet();
            JsonObject series = new JsonObject().put("metric", new JsonObject().put("__name__", METRIC).put("node", "n1")
                    .put("gpu", "0").put("uuid", "GPU-a")).put("value", new JsonArray().add(at).add("42"));
            req.response().end(vector(series).encode());
        });
    }

    private static JsonObject vector(JsonObject... series) {
        return new JsonObject().put("status", "success").put("data", new JsonObject().put("resultType", "vector")
                .put("result", new JsonArray(List.of((Object[]) series))));
    }

    private String modelOfTheGpu() {
        List<GpuReading> gpus = backend.gpus(METRIC);
        assertThat(gpus).singleElement().satisfies(g -> assertThat(g.reading().value()).isEqualTo(42.0));
        return gpus.get(0).labels().get("model");
    }

    @Test
    void readsOfEveryGpuShareOneReadOfTheModels() {
        for (int i = 0; i < 5; i++) {
            assertThat(modelOfTheGpu()).isEqualTo("NVIDIA-A100");
            now.addAndGet(Duration.ofSeconds(10).toNanos());
        }
        assertThat(modelReads).hasValue(1);
        assertThat(metricReads).hasValue(5);
    }

    @Test
    void agedModelsAreAnsweredWhileOneReadRefreshesThemInTheBackground() {
        assertThat(modelOfTheGpu()).isEqualTo("NVIDIA-A100");
        model.set("NVIDIA H100 80GB HBM3");
        Promise<Void> held = Promise.promise();
        hold.set(held);
        now.addAndGet(PrometheusMetrics.MODELS_FRESH.toNanos());

        for (int i = 0; i < 3; i++) {
            assertThat(modelOfTheGpu()).isEqualTo("NVIDIA-A100");
        }
        Eventually.await(Duration.ofSeconds(30), "the refresh to reach Prometheus", () -> modelReads.get() == 2);
        held.complete();
        Eventually.await(Duration.ofSeconds(30), "the refreshed model",
                () -> modelOfTheGpu().equals("NVIDIA-H100-80GB-HBM3"));
        assertThat(modelReads).as("one refresh for every caller that found the models old").hasValue(2);
    }
}
