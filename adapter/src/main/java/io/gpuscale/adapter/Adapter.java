package io.gpuscale.adapter;

import io.gpuscale.adapter.api.ApiOptions;
import io.gpuscale.adapter.http.ApiServer;
import io.gpuscale.adapter.http.ApiRecorder;
import io.gpuscale.adapter.api.MetricsApi;
import io.gpuscale.adapter.http.PostEndpoint;
import io.gpuscale.adapter.http.ServerLimits;
import io.gpuscale.adapter.http.RequestGate;
import io.gpuscale.adapter.cluster.ClusterView;
import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A running adapter: the metrics API served over HTTPS from a {@link GpuMetrics} and a
 * {@link ClusterView} it is given. What feeds those (scrapers, informers) is started and stopped by
 * the caller, see {@link AdapterProcess}.
 */
public final class Adapter implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Adapter.class.getName());

    /** How often the certificate files are re-read; cert-manager renews days ahead, a second is plenty. */
    private static final Duration CERTIFICATE_POLL = Duration.ofSeconds(1);

    private final Vertx vertx;
    private final ApiServer server;
    private final AutoCloseable[] owned;
    private boolean closed;

    private Adapter(Vertx vertx, ApiServer server, AutoCloseable[] owned) {
        this.vertx = vertx;
        this.server = server;
        this.owned = owned;
    }

    /**
     * Binds the HTTPS port and serves.
     *
     * @param blockingBackend whether reading {@code metrics} may block (a remote backend)
     * @param owned what to close, in order, after the server stops (scrapers, informers)
     * @throws ListenException when the port cannot be bound or the certificate is unusable; nothing is left running
     */
    public static Adapter start(String host, int port, ServingCertificate certificate, GpuMetrics metrics,
            ClusterView cluster, ApiOptions options, boolean blockingBackend, AutoCloseable... owned)
            throws ListenException {
        return start(host, port, certificate, ServerLimits.DEFAULTS, metrics, cluster, options, blockingBackend, owned);
    }

    /**
     * Binds the HTTPS port and serves, within these limits.
     *
     * @param limits request sizes, rates and deadlines ({@code serve}'s flags)
     * @param blockingBackend whether reading {@code metrics} may block (a remote backend)
     * @param owned what to close, in order, after the server stops (scrapers, informers)
     * @throws ListenException when the port cannot be bound or the certificate is unusable; nothing is left running
     */
    public static Adapter start(String host, int port, ServingCertificate certificate, ServerLimits limits,
            GpuMetrics metrics, ClusterView cluster, ApiOptions options, boolean blockingBackend,
            AutoCloseable... owned) throws ListenException {
        return start(host, port, certificate, limits, List.of(), metrics, cluster, options, blockingBackend, owned);
    }

    /**
     * As above, with endpoints that take a body (the placement advisor's {@code POST /advisor/v1/explain}).
     *
     * @param posts served on their paths next to the metrics API
     */
    public static Adapter start(String host, int port, ServingCertificate certificate, ServerLimits limits,
            List<PostEndpoint> posts, GpuMetrics metrics, ClusterView cluster, ApiOptions options,
            boolean blockingBackend, AutoCloseable... owned) throws ListenException {
        return start(host, port, certificate, limits, posts, RequestGate.ALLOW_ALL, metrics, cluster, options,
                blockingBackend, owned);
    }

    /**
     * As above, with every request first through {@code gate}: delegated authentication and
     * authorization ({@link io.gpuscale.adapter.auth.DelegatedGate}) or {@link RequestGate#ALLOW_ALL}.
     * Pass the gate in {@code owned} too when it holds resources (a ConfigMap watch).
     */
    public static Adapter start(String host, int port, ServingCertificate certificate, ServerLimits limits,
            List<PostEndpoint> posts, RequestGate gate, GpuMetrics metrics, ClusterView cluster, ApiOptions options,
            boolean blockingBackend, AutoCloseable... owned) throws ListenException {
        return start(host, port, certificate, limits, posts, gate, metrics, cluster, options, blockingBackend,
                ApiRecorder.NONE, owned);
    }

    /** As above, telling {@code recorder} about every request (the adapter's own metrics). */
    public static Adapter start(String host, int port, ServingCertificate certificate, ServerLimits limits,
            List<PostEndpoint> posts, RequestGate gate, GpuMetrics metrics, ClusterView cluster, ApiOptions options,
            boolean blockingBackend, ApiRecorder recorder, AutoCloseable... owned) throws ListenException {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(blockingBackend ? 8 : 1));
        try {
            ApiServer server = ApiServer.start(vertx, new MetricsApi(metrics, cluster, options), posts,
                    gate, certificate, limits, host, port, Clock.systemUTC(), blockingBackend, recorder);
            return new Adapter(vertx, server, owned);
        } catch (Exception e) {
            closeVertx(vertx);
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ListenException("cannot serve HTTPS on " + host + ":" + port + ": " + cause.getMessage(), cause);
        }
    }

    /** The bound HTTPS port. */
    public int port() {
        return server.port();
    }

    /** Serves new TLS handshakes with the pair in these files whenever they change (checked every second). */
    public void watchCertificateFiles(Path certificateFile, Path keyFile) {
        server.watchCertificateFiles(certificateFile, keyFile, CERTIFICATE_POLL);
    }

    /** Stops serving, then closes what it owns. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.close();
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing {0} failed: {1}", c, e.getMessage());
            }
        }
        closeVertx(vertx);
    }

    private static void closeVertx(Vertx vertx) {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "vert.x did not close cleanly", e);
        }
    }

    /** The HTTPS address could not be served. */
    public static final class ListenException extends Exception {
        private static final long serialVersionUID = 1L;

        ListenException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
