package io.gpuscale.bench.adapter;

import io.gpuscale.adapter.api.ApiOptions;
import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.MetricsApi;
import io.gpuscale.adapter.store.MetricStore;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HPA's query, in process: {@code GET namespaces/bench/pods/*}{@code /nvidia_gpu_utilization_percent
 * ?labelSelector=app=app-3} through {@link MetricsApi#handle} over the {@link Fleet} (1 000 pods on
 * 125 nodes × 8 GPUs, in one namespace; the selector matches 100), with a {@link MetricStore}
 * filled through the real parser and a {@code SnapshotClusterView} of the fleet. Readings are 1 s
 * old at the query's {@code now}, so all 100 are fresh.
 *
 * <p>{@code handle}: the answer as a value; {@code handleAndRender}: plus its JSON text, as the
 * HTTPS shell writes it.
 *
 * <p>Results: see {@code docs/performance.md}, section "Adapter (issue 4)".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PodsQueryBenchmark {

    @Param({"v1beta2", "v1beta1"})
    String version;

    MetricsApi api;
    Instant now;
    String path;

    @Setup
    public void setUp() {
        long sampled = System.currentTimeMillis();
        MetricStore store = new MetricStore();
        Fleet.fill(store, Fleet.parsers(), sampled);
        api = new MetricsApi(store, Fleet.cluster(), ApiOptions.defaults());
        now = Instant.ofEpochMilli(sampled + 1000);
        path = Fleet.PODS_PATH.replace("v1beta2", version);
        ApiResponse r = api.handle("GET", path, Fleet.PODS_QUERY, now);
        String json = r.body().render();
        int items = json.split("\"describedObject\"", -1).length - 1;
        if (r.code() != 200 || items != Fleet.MATCHING) {
            throw new IllegalStateException("expected 200 with " + Fleet.MATCHING + " items, got " + r.code()
                    + " with " + items + ": " + json.substring(0, Math.min(400, json.length())));
        }
        System.out.printf("%n# %s: %d items, %d B of JSON%n", version, items, json.length());
    }

    @Benchmark
    public ApiResponse handle() {
        return api.handle("GET", path, Fleet.PODS_QUERY, now);
    }

    @Benchmark
    public String handleAndRender() {
        return api.handle("GET", path, Fleet.PODS_QUERY, now).body().render();
    }
}
