package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.MetricsApi;
import io.gpuscale.adapter.api.Status;
import io.gpuscale.adapter.tls.CertificateFileWatch;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The HTTPS server around {@link MetricsApi} and the {@link PostEndpoint}s: it binds, puts the
 * parts of this package together, and closes. Each part is one concern:
 * <ul>
 * <li>{@link ServerTls} and {@link CertificateReload}: TLS, and a new certificate without a restart;
 * <li>{@link ConnectionCap} and {@link RequestDeadlines}: connections per client, and the time a
 *     client has to send its request;
 * <li>{@link RequestPipeline}: the order a request passes in: {@link RequestLimits} (sizes and the
 *     per-client rate), the {@link RequestGate}, then {@link BodyReader} and a {@link PostEndpoint},
 *     or {@link GetAnswers} (the API, through the {@link ResponseCache});
 * <li>{@link ResponseWriter} and {@link DecoderFailures}: answers, each refusal a {@link Status};
 * <li>{@link Refusals}, {@link InternalErrors} and {@link RequestObserver}: what is counted and
 *     told to the {@link ApiRecorder}.
 * </ul>
 * It never answers with a stack trace: a failure inside the API is logged once, counted, and
 * answered as a 500 {@link Status}.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ApiServer.class.getName());
    /** The largest request body accepted by default (none of the metrics API's requests has one). */
    public static final long MAX_BODY_BYTES = ServerLimits.DEFAULT_MAX_BODY_BYTES;
    /** Room above the URI limit in Netty's request-line limit, so that the API answers an over-long URI itself. */
    private static final int REQUEST_LINE_SLACK = 1024;

    private final Vertx vertx;
    private final ServerTls tls;
    private final Refusals refusals;
    private final InternalErrors errors = new InternalErrors();
    private final ConnectionCap connections;
    private final RequestDeadlines deadlines;
    private final RequestPipeline pipeline;
    private final DecoderFailures decoderFailures;
    private final List<CertificateReload> reloads = new CopyOnWriteArrayList<>();
    private volatile ServingCertificate certificate;
    private volatile boolean closed;
    private HttpServer server;

    private ApiServer(Vertx vertx, MetricsApi api, List<PostEndpoint> posts, RequestGate gate, ServerLimits limits,
            Clock clock, boolean blockingBackend, ApiRecorder recorder) {
        this.vertx = vertx;
        Map<String, PostEndpoint> byPath = new HashMap<>();
        for (PostEndpoint p : posts) {
            if (byPath.put(p.path(), p) != null) {
                throw new IllegalArgumentException("two POST endpoints for " + p.path());
            }
        }
        Map<String, PostEndpoint> postsByPath = Map.copyOf(byPath);
        this.tls = new ServerTls(limits.requestTimeout(), gate.requestsClientCertificates());
        this.refusals = new Refusals(recorder);
        this.connections = new ConnectionCap(limits.maxConnectionsPerClient());
        this.deadlines = new RequestDeadlines(vertx, limits, refusals);
        this.decoderFailures = new DecoderFailures(refusals);
        ResponseWriter writer = new ResponseWriter(postsByPath.keySet());
        this.pipeline = new RequestPipeline(vertx, postsByPath, gate, clock, deadlines,
                new RequestObserver(recorder, postsByPath.keySet()), new RequestLimits(limits, postsByPath), refusals,
                errors, new BodyReader(vertx, limits, refusals, writer), writer,
                new GetAnswers(vertx, api, clock, blockingBackend, recorder, errors));
    }

    /**
     * Binds and serves the metrics API with the default limits, to everyone.
     *
     * @see #start(Vertx, MetricsApi, List, RequestGate, ServingCertificate, ServerLimits, String, int, Clock, boolean)
     */
    public static ApiServer start(Vertx vertx, MetricsApi api, ServingCertificate certificate, String host, int port,
            Clock clock, boolean blockingBackend) throws Exception {
        return start(vertx, api, List.of(), RequestGate.ALLOW_ALL, certificate, ServerLimits.DEFAULTS, host, port,
                clock, blockingBackend);
    }

    /**
     * Binds and serves.
     *
     * @param api the GET paths; null for a server of POST endpoints only (it then serves
     *        {@code /healthz}, {@code /livez}, {@code /readyz} besides them)
     * @param posts the endpoints that take a body, each on its exact path
     * @param gate asked about every request before it is served
     * @param blockingBackend true when reading metrics may block (a remote backend such as
     *        Prometheus): answers are then computed on worker threads, not the event loop
     * @throws Exception when the address cannot be bound or the certificate is unusable
     */
    public static ApiServer start(Vertx vertx, MetricsApi api, List<PostEndpoint> posts, RequestGate gate,
            ServingCertificate certificate, ServerLimits limits, String host, int port, Clock clock,
            boolean blockingBackend) throws Exception {
        return start(vertx, api, posts, gate, certificate, limits, host, port, clock, blockingBackend,
                ApiRecorder.NONE);
    }

    /**
     * As above, telling {@code recorder} about every request: its arrival and answer, the limit
     * that refused it, the age of the values it served.
     */
    public static ApiServer start(Vertx vertx, MetricsApi api, List<PostEndpoint> posts, RequestGate gate,
            ServingCertificate certificate, ServerLimits limits, String host, int port, Clock clock,
            boolean blockingBackend, ApiRecorder recorder) throws Exception {
        ApiServer s = new ApiServer(vertx, api, posts, gate, limits, clock, blockingBackend, recorder);
        s.certificate = certificate;
        HttpServerOptions options = new HttpServerOptions()
                .setMaxInitialLineLength(limits.maxUriBytes() + REQUEST_LINE_SLACK)
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setInitialSettings(new Http2Settings().setMaxHeaderListSize(limits.maxHeaderBytes()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, limits.idleTimeout().toMillis()))
                .setCompressionSupported(false);
        s.tls.applyTo(options, certificate);
        s.server = vertx.createHttpServer(options)
                .connectionHandler(s::connected)
                .invalidRequestHandler(s.decoderFailures::answer)
                .requestHandler(s.pipeline::handle);
        s.server.listen(port, host).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return s;
    }

    /** The bound port. */
    public int port() {
        return server.actualPort();
    }

    /** Failures inside the API so far (each answered with a 500). */
    public long internalErrors() {
        return errors.count();
    }

    /** Requests and connections refused by a limit so far (rate, sizes, deadlines, connection cap). */
    public long refusedByLimits() {
        return refusals.count();
    }

    /** The certificate new TLS handshakes are served with. */
    public ServingCertificate certificate() {
        return certificate;
    }

    /**
     * Serves new TLS handshakes with this certificate; open connections keep theirs.
     *
     * @return completes true once the new certificate is in use
     */
    public Future<Boolean> updateCertificate(ServingCertificate next) {
        return server.updateSSLOptions(tls.sslOptions(next), true).onSuccess(v -> certificate = next);
    }

    /**
     * Reloads the certificate when its files change: polled every {@code every} on a worker thread,
     * a valid new pair is served to new handshakes while open connections keep going; a broken one
     * is logged and the current pair kept ({@link CertificateReload}). Stops with {@link #close()}.
     */
    public void watchCertificateFiles(Path certificateFile, Path keyFile, Duration every) {
        CertificateReload reload = new CertificateReload(vertx,
                new CertificateFileWatch(certificateFile, keyFile, certificate), every.toMillis(),
                this::updateCertificate);
        reloads.add(reload);
        if (closed) {
            reload.stop();
        }
        reload.start();
    }

    /** A new connection: refused when its client holds its maximum, else given its request deadline. */
    private void connected(HttpConnection conn) {
        String client = ClientAddress.of(conn.remoteAddress());
        Runnable release = connections.opened(client);
        if (release == null) {
            refusals.refuse(ApiRecorder.Refusal.CONNECTION_LIMIT);
            conn.close();
            return;
        }
        deadlines.opened(conn);
        conn.closeHandler(v -> {
            deadlines.closed(conn);
            release.run();
        });
    }

    /** Stops accepting and closes open connections. */
    @Override
    public void close() {
        closed = true;
        reloads.forEach(CertificateReload::stop);
        if (server != null) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.log(Level.DEBUG, "API server did not close cleanly", e);
            }
        }
    }
}
