package io.gpuscale.bench.metrics;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What each Micrometer binder the agent's {@code AgentMetrics} registers costs per Prometheus text
 * scrape, alone in a fresh {@code PrometheusMeterRegistry} ({@code none}: the registry with no
 * meters, i.e. the writer's fixed cost). Attributes the self-metrics part of
 * {@code ExpositionRendererBenchmark}.
 *
 * <p>Results, 2 vCPU KVM guest (AMD EPYC, family 26), OpenJDK 17.0.15, Micrometer 1.17.2, JMH 1.37,
 * {@code java -jar bench/target/benchmarks.jar SelfMetricsBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc},
 * 2026-11-23:
 * <pre>
 * Run while other builds loaded the VM (load average 4-6): the times are noise, the allocation
 * is stable.
 * (binder)            meters   us/op            B/op
 * none                    0     32 ±   145     25 056
 * JvmMemoryMetrics       33     68 ±    56     70 415
 * JvmThreadMetrics       10    405 ± 1 663     51 095
 * ProcessorMetrics        5  1 409 ± 3 593    242 569
 * UptimeMetrics           2    121 ±   766     29 541
 * JvmGcMetrics            4    166 ±   323     39 469
 * A one-off loop of 2 000 scrapes on a quieter machine (ThreadMXBean allocation counter, not
 * committed) gave 1.0, 41.6, 28.8, 235.4, 6.3 and 8.9 us per scrape, in the same order.
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SelfMetricsBenchmark {

    @Param({"none", "JvmMemoryMetrics", "JvmThreadMetrics", "ProcessorMetrics", "UptimeMetrics", "JvmGcMetrics"})
    String binder;

    PrometheusMeterRegistry registry;
    JvmGcMetrics gc;
    OutputStream sink;

    @Setup
    public void setUp() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        sink = OutputStream.nullOutputStream();
        MeterBinder b;
        switch (binder) {
            case "none" -> b = r -> { };
            case "JvmMemoryMetrics" -> b = new JvmMemoryMetrics();
            case "JvmThreadMetrics" -> b = new JvmThreadMetrics();
            case "ProcessorMetrics" -> b = new ProcessorMetrics();
            case "UptimeMetrics" -> b = new UptimeMetrics();
            case "JvmGcMetrics" -> b = gc = new JvmGcMetrics();
            default -> throw new IllegalArgumentException(binder);
        }
        b.bindTo(registry);
    }

    @TearDown
    public void tearDown() {
        if (gc != null) {
            gc.close();
        }
        registry.close();
    }

    @Benchmark
    public PrometheusMeterRegistry scrape() throws IOException {
        registry.scrape(sink, "text/plain; version=0.0.4; charset=utf-8");
        return registry;
    }
}
