package io.gpuscale.agent.metrics;

import io.gpuscale.agent.gpu.SourceError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's own health, as Micrometer meters: how long a sample takes, which driver calls fail
 * and how, when the last sample was taken, whether the GPU source is up; and the JVM's memory,
 * threads, GC, CPU time and uptime. Rendered with the GPU series into one exposition.
 *
 * <p>The agent's meters are read for every body. The JVM and process meters are read at most every
 * {@link #JVM_REFRESH} and their last reading reused: reading them (memory pools, thread states)
 * cost about 130 kB and several times the whole GPU render per body, for values a scrape every 15 s
 * or more cannot tell apart (bench/: ExpositionRendererBenchmark).
 */
public final class AgentMetrics implements AutoCloseable {
    static final Duration JVM_REFRESH = Duration.ofSeconds(10);

    private final PrometheusMeterRegistry registry;
    private final PrometheusMeterRegistry jvm;
    private MetricSnapshots jvmReading;
    private long jvmReadAt;
    /** Held here: Micrometer keeps only a weak reference to a gauge's object. */
    private java.util.function.BooleanSupplier podResourcesUp;
    private final Timer sampleDuration;
    private final ConcurrentHashMap<SourceError, Counter> errors = new ConcurrentHashMap<>();
    private final AtomicLong lastSampleMillis = new AtomicLong();
    private final AtomicLong sourceUp = new AtomicLong();
    private final AtomicLong sourceOpenFailures = new AtomicLong();
    private final Counter openFailures;
    private final JvmGcMetrics gcMetrics;

    public AgentMetrics(String sourceKind) {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.sampleDuration = Timer.builder("gpuscale.agent.sample.duration")
                .description("Time to read every GPU and build the node snapshot.")
                .publishPercentileHistogram(false)
                .register(registry);
        Gauge.builder("gpuscale.agent.last.sample.timestamp", lastSampleMillis, v -> v.get() / 1000.0)
                .description("When the last sample was taken, seconds since the epoch.")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("gpuscale.agent.source.up", sourceUp, AtomicLong::get)
                .description("1 when the GPU source (NVML or the simulation) delivered the last sample.")
                .tag("source", sourceKind)
                .register(registry);
        this.openFailures = Counter.builder("gpuscale.agent.source.open.failures")
                .description("Failed attempts to load or initialize the GPU source.")
                .tag("source", sourceKind)
                .register(registry);
        Gauge.builder("gpuscale.agent.source.open.failures.current", sourceOpenFailures, AtomicLong::get)
                .description("Consecutive failed attempts to open the GPU source; 0 once it is open.")
                .register(registry);
        this.jvm = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(jvm);
        new JvmThreadMetrics().bindTo(jvm);
        // One CPU-time counter instead of Micrometer's ProcessorMetrics, which costs the scrape
        // about 0.2 ms and 200 KB (bench/: SelfMetricsBenchmark).
        processCpu(jvm);
        new UptimeMetrics().bindTo(jvm);
        this.gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(jvm);
    }

    /** Reads every JVM and process meter now. */
    public MetricSnapshots readJvm() {
        return jvm.getPrometheusRegistry().scrape();
    }

    /** The agent's own meters the filter asks for, read now. */
    public MetricSnapshots own(FamilyFilter families) {
        return families.all() ? registry.getPrometheusRegistry().scrape()
                : registry.getPrometheusRegistry().scrape(families::includes);
    }

    /**
     * Every JVM and process meter as read within the last {@link #JVM_REFRESH}: the same instance
     * until the next reading, so what is rendered from it can be kept as long.
     */
    public synchronized MetricSnapshots jvm() {
        long now = System.nanoTime();
        if (jvmReading == null || now - jvmReadAt >= JVM_REFRESH.toNanos()) {
            jvmReading = readJvm();
            jvmReadAt = now;
        }
        return jvmReading;
    }

    /** The meters the filter asks for: the agent's read now, the JVM's as {@link #jvm()} has them. */
    public MetricSnapshots collect(FamilyFilter families) {
        List<MetricSnapshot> all = new ArrayList<>();
        own(families).forEach(all::add);
        select(jvm(), families).forEach(all::add);
        return new MetricSnapshots(all);
    }

    /** The meters of a reading that the filter asks for. */
    static MetricSnapshots select(MetricSnapshots all, FamilyFilter families) {
        if (families.all()) {
            return all;
        }
        List<MetricSnapshot> some = new ArrayList<>();
        for (MetricSnapshot s : all) {
            if (families.includes(s.getMetadata().getPrometheusName())) {
                some.add(s);
            }
        }
        return new MetricSnapshots(some);
    }

    private static void processCpu(PrometheusMeterRegistry registry) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu.time", os, o -> o.getProcessCpuTime() / 1e9)
                    .description("CPU time the agent process has used.")
                    .baseUnit("seconds")
                    .register(registry);
        }
    }

    /**
     * {@code gpuscale_agent_pod_resources_up}: 1 when the kubelet's PodResources API answered the
     * last call, 0 while it does not (pod labels are missing then). Only where pod attribution asks
     * a kubelet.
     */
    public void podResources(java.util.function.BooleanSupplier up) {
        this.podResourcesUp = up;
        Gauge.builder("gpuscale.agent.pod.resources.up", up, u -> u.getAsBoolean() ? 1 : 0)
                .description("1 when the kubelet's PodResources API answered the last call; 0 while it does not "
                        + "and series carry no pod labels.")
                .register(registry);
    }

    /** The agent's own meters (the JVM's are apart). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public void sampleTaken(long timestampMillis, Duration took, boolean up) {
        sampleDuration.record(took.toNanos(), TimeUnit.NANOSECONDS);
        lastSampleMillis.set(timestampMillis);
        sourceUp.set(up ? 1 : 0);
    }

    public void sourceOpenFailed() {
        openFailures.increment();
        sourceOpenFailures.incrementAndGet();
    }

    public void sourceOpened() {
        sourceOpenFailures.set(0);
    }

    /** Counts a failed driver call by function and return code. */
    public void error(SourceError error) {
        SourceError key = new SourceError(error.function(), error.code(), -1);
        errors.computeIfAbsent(key, k -> Counter.builder("gpuscale.agent.nvml.errors")
                .description("Failed driver calls, by function and return code.")
                .tag("function", k.function())
                .tag("code", k.code())
                .register(registry)).increment();
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
        jvm.close();
    }
}
