package io.gpuscale.adapter.scrape;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in metrics endpoint on a random loopback port: serves a body (gzipped when asked), an
 * error status, or stalls — sends the head and a first line, then nothing.
 */
final class ExpositionServer implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<HttpServerRequest> stalled = new ArrayList<>();
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger maxOpen = new AtomicInteger();
    volatile String body = "";
    volatile int status = 200;
    volatile boolean stall;
    volatile String lastAccept;
    volatile String lastAcceptEncoding;

    ExpositionServer() {
        server = vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(true))
                .requestHandler(this::handle).listen(0, "127.0.0.1").await();
    }

    String url() {
        return "http://127.0.0.1:" + server.actualPort() + "/metrics";
    }

    private void handle(HttpServerRequest request) {
        requests.incrementAndGet();
        maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
        lastAccept = request.getHeader("Accept");
        lastAcceptEncoding = request.getHeader("Accept-Encoding");
        if (stall) {
            request.response().setChunked(true).putHeader("Content-Type", "text/plain; version=0.0.4")
                    .write("# HELP nothing more is coming\n");
            request.connection().closeHandler(v -> open.decrementAndGet());
            synchronized (stalled) {
                stalled.add(request);
            }
            return;
        }
        request.response().setStatusCode(status).putHeader("Content-Type", "text/plain; version=0.0.4").end(body)
                .onComplete(ar -> open.decrementAndGet());
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
