package io.gpuscale.adapter.monitoring;

import io.gpuscale.common.HostPort;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code --metrics-bind-address}: the adapter's own metrics over plain HTTP, {@code GET /metrics}
 * and nothing else (404), on a Vert.x instance of its own (one event loop) so that a busy API never
 * delays a Prometheus scrape and the reverse. The exposition carries no GPU data and no secrets;
 * the NetworkPolicy lets only Prometheus reach the port.
 */
public final class MetricsServer implements AutoCloseable {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Logger LOG = System.getLogger(MetricsServer.class.getName());

    private final Vertx vertx;
    private final HttpServer server;

    private MetricsServer(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    /**
     * Serves {@code exposition} on {@code address}; port 0 picks a free one.
     *
     * @throws ListenException when the address cannot be bound; nothing is left running
     */
    public static MetricsServer start(HostPort address, Supplier<String> exposition) throws ListenException {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        try {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions()
                            .setHost(address.host()).setPort(address.port())
                            .setMaxInitialLineLength(1024).setMaxHeaderSize(8192)
                            .setIdleTimeout(120).setIdleTimeoutUnit(TimeUnit.SECONDS)
                            .setCompressionSupported(true))
                    .requestHandler(request -> handle(request, exposition));
            server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return new MetricsServer(vertx, server);
        } catch (Exception e) {
            close(vertx);
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ListenException("cannot serve /metrics on " + address.host() + ":" + address.port() + ": "
                    + cause.getMessage(), cause);
        }
    }

    private static void handle(HttpServerRequest request, Supplier<String> exposition) {
        if (!"/metrics".equals(request.path())) {
            request.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .end("not found: only GET /metrics is served here\n");
            return;
        }
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            request.response().setStatusCode(405).putHeader(HttpHeaders.ALLOW, "GET, HEAD")
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .end("method not allowed: GET /metrics\n");
            return;
        }
        String body;
        try {
            body = exposition.get();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "rendering /metrics failed: " + e);
            request.response().setStatusCode(500).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .end("rendering the metrics failed\n");
            return;
        }
        request.response().putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE).end(body);
    }

    /** The bound port. */
    public int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        close(vertx);
    }

    private static void close(Vertx vertx) {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "vert.x did not close cleanly", e);
        }
    }

    /** The metrics address could not be served. */
    public static final class ListenException extends Exception {
        ListenException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
