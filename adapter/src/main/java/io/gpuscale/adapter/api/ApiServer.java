package io.gpuscale.adapter.api;

import io.gpuscale.adapter.tls.ServingCertificate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PemKeyCertOptions;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The HTTPS shell around {@link MetricsApi}: TLS 1.2+ with ALPN (HTTP/2 for Go clients, HTTP/1.1
 * for the rest), every request handed to the pure API and its answer written as it is. It reads
 * no body (a GET's body is ignored; one declared larger than {@link #MAX_BODY_BYTES} is refused)
 * and never answers with a stack trace: a failure inside the API is logged once, counted, and
 * answered as a 500 {@link Status}.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ApiServer.class.getName());
    /** The largest request body accepted (none of the API's requests has one). */
    public static final long MAX_BODY_BYTES = 64 * 1024;
    /** Netty's own limit on the request line, above the API's so that the API answers with a Status. */
    private static final int MAX_INITIAL_LINE = 2 * MetricsApi.MAX_URI_LENGTH;

    private final Vertx vertx;
    private final MetricsApi api;
    private final Clock clock;
    private final boolean blockingBackend;
    private final AtomicLong internalErrors = new AtomicLong();
    private final ResponseCache cache = new ResponseCache(ResponseCache.DEFAULT_TTL);
    private HttpServer server;

    private ApiServer(Vertx vertx, MetricsApi api, Clock clock, boolean blockingBackend) {
        this.vertx = vertx;
        this.api = api;
        this.clock = clock;
        this.blockingBackend = blockingBackend;
    }

    /**
     * Binds and serves.
     *
     * @param blockingBackend true when reading metrics may block (a remote backend such as
     *        Prometheus): answers are then computed on worker threads, not the event loop
     * @throws Exception when the address cannot be bound or the certificate is unusable
     */
    public static ApiServer start(Vertx vertx, MetricsApi api, ServingCertificate certificate, String host, int port,
            Clock clock, boolean blockingBackend) throws Exception {
        ApiServer s = new ApiServer(vertx, api, clock, blockingBackend);
        HttpServerOptions options = new HttpServerOptions()
                .setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setCertValue(Buffer.buffer(certificate.certificatePem()))
                        .setKeyValue(Buffer.buffer(certificate.privateKeyPem())))
                .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"))
                .setUseAlpn(true)
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setCompressionSupported(false);
        s.server = vertx.createHttpServer(options).requestHandler(s::handle);
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

    private void handle(HttpServerRequest req) {
        String length = req.getHeader("Content-Length");
        if (length != null && tooLong(length)) {
            write(req.response().putHeader("Connection", "close"),
                    ApiResponse.failure(Status.entityTooLarge(MAX_BODY_BYTES)));
            return;
        }
        String method = req.method().name();
        String path = req.path();
        String query = req.query();
        String key = ResponseCache.key(method, path, query);
        ResponseCache.Entry cached = cache.get(key, System.nanoTime());
        if (cached != null) {
            write(req.response(), cached);
            return;
        }
        if (!blockingBackend) {
            write(req.response(), render(key, method, answer(method, path, query)));
            return;
        }
        Future<ResponseCache.Entry> f = vertx.executeBlocking(
                () -> render(key, method, answer(method, path, query)), false);
        f.onComplete(r -> write(req.response(), r.succeeded() ? r.result()
                : render(key, "", ApiResponse.failure(Status.internalError()))));
    }

    /** Renders an answer once; successful and not-found answers to GETs are kept for identical requests. */
    private ResponseCache.Entry render(String key, String method, ApiResponse answer) {
        Document body = answer.body();
        ResponseCache.Entry entry = new ResponseCache.Entry(System.nanoTime(), answer.code(), body.contentType(),
                Buffer.buffer(body.render().getBytes(StandardCharsets.UTF_8)));
        if ("GET".equals(method) && (answer.code() == 200 || answer.code() == 404)) {
            cache.put(key, entry);
        }
        return entry;
    }

    private static boolean tooLong(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > MAX_BODY_BYTES;
        } catch (NumberFormatException e) {
            return true;
        }
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

    private static void write(HttpServerResponse resp, ApiResponse answer) {
        write(resp, new ResponseCache.Entry(0, answer.code(), answer.body().contentType(),
                Buffer.buffer(answer.body().render().getBytes(StandardCharsets.UTF_8))));
    }

    private static void write(HttpServerResponse resp, ResponseCache.Entry answer) {
        resp.setStatusCode(answer.code())
                .putHeader("Content-Type", answer.contentType())
                .putHeader("Cache-Control", "no-cache, private")
                .putHeader("X-Content-Type-Options", "nosniff");
        if (answer.code() == 405) {
            resp.putHeader("Allow", "GET");
        }
        resp.end(answer.body());
    }

    /** Stops accepting and closes open connections. */
    @Override
    public void close() {
        if (server != null) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.log(Level.DEBUG, "API server did not close cleanly", e);
            }
        }
    }
}
