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
 * error status, or stalls — sends the head and a first line, then nothing. With a
 * {@link #sampleTime} it also speaks the agent's watch: names the sample time in a header and holds
 * a request whose {@code since} is not older than it until {@link #publish} or its {@code wait}.
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
    /** The sample time answered in the header; negative for none (no watch). */
    volatile long sampleTime = -1;
    final List<String> queries = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<HttpServerRequest> held = new ArrayList<>();

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
        queries.add(request.query() == null ? "" : request.query());
        arrivals.add(System.currentTimeMillis());
        String since = request.getParam("since");
        if (since != null && sampleTime >= 0 && Long.parseLong(since) >= sampleTime) {
            long wait = Long.parseLong(request.getParam("wait", "10000"));
            synchronized (held) {
                held.add(request);
            }
            vertx.setTimer(Math.max(1, wait), id -> {
                synchronized (held) {
                    if (!held.remove(request)) {
                        return;
                    }
                }
                answer(request);
            });
            return;
        }
        if (stall) {
            request.response().setChunked(true).putHeader("Content-Type", "text/plain; version=0.0.4")
                    .write("# HELP nothing more is coming\n");
            request.connection().closeHandler(v -> open.decrementAndGet());
            synchronized (stalled) {
                stalled.add(request);
            }
            return;
        }
        answer(request);
    }

    private void answer(HttpServerRequest request) {
        if (sampleTime >= 0) {
            request.response().putHeader("Gpuscale-Sample-Time", Long.toString(sampleTime));
        }
        request.response().setStatusCode(status).putHeader("Content-Type", "text/plain; version=0.0.4").end(body)
                .onComplete(ar -> open.decrementAndGet());
    }

    /** A new sample: the body and its time; held watches are answered with it. */
    void publish(String newBody, long newSampleTime) {
        List<HttpServerRequest> waiting;
        synchronized (held) {
            body = newBody;
            sampleTime = newSampleTime;
            waiting = new ArrayList<>(held);
            held.clear();
        }
        vertx.runOnContext(v -> waiting.forEach(this::answer));
    }

    /** Requests held now. */
    int held() {
        synchronized (held) {
            return held.size();
        }
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
