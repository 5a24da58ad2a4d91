package io.gpuscale.agent.sample;

import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.agent.snapshot.SourceStatus;
import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.log.RepeatedLog;
import io.gpuscale.common.Durations;
import io.gpuscale.agent.attribution.Attribution;
import io.gpuscale.agent.attribution.PodAttributor;
import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.GpuSource;
import io.gpuscale.agent.gpu.GpuSourceException;
import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.agent.gpu.SourceError;
import io.gpuscale.agent.gpu.XidEvent;
import io.gpuscale.agent.metrics.AgentMetrics;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Reads every GPU once per interval on its own thread, builds a {@link NodeSnapshot} and hands
 * it to the publisher. Scrapes never reach the driver: they read what was published last.
 *
 * <p>The source is opened lazily and reopened with backoff whenever it fails as a whole (library
 * missing, driver not loaded); while it is down each tick still publishes a snapshot, without
 * GPUs, so the agent's own metrics keep flowing and readiness can tell why.
 */
public final class Sampler implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Sampler.class.getName());
    /** Failures that can come back every interval (NVML, pod attribution, a GPU going down) log a line a minute per kind. */
    private final RepeatedLog repeated = new RepeatedLog(LOG);

    private final GpuSource source;
    private final String node;
    private final Duration interval;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final AgentMetrics metrics;
    private final Consumer<NodeSnapshot> publisher;
    private final PodAttributor pods;
    private final XidCounter xids;
    private final Backoff openBackoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
    private final Map<String, Boolean> gpuUp = new HashMap<>();
    /** The GPUs whose going down was logged: their coming back is logged too. */
    private final java.util.Set<String> downLogged = new java.util.HashSet<>();

    private ScheduledExecutorService executor;
    private boolean open;
    private DriverInfo driver = DriverInfo.UNKNOWN;
    private SourceStatus status;
    private String lastLoggedFailure = "";
    private long generation;

    public Sampler(GpuSource source, String node, Duration interval, Clock clock, LongSupplier nanoTime,
            AgentMetrics metrics, Consumer<NodeSnapshot> publisher) {
        this(source, PodAttributor.NONE, new XidCounter(), node, interval, clock, nanoTime, metrics, publisher);
    }

    public Sampler(GpuSource source, PodAttributor pods, XidCounter xids, String node, Duration interval,
            Clock clock, LongSupplier nanoTime, AgentMetrics metrics, Consumer<NodeSnapshot> publisher) {
        this.pods = pods;
        this.xids = xids;
        this.source = source;
        this.node = node;
        this.interval = interval;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.metrics = metrics;
        this.publisher = publisher;
        this.status = NodeSnapshot.initial(node, source.kind()).source();
    }

    /** Samples now, then every interval, on a dedicated thread. */
    public synchronized void start() {
        if (executor != null) {
            throw new IllegalStateException("already started");
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gpuscale-sampler");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleAtFixedRate(this::tickSafely, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException | LinkageError e) {
            // A scheduled task that throws is never run again: keep sampling whatever happened.
            repeated.log(Level.ERROR, "tick " + e.getClass().getName(), "sample failed unexpectedly; will retry next "
                    + "interval", LogFields.of("node", node).failure(e));
        }
    }

    /** Takes one sample and publishes it. Called by the timer; tests call it directly. */
    public NodeSnapshot tick() {
        long started = nanoTime.getAsLong();
        List<GpuSample> gpus = List.of();
        if (!open && openBackoff.ready(started)) {
            tryOpen(started);
        }
        if (open) {
            try {
                NodeReading reading = source.read();
                driver = reading.driver();
                gpus = reading.gpus();
                for (SourceError e : reading.errors()) {
                    metrics.error(e);
                }
                logGpuTransitions(gpus);
                if (!status.up()) {
                    openBackoff.succeeded();
                    lastLoggedFailure = "";
                }
                status = SourceStatus.up(source.kind());
            } catch (GpuSourceException | RuntimeException failure) {
                sourceFailed(started, failure);
                gpus = List.of();
            }
        }
        Attribution attribution = gpus.isEmpty() ? Attribution.NONE : attribute(gpus);
        long took = nanoTime.getAsLong() - started;
        NodeSnapshot snapshot = new NodeSnapshot(++generation, clock.millis(), node, status,
                open ? driver : DriverInfo.UNKNOWN, gpus, attribution, xids.snapshot());
        metrics.sampleTaken(snapshot.timestampMillis(), Duration.ofNanos(took), status.up());
        publisher.accept(snapshot);
        return snapshot;
    }

    private Attribution attribute(List<GpuSample> gpus) {
        try {
            return pods.attribute(gpus);
        } catch (RuntimeException e) {
            // Pod labels are an addition: without them the GPU series must keep flowing.
            repeated.log(Level.ERROR, "attribution " + e.getClass().getName(), "pod attribution failed; serving this "
                    + "sample without pod labels", LogFields.of("node", node).failure(e));
            return Attribution.NONE;
        }
    }

    private void tryOpen(long now) {
        try {
            driver = source.open();
            open = true;
            metrics.sourceOpened();
            LOG.log(Level.INFO, "GPU source ready", LogFields.of("node", node, "source", source.kind(),
                    "driver", driver.driverVersion(), "nvml", driver.nvmlVersion()));
        } catch (GpuSourceException | RuntimeException failure) {
            metrics.sourceOpenFailed();
            sourceFailed(now, failure);
        }
    }

    /** Closes the source and schedules the next attempt; logs one line per kind of failure, not per retry. */
    private void sourceFailed(long now, Exception failure) {
        GpuSourceException e = failure instanceof GpuSourceException g ? g : unexpected((RuntimeException) failure);
        source.close();
        open = false;
        Duration retry = openBackoff.failed(now);
        status = SourceStatus.down(source.kind(), e.code(), e.getMessage());
        if (e.code().equals(lastLoggedFailure)
                || !repeated.log(Level.WARNING, "source " + e.code(), "GPU source unavailable (/readyz reports not "
                        + "ready; retrying with backoff)", LogFields.of("node", node, "source", source.kind(),
                                "code", e.code(), "reason", e.getMessage()))) {
            LOG.log(Level.DEBUG, "GPU source still unavailable", LogFields.of("node", node, "source", source.kind(),
                    "code", e.code(), "retry_in", Durations.format(retry)));
        }
        lastLoggedFailure = e.code();
    }

    /** A bug in a source must not stop sampling: treat it as the source failing, with the trace logged once. */
    private GpuSourceException unexpected(RuntimeException e) {
        if (!"INTERNAL_ERROR".equals(lastLoggedFailure)) {
            repeated.log(Level.ERROR, "unexpected " + e.getClass().getName(), "GPU source failed unexpectedly; please "
                    + "report this", LogFields.of("node", node, "source", source.kind()).failure(e));
        }
        return new GpuSourceException("INTERNAL_ERROR", e.toString(), e);
    }

    private void logGpuTransitions(List<GpuSample> gpus) {
        if (gpuUp.size() > gpus.size()) { // a GPU the source dropped (no longer enumerated)
            gpuUp.keySet().removeIf(uuid -> gpus.stream().noneMatch(g -> g.identity().uuid().equals(uuid)));
        }
        for (GpuSample g : gpus) {
            Boolean was = gpuUp.put(g.identity().uuid(), g.up());
            if (was == null && !g.up() || was != null && was != g.up()) {
                if (g.up()) {
                    if (downLogged.remove(g.identity().uuid())) {
                        LOG.log(Level.INFO, "GPU back up", LogFields.of("node", node, "gpu", g.identity().index(),
                                "uuid", g.identity().uuid()));
                    }
                } else {
                    if (repeated.log(Level.WARNING, "down " + g.identity().uuid(), "GPU down", LogFields.of("node", node,
                            "gpu", g.identity().index(), "uuid", g.identity().uuid(), "reason", g.downReason()))) {
                        downLogged.add(g.identity().uuid());
                    }
                    if ("GPU_IS_LOST".equals(g.downReason())) {
                        // NVML does not deliver every fallen-off-the-bus Xid as an event: count it here.
                        xids.count(g.identity().uuid(), XidEvent.FALLEN_OFF_THE_BUS);
                    }
                }
            }
        }
    }

    public Duration interval() {
        return interval;
    }

    /** Stops sampling and releases the driver; returns once the thread has stopped. */
    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            try {
                if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.log(Level.WARNING, "sampler did not stop within 10s; releasing the GPU source anyway");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        source.close();
        pods.close();
        open = false;
    }
}
