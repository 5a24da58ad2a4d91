package io.gpuscale.adapter.api;

import io.gpuscale.adapter.tls.AcceptAnyClientCertificate;
import io.gpuscale.adapter.api.RequestGate;
import io.gpuscale.adapter.tls.CertificateFileWatch;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.gpuscale.common.tls.TlsPolicy;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.SocketAddress;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The HTTPS shell around {@link MetricsApi} and the {@link PostEndpoint}s: TLS 1.2+ with modern
 * ciphers only ({@link TlsPolicy}) and ALPN (HTTP/2 for Go clients, HTTP/1.1 for the rest).
 *
 * <p>Each request passes, in order: the connection limits (per-client connection cap, a deadline
 * for the whole request to arrive), the size limits of {@link ServerLimits} (431, 414, 413, 411,
 * each a {@link Status}), the per-client rate limit (429 with {@code Retry-After}), the
 * {@link RequestGate} (authentication and authorization; cached answers too go through it), and
 * only then the API. A POST to a {@link PostEndpoint}'s path has its body read up to the
 * endpoint's limit and is answered on a worker thread; GET paths go to the {@link MetricsApi}, or,
 * in a server without one, only the health checks are served. It never answers with a stack
 * trace: a failure inside the API is logged once, counted, and answered as a 500 {@link Status}.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ApiServer.class.getName());
    /** The largest request body accepted by default (none of the metrics API's requests has one). */
    public static final long MAX_BODY_BYTES = ServerLimits.DEFAULT_MAX_BODY_BYTES;
    /** Room above the URI limit in Netty's request-line limit, so that the API answers an over-long URI itself. */
    private static final int REQUEST_LINE_SLACK = 1024;

    private final Vertx vertx;
    private final MetricsApi api;
    private final Map<String, PostEndpoint> posts;
    private final RequestGate gate;
    private final ServerLimits limits;
    private final Clock clock;
    private final boolean blockingBackend;
    private final ClientRateLimiter rate;
    private final ApiRecorder recorder;
    private final AtomicLong internalErrors = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final ResponseCache cache = new ResponseCache(ResponseCache.DEFAULT_TTL);
    private final ConcurrentHashMap<HttpConnection, ConnectionDeadline> deadlines = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> connectionsPerClient = new ConcurrentHashMap<>();
    private volatile ServingCertificate certificate;
    private volatile boolean closed;
    private volatile long watchTimer = -1;
    private HttpServer server;

    private ApiServer(Vertx vertx, MetricsApi api, List<PostEndpoint> posts, RequestGate gate, ServerLimits limits,
            Clock clock, boolean blockingBackend, ApiRecorder recorder) {
        this.vertx = vertx;
        this.recorder = recorder;
        this.api = api;
        Map<String, PostEndpoint> byPath = new HashMap<>();
        for (PostEndpoint p : posts) {
            if (byPath.put(p.path(), p) != null) {
                throw new IllegalArgumentException("two POST endpoints for " + p.path());
            }
        }
        this.posts = Map.copyOf(byPath);
        this.gate = gate;
        this.limits = limits;
        this.clock = clock;
        this.blockingBackend = blockingBackend;
        this.rate = limits.rateLimited()
                ? new ClientRateLimiter(limits.requestsPerSecondPerClient(), limits.burstPerClient()) : null;
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
                .setSsl(true)
                .setMaxInitialLineLength(limits.maxUriBytes() + REQUEST_LINE_SLACK)
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setInitialSettings(new Http2Settings().setMaxHeaderListSize(limits.maxHeaderBytes()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, limits.idleTimeout().toMillis()))
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
                .setSslHandshakeTimeout(limits.requestTimeout().toMillis())
                .setCompressionSupported(false);
        s.applyTls(options, certificate);
        s.server = vertx.createHttpServer(options)
                .connectionHandler(s::connected)
                .invalidRequestHandler(s::invalid)
                .requestHandler(s::handle);
        s.server.listen(port, host).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return s;
    }

    /** The bound port. */
    public int port() {
        return server.actualPort();
    }

    /** Failures inside the API so far (each answered with a 500). */
    public long internalErrors() {
        return internalErrors.get();
    }

    /** Requests and connections refused by a limit so far (rate, sizes, deadlines, connection cap). */
    public long refusedByLimits() {
        return refused.get();
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
        return server.updateSSLOptions(sslOptions(next), true).onSuccess(v -> certificate = next);
    }

    /**
     * Reloads the certificate when its files change: polled every {@code every} on a worker thread,
     * a valid new pair is served to new handshakes while open connections keep going; a broken one
     * is logged and the current pair kept ({@link CertificateFileWatch}). Stops with {@link #close()}.
     */
    public void watchCertificateFiles(Path certificateFile, Path keyFile, Duration every) {
        CertificateFileWatch watch = new CertificateFileWatch(certificateFile, keyFile, certificate);
        scheduleWatch(watch, every.toMillis());
    }

    private void scheduleWatch(CertificateFileWatch watch, long everyMillis) {
        if (closed) {
            return;
        }
        watchTimer = vertx.setTimer(everyMillis, id -> vertx.executeBlocking(watch::poll, false).onComplete(r -> {
            if (r.succeeded() && r.result().isPresent()) {
                updateCertificate(r.result().get()).onComplete(u -> {
                    if (u.failed()) {
                        LOG.log(Level.WARNING, "the new serving certificate was refused by the TLS stack, still "
                                + "serving the previous one: " + u.cause().getClass().getSimpleName());
                    }
                    scheduleWatch(watch, everyMillis);
                });
            } else {
                scheduleWatch(watch, everyMillis);
            }
        }));
    }

    private void applyTls(HttpServerOptions options, ServingCertificate cert) {
        ServerSSLOptions ssl = sslOptions(cert);
        options.setKeyCertOptions(ssl.getKeyCertOptions())
                .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
                .setUseAlpn(true)
                .setClientAuth(ssl.getClientAuth());
        if (ssl.getTrustOptions() != null) {
            options.setTrustOptions(ssl.getTrustOptions());
        }
        ssl.getEnabledCipherSuites().forEach(options::addEnabledCipherSuite);
    }

    /** The whole TLS configuration for one certificate: {@link HttpServer#updateSSLOptions} replaces all of it. */
    private ServerSSLOptions sslOptions(ServingCertificate cert) {
        ServerSSLOptions ssl = new ServerSSLOptions()
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setCertValue(Buffer.buffer(cert.certificatePem()))
                        .setKeyValue(Buffer.buffer(cert.privateKeyPem())))
                .setEnabledSecureTransportProtocols(TlsPolicy.PROTOCOLS)
                .setUseAlpn(true)
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
                .setSslHandshakeTimeout(limits.requestTimeout().toMillis());
        TlsPolicy.CIPHER_SUITES.forEach(ssl::addEnabledCipherSuite);
        if (gate.requestsClientCertificates()) {
            // asked for, not required; the gate verifies the chain per request against the CAs of that moment
            ssl.setClientAuth(ClientAuth.REQUEST).setTrustOptions(new AcceptAnyClientCertificate());
        }
        return ssl;
    }

    // ---- connections: per-client cap, and a deadline for each request's headers ----

    private void connected(HttpConnection conn) {
        String client = client(conn.remoteAddress());
        AtomicInteger open = null;
        if (limits.maxConnectionsPerClient() > 0) {
            open = connectionsPerClient.computeIfAbsent(client, k -> new AtomicInteger());
            if (open.incrementAndGet() > limits.maxConnectionsPerClient()) {
                refused.incrementAndGet();
                recorder.refused(ApiRecorder.Refusal.CONNECTION_LIMIT);
                release(client, open);
                conn.close();
                return;
            }
        }
        ConnectionDeadline deadline = new ConnectionDeadline(conn);
        deadlines.put(conn, deadline);
        deadline.arm(limits.requestTimeout().toMillis());
        AtomicInteger counted = open;
        conn.closeHandler(v -> {
            ConnectionDeadline d = deadlines.remove(conn);
            if (d != null) {
                d.cancel();
            }
            if (counted != null) {
                release(client, counted);
            }
        });
    }

    private void release(String client, AtomicInteger open) {
        if (open.decrementAndGet() <= 0) {
            connectionsPerClient.remove(client, open);
        }
    }

    /**
     * Closes a connection whose request does not arrive in time. Armed when the connection opens
     * and, on HTTP/1.x, again after each response (idle time plus request time: a keep-alive client
     * may wait before its next request, but not trickle it in forever); disarmed when a request's
     * headers are complete. On HTTP/2 it covers the first request only, then the idle timeout and
     * the per-stream body deadline apply. All calls come on the connection's event loop.
     */
    private final class ConnectionDeadline {
        private final HttpConnection conn;
        private long timer = -1;
        private int inFlight;

        ConnectionDeadline(HttpConnection conn) {
            this.conn = conn;
        }

        synchronized void arm(long millis) {
            cancel();
            timer = vertx.setTimer(millis, id -> {
                synchronized (this) {
                    if (timer != id) {
                        return;
                    }
                    timer = -1;
                }
                refused.incrementAndGet();
                recorder.refused(ApiRecorder.Refusal.REQUEST_TIMEOUT);
                conn.close();
            });
        }

        synchronized void cancel() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }

        synchronized void requestArrived(HttpServerRequest req) {
            cancel();
            if (req.version() == HttpVersion.HTTP_2) {
                return;
            }
            inFlight++;
            req.response().endHandler(v -> responded());
        }

        private synchronized void responded() {
            if (--inFlight == 0 && deadlines.containsKey(conn)) {
                arm(limits.idleTimeout().toMillis() + limits.requestTimeout().toMillis());
            }
        }
    }

    // ---- requests ----

    private void handle(HttpServerRequest req) {
        ConnectionDeadline deadline = deadlines.get(req.connection());
        if (deadline != null) {
            deadline.requestArrived(req);
        }
        String method = req.method().name();
        String path = req.path();
        String query = req.query();
        observe(req, method, path);
        ApiResponse limit = checkLimits(req, path, query);
        if (limit != null) {
            refused.incrementAndGet();
            recorder.refused(refusal(limit.code()));
            closeAfter(req, limit);
            return;
        }
        PostEndpoint post = posts.get(path);
        boolean readsBody = post != null && "POST".equals(method);
        if (readsBody) {
            req.pause(); // hold the body while the gate decides
        }
        Future<ApiResponse> admitted;
        try {
            admitted = gate.admit(req);
        } catch (RuntimeException e) {
            admitted = Future.failedFuture(e);
        }
        // A gate that answers later (a review over the network) may complete on another thread: the
        // rest runs back on the connection's event loop, where the request's handlers and timers live.
        Context connection = Vertx.currentContext();
        admitted.onComplete(ar -> {
            ApiResponse refusal = ar.succeeded() ? ar.result() : gateFailed(ar.cause());
            if (connection == null || Vertx.currentContext() == connection) {
                admitted(req, refusal, post, readsBody, method, path, query);
            } else {
                connection.runOnContext(v -> admitted(req, refusal, post, readsBody, method, path, query));
            }
        });
    }

    private void admitted(HttpServerRequest req, ApiResponse refusal, PostEndpoint post, boolean readsBody,
            String method, String path, String query) {
        if (refusal != null) {
            if (readsBody) {
                discardBody(req);
            }
            write(req, refusal);
        } else if (post != null) {
            if (readsBody) {
                readBody(req, post);
            } else {
                write(req, ApiResponse.failure(Status.methodNotAllowed(method)));
            }
        } else {
            route(req, method, path, query);
        }
    }

    /**
     * Tells the recorder that the request arrived, and when it is answered or abandoned (exactly
     * once: the response's handlers run on the request's event loop).
     */
    private void observe(HttpServerRequest req, String method, String path) {
        if (recorder == ApiRecorder.NONE) {
            return;
        }
        long start = System.nanoTime();
        RequestKind kind = RequestKind.of(method, path, posts.keySet());
        HttpServerResponse resp = req.response();
        boolean[] finished = {false};
        recorder.started();
        resp.bodyEndHandler(v -> {
            if (!finished[0]) {
                finished[0] = true;
                recorder.finished(kind, resp.getStatusCode(), System.nanoTime() - start);
            }
        });
        resp.closeHandler(v -> {
            if (!finished[0]) {
                finished[0] = true;
                recorder.finished(kind, 0, System.nanoTime() - start);
            }
        });
    }

    /** The reason for a refusal {@link #checkLimits} answered with this code. */
    private static ApiRecorder.Refusal refusal(int code) {
        return switch (code) {
            case 429 -> ApiRecorder.Refusal.RATE_LIMIT;
            case 413 -> ApiRecorder.Refusal.BODY_TOO_LARGE;
            case 414 -> ApiRecorder.Refusal.URI_TOO_LONG;
            default -> ApiRecorder.Refusal.MALFORMED;
        };
    }

    /** The size and rate limits; null when the request is within them. */
    private ApiResponse checkLimits(HttpServerRequest req, String path, String query) {
        int queryLength = query == null ? 0 : query.length() + 1;
        if (path.length() + queryLength > limits.maxUriBytes()) {
            return ApiResponse.failure(Status.uriTooLong(limits.maxUriBytes()));
        }
        if (queryLength > limits.maxQueryBytes() + 1) {
            return ApiResponse.failure(new Status(414, "RequestURITooLong",
                    "the request query is longer than " + limits.maxQueryBytes() + " bytes", null));
        }
        String length = req.getHeader("Content-Length");
        if (length != null) {
            long declared = contentLength(length);
            if (declared < 0) {
                return ApiResponse.failure(Status.badRequest("invalid Content-Length"));
            }
            PostEndpoint post = posts.get(path);
            long max = post != null && "POST".equals(req.method().name()) ? post.maxBodyBytes() : limits.maxBodyBytes();
            if (declared > max) {
                return ApiResponse.failure(Status.entityTooLarge(max));
            }
        }
        if (rate != null) {
            long waitNanos = rate.acquire(client(req.remoteAddress()), System.nanoTime());
            if (waitNanos > 0) {
                long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + 999_999_999L));
                req.response().putHeader("Retry-After", Long.toString(seconds));
                return new ApiResponse(429, new Status(429, "TooManyRequests",
                        "too many requests from this client, please try again later", null));
            }
        }
        return null;
    }

    private static long contentLength(String text) {
        String t = text.trim();
        if (t.isEmpty() || t.length() > 18) {
            return t.length() > 18 && t.chars().allMatch(Character::isDigit) ? Long.MAX_VALUE : -1;
        }
        for (int i = 0; i < t.length(); i++) {
            if (!Character.isDigit(t.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(t);
    }

    private ApiResponse gateFailed(Throwable cause) {
        if (internalErrors.getAndIncrement() == 0) {
            LOG.log(Level.ERROR, "request gate failed: " + cause.getClass().getName()
                    + " (answered 500; later failures are only counted)");
        }
        return ApiResponse.failure(Status.internalError());
    }

    private void route(HttpServerRequest req, String method, String path, String query) {
        if (api == null) {
            write(req, healthOnly(method, path));
            return;
        }
        String key = ResponseCache.key(method, path, query);
        ResponseCache.Entry cached = cache.get(key, System.nanoTime());
        if (cached != null) {
            serve(req.response(), cached);
            return;
        }
        if (!blockingBackend) {
            serve(req.response(), render(key, method, answer(method, path, query)));
            return;
        }
        Future<ResponseCache.Entry> f = vertx.executeBlocking(
                () -> render(key, method, answer(method, path, query)), false);
        f.onComplete(r -> serve(req.response(), r.succeeded() ? r.result()
                : render(key, "", ApiResponse.failure(Status.internalError()))));
    }

    /** Writes a GET's answer, telling the recorder how old the values in it are. */
    private void serve(HttpServerResponse resp, ResponseCache.Entry entry) {
        if (entry.oldestValueMillis() != ResponseCache.Entry.NO_VALUES && !resp.ended() && !resp.closed()) {
            recorder.served(Math.max(0, clock.millis() - entry.oldestValueMillis()));
        }
        write(resp, entry);
    }

    /** A server without the metrics API: health checks, and 404 for every other GET path. */
    private static ApiResponse healthOnly(String method, String path) {
        if (!path.equals("/healthz") && !path.equals("/livez") && !path.equals("/readyz")) {
            return ApiResponse.failure(Status.pathNotFound());
        }
        if (!"GET".equals(method)) {
            return ApiResponse.failure(Status.methodNotAllowed(method));
        }
        return ApiResponse.ok(new PlainText("ok"));
    }

    // ---- bodies ----

    private void readBody(HttpServerRequest req, PostEndpoint post) {
        if (req.version() != HttpVersion.HTTP_2 && req.getHeader("Content-Length") == null
                && !"chunked".equalsIgnoreCase(req.getHeader("Transfer-Encoding"))) {
            refused.incrementAndGet();
            recorder.refused(ApiRecorder.Refusal.LENGTH_REQUIRED);
            discardBody(req);
            closeAfter(req, ApiResponse.failure(new Status(411, "LengthRequired",
                    "a request body needs a Content-Length or chunked encoding", null)));
            return;
        }
        long max = post.maxBodyBytes();
        List<Buffer> chunks = new ArrayList<>();
        long[] received = {0};
        boolean[] done = {false};
        long timer = vertx.setTimer(limits.requestTimeout().toMillis(), id -> {
            if (!done[0]) {
                done[0] = true;
                refused.incrementAndGet();
                recorder.refused(ApiRecorder.Refusal.REQUEST_TIMEOUT);
                abort(req);
            }
        });
        req.handler(chunk -> {
            if (done[0]) {
                return;
            }
            received[0] += chunk.length();
            if (received[0] > max) {
                done[0] = true;
                vertx.cancelTimer(timer);
                refused.incrementAndGet();
                recorder.refused(ApiRecorder.Refusal.BODY_TOO_LARGE);
                chunks.clear();
                closeAfter(req, ApiResponse.failure(Status.entityTooLarge(max)));
                return;
            }
            chunks.add(chunk);
        });
        req.exceptionHandler(e -> {
            done[0] = true;
            vertx.cancelTimer(timer);
        });
        req.endHandler(v -> {
            if (done[0]) {
                return;
            }
            done[0] = true;
            vertx.cancelTimer(timer);
            byte[] body = new byte[(int) received[0]];
            int at = 0;
            for (Buffer b : chunks) {
                b.getBytes(body, at);
                at += b.length();
            }
            String contentType = req.getHeader("Content-Type");
            vertx.executeBlocking(() -> answerPost(post, contentType, body), false)
                    .onComplete(r -> write(req, r.succeeded() ? r.result()
                            : ApiResponse.failure(Status.internalError())));
        });
        req.resume();
    }

    private ApiResponse answerPost(PostEndpoint post, String contentType, byte[] body) {
        try {
            return post.handle(contentType, body, clock.instant());
        } catch (RuntimeException e) {
            if (internalErrors.getAndIncrement() == 0) {
                LOG.log(Level.ERROR, "POST " + post.path() + " failed (answered 500; later failures are only counted)",
                        e);
            }
            return ApiResponse.failure(Status.internalError());
        }
    }

    /** Drops a body that will not be read, so that the connection is not left paused. */
    private static void discardBody(HttpServerRequest req) {
        req.handler(b -> {
        });
        req.resume();
    }

    /** A request that did not arrive in time: the stream is reset (HTTP/2) or the connection closed. */
    private static void abort(HttpServerRequest req) {
        if (req.version() == HttpVersion.HTTP_2) {
            req.response().reset();
        } else {
            req.connection().close();
        }
    }

    // ---- answers ----

    /** Renders an answer once; successful and not-found answers to GETs are kept for identical requests. */
    private ResponseCache.Entry render(String key, String method, ApiResponse answer) {
        Document body = answer.body();
        ResponseCache.Entry entry = new ResponseCache.Entry(System.nanoTime(), answer.code(), body.contentType(),
                Buffer.buffer(body.render().getBytes(StandardCharsets.UTF_8)), oldestValueMillis(body));
        if ("GET".equals(method) && (answer.code() == 200 || answer.code() == 404)) {
            cache.put(key, entry);
        }
        return entry;
    }

    /** The timestamp of the oldest value a document carries; {@link ResponseCache.Entry#NO_VALUES} when none. */
    static long oldestValueMillis(Document body) {
        long oldest = Long.MAX_VALUE;
        if (body instanceof MetricValueList list) {
            for (MetricValue v : list.items()) {
                oldest = Math.min(oldest, v.timestamp().toEpochMilli());
            }
        } else if (body instanceof ExternalMetricValueList list) {
            for (ExternalMetricValue v : list.items()) {
                oldest = Math.min(oldest, v.timestamp().toEpochMilli());
            }
        }
        return oldest == Long.MAX_VALUE ? ResponseCache.Entry.NO_VALUES : oldest;
    }

    private ApiResponse answer(String method, String path, String query) {
        try {
            return api.handle(method, path, query, clock.instant());
        } catch (RuntimeException e) {
            if (internalErrors.getAndIncrement() == 0) {
                LOG.log(Level.ERROR, "metrics API failed on " + method + " " + path
                        + " (answered 500; later failures are only counted)", e);
            }
            return ApiResponse.failure(Status.internalError());
        }
    }

    /** Answers and, on HTTP/1.x, closes the connection: what is left of the request is not worth reading. */
    private void closeAfter(HttpServerRequest req, ApiResponse answer) {
        if (req.version() != HttpVersion.HTTP_2) {
            req.response().putHeader("Connection", "close");
        }
        write(req, answer);
    }

    /** A request Netty could not decode: an over-long request line (414), over-large headers (431), or garbage (400). */
    private void invalid(HttpServerRequest req) {
        Throwable cause = req.decoderResult().cause();
        Status status;
        if (cause instanceof TooLongHttpLineException) {
            status = new Status(414, "RequestURITooLong", "the request line is too long", null);
            recorder.refused(ApiRecorder.Refusal.URI_TOO_LONG);
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = new Status(431, "RequestHeaderFieldsTooLarge", "the request headers are too large", null);
            recorder.refused(ApiRecorder.Refusal.HEADERS_TOO_LARGE);
        } else {
            status = Status.badRequest("malformed HTTP request");
            recorder.refused(ApiRecorder.Refusal.MALFORMED);
        }
        HttpServerResponse resp = req.response();
        if (resp.ended() || resp.closed()) {
            return;
        }
        if (req.version() != HttpVersion.HTTP_2) {
            resp.putHeader("Connection", "close");
        }
        write(resp, ApiResponse.failure(status), "GET");
    }

    private void write(HttpServerRequest req, ApiResponse answer) {
        write(req.response(), answer, posts.containsKey(req.path()) ? "POST" : "GET");
    }

    private static void write(HttpServerResponse resp, ApiResponse answer, String allow) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        write(resp, new ResponseCache.Entry(0, answer.code(), answer.body().contentType(),
                Buffer.buffer(answer.body().render().getBytes(StandardCharsets.UTF_8))), allow);
    }

    private static void write(HttpServerResponse resp, ResponseCache.Entry answer) {
        write(resp, answer, "GET");
    }

    private static void write(HttpServerResponse resp, ResponseCache.Entry answer, String allow) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        resp.setStatusCode(answer.code())
                .putHeader("Content-Type", answer.contentType())
                .putHeader("Cache-Control", "no-cache, private")
                .putHeader("X-Content-Type-Options", "nosniff");
        if (answer.code() == 405) {
            resp.putHeader("Allow", allow);
        }
        resp.end(answer.body());
    }

    private static String client(SocketAddress remote) {
        if (remote == null) {
            return "unknown";
        }
        String ip = remote.hostAddress();
        return ip != null ? ip : String.valueOf(remote.host());
    }

    /** Stops accepting and closes open connections. */
    @Override
    public void close() {
        closed = true;
        if (watchTimer >= 0) {
            vertx.cancelTimer(watchTimer);
        }
        if (server != null) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.log(Level.DEBUG, "API server did not close cleanly", e);
            }
        }
    }
}
