package io.gpuscale.agent.sample;

import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.log.RepeatedLog;
import io.gpuscale.agent.attribution.PodGpuUsage;
import io.gpuscale.agent.gpu.GpuEventSource;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.GpuSourceException;
import io.gpuscale.agent.gpu.XidEvent;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Waits for the driver's critical Xid events on a thread of its own, counts them, and logs each
 * with the GPU and the pods it hit. Event waits block, so they never run on the sampler thread.
 */
public final class XidWatcher implements AutoCloseable {
    private static final Logger LOG = System.getLogger(XidWatcher.class.getName());
    /** Xid storms and a watcher failing on every retry log a line a minute per kind. */
    private final RepeatedLog repeated = new RepeatedLog(LOG);
    private static final Duration WAIT = Duration.ofSeconds(1);

    private final GpuEventSource events;
    private final XidCounter counter;
    private final Supplier<NodeSnapshot> latest;
    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
    private volatile boolean running;
    private Thread thread;
    private String lastFailure = "";

    public XidWatcher(GpuEventSource events, XidCounter counter, Supplier<NodeSnapshot> latest) {
        this.events = events;
        this.counter = counter;
        this.latest = latest;
    }

    public synchronized void start() {
        running = true;
        thread = new Thread(this::run, "gpuscale-xid");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            try {
                List<XidEvent> arrived = events.awaitXidEvents(WAIT);
                lastFailure = "";
                backoff.succeeded();
                for (XidEvent e : arrived) {
                    record(e);
                }
            } catch (GpuSourceException e) {
                if (!e.code().equals(lastFailure) && !"NOT_OPEN".equals(e.code())) {
                    repeated.log(Level.INFO, "unavailable " + e.code(), "Xid events unavailable; retrying",
                            LogFields.of("code", e.code(), "reason", e.getMessage()));
                }
                lastFailure = e.code();
                LockSupport.parkNanos(backoff.failed(System.nanoTime()).toNanos());
            } catch (RuntimeException e) {
                repeated.log(Level.ERROR, "unexpected " + e.getClass().getName(), "Xid watcher failed unexpectedly; "
                        + "retrying", e);
                LockSupport.parkNanos(backoff.failed(System.nanoTime()).toNanos());
            }
        }
    }

    /** Counts the event and logs it, naming the GPU and the pods on it (a repeat within a minute only counted). */
    void record(XidEvent e) {
        long n = counter.count(e.gpuUuid(), e.xid());
        NodeSnapshot s = latest.get();
        String gpu = s.gpus().stream().filter(g -> g.identity().uuid().equals(e.gpuUuid())).findFirst()
                .map(GpuSample::identity).map(id -> Integer.toString(id.index())).orElse("?");
        String pods = s.attribution().usage().stream().filter(u -> u.deviceUuid().equals(e.gpuUuid())
                        || isMigOf(s, e.gpuUuid(), u))
                .map(PodGpuUsage::pod).map(p -> p.namespace() + "/" + p.pod()).distinct()
                .collect(Collectors.joining(","));
        // A storm of one Xid on one GPU is one line a minute; the count says how many so far.
        repeated.log(Level.WARNING, e.gpuUuid() + " " + e.xid(), "Xid error", LogFields.of("node", s.node(), "gpu", gpu,
                "uuid", e.gpuUuid(), "xid", e.xid(), "gpu_instance", e.gpuInstanceId(),
                "compute_instance", e.computeInstanceId(), "pods", pods, "count", n));
    }

    private static boolean isMigOf(NodeSnapshot s, String gpuUuid, PodGpuUsage u) {
        return s.gpus().stream().filter(g -> g.identity().uuid().equals(gpuUuid))
                .flatMap(g -> g.migDevices().stream()).anyMatch(m -> m.uuid().equals(u.deviceUuid()));
    }

    @Override
    public synchronized void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            LockSupport.unpark(thread);
            try {
                thread.join(WAIT.toMillis() * 3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
