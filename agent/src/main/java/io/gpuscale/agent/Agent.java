package io.gpuscale.agent;

import io.gpuscale.common.log.LogFields;
import io.gpuscale.agent.attribution.PodAttributor;
import io.gpuscale.agent.gpu.GpuEventSource;
import io.gpuscale.agent.gpu.GpuSource;
import io.gpuscale.agent.http.AgentHttpServer;
import io.gpuscale.agent.http.Publication;
import io.gpuscale.agent.http.Published;
import io.gpuscale.agent.metrics.AgentMetrics;
import io.gpuscale.agent.metrics.ExpositionRenderer;
import io.gpuscale.agent.metrics.GpuExpositionWriter;
import io.gpuscale.agent.attribution.ProcessPods;
import io.gpuscale.agent.nvml.NvmlGpuSource;
import io.gpuscale.agent.pods.KubeletPods;
import io.gpuscale.agent.kube.InCluster;
import io.gpuscale.agent.pods.NodePodInformer;
import io.gpuscale.agent.pods.PodResourcesClient;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.agent.sample.Sampler;
import io.gpuscale.agent.sample.XidCounter;
import io.gpuscale.agent.sample.XidWatcher;
import io.gpuscale.agent.sim.SimGpuSource;
import io.gpuscale.agent.sim.SimPods;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

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
    private final Publication published;
    private final XidWatcher xidWatcher;
    private int port = -1;
    private boolean closed;

    private Agent(AgentConfig config, GpuSource source, Clock clock) {
        this.config = config;
        this.metrics = new AgentMetrics(source.kind());
        ExpositionRenderer renderer = new ExpositionRenderer(
                new GpuExpositionWriter(config.nodeName()), metrics);
        NodeSnapshot initial = NodeSnapshot.initial(config.nodeName(), source.kind());
        this.published = new Publication(new Published(renderer.exposition(initial)));
        XidCounter xids = new XidCounter();
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(1));
        PodAttributor attributor = podAttributor(config, vertx);
        if (attributor.asksKubelet()) {
            metrics.podResources(attributor::podResourcesUp);
        }
        this.sampler = new Sampler(source, attributor, xids, config.nodeName(), config.interval(), clock,
                System::nanoTime, metrics, snapshot -> published.publish(new Published(renderer.exposition(snapshot))));
        this.xidWatcher = source instanceof GpuEventSource events
                ? new XidWatcher(events, xids, () -> published.get().snapshot())
                : null;
        this.server = new AgentHttpServer(vertx, published, clock, config.interval());
    }

    /** Where pod information comes from: simulated pods for simulated GPUs, the kubelet on a node. */
    static PodAttributor podAttributor(AgentConfig config, Vertx vertx) {
        AgentConfig.Pods pods = config.pods();
        if (!pods.enabled()) {
            return PodAttributor.NONE;
        }
        if (config.source() instanceof AgentConfig.Sim) {
            return new SimPods(config.nodeName());
        }
        PodResourcesClient kubelet;
        try {
            kubelet = new PodResourcesClient(pods.podResourcesSocket());
        } catch (IllegalStateException e) {
            LOG.log(Level.WARNING, "pod attribution off", LogFields.of("socket", pods.podResourcesSocket(),
                    "reason", e.getMessage()));
            return PodAttributor.NONE;
        }
        return new KubeletPods(kubelet, podInformer(config, vertx), new ProcessPods(pods.procRoot()), System::nanoTime);
    }

    /** The node's pods from the API server, or null when the agent has no way to list them. */
    private static NodePodInformer podInformer(AgentConfig config, Vertx vertx) {
        try {
            NodePodInformer informer;
            if (config.pods().kubeconfig() != null) {
                informer = NodePodInformer.fromKubeconfig(vertx, config.pods().kubeconfig(), config.nodeName());
            } else if (InCluster.available(System.getenv())) {
                informer = NodePodInformer.inCluster(vertx, config.nodeName());
            } else {
                LOG.log(Level.INFO, "no Kubernetes API configured (--kubeconfig, or in-cluster): pods are taken "
                        + "from the kubelet as listed, and shared GPUs are not split by pod");
                return null;
            }
            informer.start();
            return informer;
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot list this node's pods: pods are taken from the kubelet as listed, "
                    + "and shared GPUs are not split by pod", LogFields.of("node", config.nodeName(),
                            "reason", e.getMessage()));
            return null;
        }
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
            agent.port = config.tls() == null ? agent.server.start(config.listenHost(), config.listenPort())
                    : agent.server.start(config.listenHost(), config.listenPort(), config.tls().certificateFile(),
                            config.tls().keyFile());
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
        LOG.log(Level.INFO, "stopped sampling; GPU source released", LogFields.of("node", config.nodeName()));
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
