package io.gpuscale.adapter.advisor.http;

import io.gpuscale.adapter.advisor.PlacementAdvisor;
import io.gpuscale.adapter.http.ApiRecorder;
import io.gpuscale.adapter.http.ApiServer;
import io.gpuscale.adapter.http.ServerLimits;
import io.gpuscale.adapter.http.RequestGate;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler extender on its own HTTPS port ({@code serve --scheduler-extender-port}):
 * {@code POST /scheduler/filter}, {@code POST /scheduler/prioritize}, and the health checks,
 * nothing else. A separate server, not paths on the metrics port, because kube-scheduler calls it
 * directly (not through kube-aggregator), with a client certificate at most (no token), so it is
 * served to everyone who reaches it unless a gate asks for that certificate, and because one
 * scheduler asks up to twice per GPU pod, faster than the per-client rate limit of the metrics port
 * allows: the rate limit is off here, the other limits are the defaults.
 */
public final class SchedulerExtenderServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(SchedulerExtenderServer.class.getName());

    /** The metrics port's limits without the per-client rate (one scheduler sends every call). */
    public static final ServerLimits LIMITS = ServerLimits.DEFAULTS.withRate(0, 0);
    private static final Duration CERTIFICATE_POLL = Duration.ofSeconds(1);

    private final Vertx vertx;
    private final ApiServer server;

    private SchedulerExtenderServer(Vertx vertx, ApiServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    /**
     * Binds and serves.
     *
     * @param port 0 picks a free one
     * @throws Exception when the address cannot be bound or the certificate is unusable; nothing is left running
     */
    public static SchedulerExtenderServer start(String host, int port, ServingCertificate certificate,
            PlacementAdvisor advisor) throws Exception {
        return start(host, port, certificate, advisor, RequestGate.ALLOW_ALL);
    }

    /**
     * Binds and serves, every request first through {@code gate} (e.g. mutual TLS,
     * {@link io.gpuscale.adapter.auth.ClientCertificateGate}); the caller owns the gate.
     *
     * @param port 0 picks a free one
     * @throws Exception when the address cannot be bound or the certificate is unusable; nothing is left running
     */
    public static SchedulerExtenderServer start(String host, int port, ServingCertificate certificate,
            PlacementAdvisor advisor, RequestGate gate) throws Exception {
        return start(host, port, certificate, advisor, gate, ApiRecorder.NONE);
    }

    /** As above, telling {@code recorder} about every call (the adapter's own metrics). */
    public static SchedulerExtenderServer start(String host, int port, ServingCertificate certificate,
            PlacementAdvisor advisor, RequestGate gate, ApiRecorder recorder) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
        try {
            ApiServer server = ApiServer.start(vertx, null, AdvisorEndpoints.schedulerExtender(advisor),
                    gate, certificate, LIMITS, host, port, Clock.systemUTC(), false, recorder);
            return new SchedulerExtenderServer(vertx, server);
        } catch (Exception e) {
            vertx.close();
            throw e;
        }
    }

    /** The bound port. */
    public int port() {
        return server.port();
    }

    /** Serves new handshakes with the pair in these files whenever they change, as the metrics port does. */
    public void watchCertificateFiles(Path certificateFile, Path keyFile) {
        server.watchCertificateFiles(certificateFile, keyFile, CERTIFICATE_POLL);
    }

    @Override
    public void close() {
        server.close();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "scheduler extender's vert.x did not close cleanly", e);
        }
    }

    @Override
    public String toString() {
        return "scheduler extender on port " + port();
    }
}
