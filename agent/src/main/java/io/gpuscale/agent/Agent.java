package io.gpuscale.agent;

import io.gpuscale.agent.attribution.PodAttributor;
import io.gpuscale.agent.gpu.GpuEventSource;
import io.gpuscale.agent.gpu.GpuSource;
import io.gpuscale.agent.http.AgentHttpServer;
import io.gpuscale.agent.http.Published;
import io.gpuscale.agent.metrics.AgentMetrics;
import io.gpuscale.agent.metrics.ExpositionRenderer;
import io.gpuscale.agent.metrics.GpuExpositionWriter;
import io.gpuscale.agent.nvml.NvmlGpuSource;
import io.gpuscale.agent.sample.NodeSnapshot;
import io.gpuscale.agent.sample.Sampler;
import io.gpuscale.agent.sample.XidCounter;
import io.gpuscale.agent.sample.XidWatcher;
import io.gpuscale.agent.sim.SimGpuSource;
import io.gpuscale.agent.sim.SimPods;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running agent: the GPU source, the sampler that reads it every interval, and the HTTP server
 * that serves what the sampler published. Built from one {@link AgentConfig}.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Agent.class.getName());

    private final AgentConfig config;
    private final Sampler sampler;
    private final AgentMetrics metrics;
    private final Vertx vertx;
    private final AgentHttpServer server;
    private final AtomicReference<Published> published;
    private final XidWatcher xidWatcher;
    private int port = -1;
    private boolean closed;

    private Agent(AgentConfig config, GpuSource source, Clock clock) {
        this.config = config;
        this.metrics = new AgentMetrics(source.kind());
        ExpositionRenderer renderer = new ExpositionRenderer(
                new GpuExpositionWriter(config.nodeName()), metrics.registry());
        NodeSnapshot initial = NodeSnapshot.initial(config.nodeName(), source.kind());
        this.published = new AtomicReference<>(new Published(initial, renderer.render(initial)));
        XidCounter xids = new XidCounter();
        this.sampler = new Sampler(source, podAttributor(config), xids, config.nodeName(), config.interval(), clock,
                System::nanoTime, metrics, snapshot -> published.set(new Published(snapshot, renderer.render(snapshot))));
        this.xidWatcher = source instanceof GpuEventSource events
                ? new XidWatcher(events, xids, () -> published.get().snapshot())
                : null;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(1));
        this.server = new AgentHttpServer(vertx, published::get, clock, config.interval());
    }

    /** Where pod information comes from: simulated pods for simulated GPUs. */
    static PodAttributor podAttributor(AgentConfig config) {
        if (config.source() instanceof AgentConfig.Sim) {
            return new SimPods();
        }
        return PodAttributor.NONE;
    }

    /** The GPU source a configuration asks for. */
    static GpuSource source(AgentConfig config, Clock clock) {
        if (config.source() instanceof AgentConfig.Sim sim) {
            return new SimGpuSource(sim.gpus(), clock);
        }
        return new NvmlGpuSource(config.nvmlLibrary());
    }

    /**
     * Binds the HTTP port, then starts sampling.
     *
     * @throws ListenException when the address cannot be bound; nothing is left running
     */
    public static Agent start(AgentConfig config) throws ListenException {
        Clock clock = Clock.systemUTC();
        Agent agent = new Agent(config, source(config, clock), clock);
        try {
            agent.port = agent.server.start(config.listenHost(), config.listenPort());
        } catch (Exception e) {
            agent.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ListenException("cannot listen on " + config.listenHost() + ":" + config.listenPort()
                    + ": " + cause.getMessage(), cause);
        }
        agent.sampler.start();
        if (agent.xidWatcher != null) {
            agent.xidWatcher.start();
        }
        return agent;
    }

    /** The bound TCP port. */
    public int port() {
        return port;
    }

    public NodeSnapshot snapshot() {
        return published.get().snapshot();
    }

    /** Stops sampling and releases the driver first, then stops serving. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // A held NVML handle blocks driver upgrades on the node: release it before anything else.
        sampler.close();
        if (xidWatcher != null) {
            xidWatcher.close();
        }
        LOG.log(Level.INFO, "stopped sampling; GPU source released: node={0}", config.nodeName());
        server.close();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "vert.x did not close cleanly", e);
        }
        metrics.close();
    }

    /** The HTTP address could not be bound. */
    public static final class ListenException extends Exception {
        private static final long serialVersionUID = 1L;

        ListenException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
