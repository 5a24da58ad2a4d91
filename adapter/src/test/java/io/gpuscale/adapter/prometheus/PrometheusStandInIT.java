package io.gpuscale.adapter.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.common.testing.Eventually;
import io.vertx.core.Future;
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
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stand-in Prometheus on a loopback port that counts the queries it answers, by kind: reads of
 * every GPU share one read of {@code nvidia_gpu_info} until the models age, and select each series
 * once, timed by its scrape target's {@code up}, where Prometheus has it.
 */
class PrometheusStandInIT {
    private static final String METRIC = "nvidia_gpu_utilization_percent";
    private static final String JOB = "gpuscale-agent";
    private static final String INSTANCE = "10.0.0.1:9410";
    /** When the stand-in's one scrape happened: every sample of it has this timestamp. */
    private static final double SCRAPED = 1_790_000_000.125;

    private Vertx vertx;
    private HttpServer server;
    private final AtomicInteger modelReads = new AtomicInteger();
    private final AtomicInteger targetTimedReads = new AtomicInteger();
    private final AtomicInteger perSeriesReads = new AtomicInteger();
    private final AtomicReference<String> lastTargetTimed = new AtomicReference<>();
    private final AtomicBoolean upStored = new AtomicBoolean(true);
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
                JsonObject info = series(Map.of("node", "n1", "uuid", "GPU-a", "model", model.get()), at, 1);
                Promise<Void> held = hold.get();
                (held == null ? Future.<Void>succeededFuture() : held.future())
                        .onComplete(r -> req.response().end(vector(info).encode()));
                return;
            }
            JsonObject value = series(Map.of("__name__", METRIC, "node", "n1", "gpu", "0", "uuid", "GPU-a",
                    "job", JOB, "instance", INSTANCE), at, 42);
            if (query.contains("timestamp(up")) {
                targetTimedReads.incrementAndGet();
                lastTargetTimed.set(query);
                req.response().end((upStored.get() ? vector(value, series(Map.of("job", JOB, "instance", INSTANCE,
                        PrometheusMetrics.FIELD, "target"), at, SCRAPED)) : vector(value)).encode());
            } else {
                perSeriesReads.incrementAndGet();
                req.response().end(vector(value, series(Map.of("node", "n1", "gpu", "0", "uuid", "GPU-a", "job", JOB,
                        "instance", INSTANCE, PrometheusMetrics.FIELD, "timestamp"), at, SCRAPED)).encode());
            }
        });
    }

    private static JsonObject series(Map<String, String> labels, double at, double value) {
        return new JsonObject().put("metric", new JsonObject(Map.copyOf(labels)))
                .put("value", new JsonArray().add(at).add(String.valueOf(value)));
    }

    private static JsonObject vector(JsonObject... series) {
        return new JsonObject().put("status", "success").put("data", new JsonObject().put("resultType", "vector")
                .put("result", new JsonArray(List.of((Object[]) series))));
    }

    private String modelOfTheGpu() {
        List<GpuReading> gpus = backend.gpus(METRIC);
        assertThat(gpus).singleElement().satisfies(g -> assertThat(g.reading())
                .isEqualTo(new Reading(42, Math.round(SCRAPED * 1000))));
        return gpus.get(0).labels().get("model");
    }

    @Test
    void readsOfEveryGpuShareOneReadOfTheModels() {
        for (int i = 0; i < 5; i++) {
            assertThat(modelOfTheGpu()).isEqualTo("NVIDIA-A100");
            now.addAndGet(Duration.ofSeconds(10).toNanos());
        }
        assertThat(modelReads).hasValue(1);
        assertThat(targetTimedReads).hasValue(5);
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

    @Test
    void seriesAreSelectedOnceAndTimedByTheirTargetOnceItsJobIsKnown() {
        assertThat(backend.nodes(METRIC, List.of("n1")).get("n1")).as("the agents' targets are not known yet")
                .containsExactly(new Reading(42, Math.round(SCRAPED * 1000)));
        assertThat(perSeriesReads).hasValue(1);

        modelOfTheGpu();
        assertThat(lastTargetTimed.get()).contains("timestamp(up)");
        modelOfTheGpu();
        assertThat(lastTargetTimed.get()).as("up of the agents' job only").contains("timestamp(up{job=\"" + JOB + "\"})");
        assertThat(backend.nodes(METRIC, List.of("n1")).get("n1")).as("as many nodes as agent targets")
                .containsExactly(new Reading(42, Math.round(SCRAPED * 1000)));
        assertThat(targetTimedReads).hasValue(3);
        assertThat(perSeriesReads).hasValue(1);
    }

    @Test
    void withoutUpForTheTargetsReadsAreTimedPerSeriesForAWhile() {
        upStored.set(false);
        modelOfTheGpu();
        assertThat(targetTimedReads).hasValue(1);
        assertThat(perSeriesReads).as("the same read, timed per series").hasValue(1);
        modelOfTheGpu();
        assertThat(targetTimedReads).hasValue(1);
        assertThat(perSeriesReads).hasValue(2);

        upStored.set(true);
        now.addAndGet(PrometheusMetrics.UNTIMED_BACKOFF.toNanos());
        modelOfTheGpu();
        assertThat(targetTimedReads).hasValue(2);
        assertThat(perSeriesReads).hasValue(2);
    }
}
