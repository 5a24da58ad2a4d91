package io.gpuscale.agent.sample;

import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.agent.snapshot.SourceStatus;
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
            LOG.log(Level.ERROR, "sample failed unexpectedly; will retry next interval", e);
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
            LOG.log(Level.ERROR, "pod attribution failed; serving this sample without pod labels", e);
            return Attribution.NONE;
        }
    }

    private void tryOpen(long now) {
        try {
            driver = source.open();
            open = true;
            metrics.sourceOpened();
            LOG.log(Level.INFO, "GPU source ready: source={0} driver={1} nvml={2}",
                    source.kind(), driver.driverVersion(), driver.nvmlVersion());
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
        if (e.code().equals(lastLoggedFailure)) {
            LOG.log(Level.DEBUG, "GPU source still unavailable ({0}); next try in {1}", e.code(), Durations.format(retry));
        } else {
            LOG.log(Level.WARNING, "GPU source unavailable: source={0} code={1}: {2} "
                    + "(/readyz reports not ready; retrying with backoff)", source.kind(), e.code(), e.getMessage());
        }
        lastLoggedFailure = e.code();
    }

    /** A bug in a source must not stop sampling: treat it as the source failing, with the trace logged once. */
    private GpuSourceException unexpected(RuntimeException e) {
        if (!"INTERNAL_ERROR".equals(lastLoggedFailure)) {
            LOG.log(Level.ERROR, "GPU source " + source.kind() + " failed unexpectedly; please report this", e);
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
                    LOG.log(Level.INFO, "GPU back up: node={0} gpu={1} uuid={2}",
                            node, g.identity().index(), g.identity().uuid());
                } else {
                    LOG.log(Level.WARNING, "GPU down: node={0} gpu={1} uuid={2} reason={3}",
                            node, g.identity().index(), g.identity().uuid(), g.downReason());
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
