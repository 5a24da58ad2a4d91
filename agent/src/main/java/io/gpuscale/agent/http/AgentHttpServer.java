package io.gpuscale.agent.http;

import io.gpuscale.common.log.LogFields;
import io.gpuscale.agent.metrics.ExpositionFormat;
import io.gpuscale.agent.metrics.FamilyFilter;
import io.gpuscale.agent.sample.Readiness;
import io.gpuscale.common.log.RepeatedLog;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent's HTTP edge: {@code /metrics} serves the bytes rendered for the latest snapshot,
 * {@code /healthz} says the process is alive, {@code /readyz} says whether samples are flowing.
 * No request ever reaches the driver. Plain HTTP, or HTTPS with a certificate from files that is
 * reloaded when they change ({@link TlsFiles}).
 *
 * <p>{@code /metrics} takes {@code name[]} to serve only some families, and {@code since} (with
 * {@code wait}) to be held until a sample newer than {@code since} is published ({@link MetricsQuery});
 * every answer says which sample its body holds in {@value #SAMPLE_TIME_HEADER}. At most
 * {@value #MAX_HELD} requests are held at once; more are answered 503.
 */
public final class AgentHttpServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(AgentHttpServer.class.getName());
    private static final long TLS_POLL_MILLIS = 1000;
    static final String SAMPLE_TIME_HEADER = "Gpuscale-Sample-Time";
    private static final CharSequence SAMPLE_TIME = HttpHeaders.createOptimized(SAMPLE_TIME_HEADER);
    /** Each held request costs a connection and a timer; an adapter replica holds one per agent. */
    static final int MAX_HELD = 128;
    private static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain; charset=utf-8");
    private static final CharSequence GZIP = HttpHeaders.createOptimized("gzip");
    private static final CharSequence[] CONTENT_TYPES = {
        HttpHeaders.createOptimized(ExpositionFormat.PROMETHEUS_TEXT.contentType()),
        HttpHeaders.createOptimized(ExpositionFormat.OPENMETRICS.contentType()),
    };

    private final Vertx vertx;
    private final Publication publication;
    private final Clock clock;
    private final Duration interval;
    private final RepeatedLog serverErrors = new RepeatedLog(LOG);
    private final Set<Held> held = ConcurrentHashMap.newKeySet();
    private final AtomicInteger heldCount = new AtomicInteger();
    private final Runnable releaseHeld = this::releaseHeld;
    private HttpServer server;
    private long reloadTimer = -1;

    public AgentHttpServer(Vertx vertx, Publication publication, Clock clock, Duration interval) {
        this.vertx = vertx;
        this.publication = publication;
        this.clock = clock;
        this.interval = interval;
        publication.onPublish(releaseHeld);
    }

    /** Binds and starts serving plain HTTP; returns the bound port (useful with port 0). */
    public int start(String host, int port) throws Exception {
        return start(host, port, null, null);
    }

    /**
     * Binds and starts serving; returns the bound port (useful with port 0).
     *
     * @param certificateFile with {@code keyFile}, serve HTTPS with this PEM pair, re-read every
     *        second and used for new connections when it changes; null for plain HTTP
     * @throws IllegalArgumentException when the pair cannot be loaded
     */
    public int start(String host, int port, Path certificateFile, Path keyFile) throws Exception {
        Router router = Router.router(vertx);
        router.route("/metrics").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::metrics);
        router.route("/healthz").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::healthz);
        router.route("/readyz").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::readyz);
        router.route("/").method(HttpMethod.GET).handler(this::index);
        // A client's mistake the router still finds (a status without a route) is answered, never logged.
        for (int code : new int[] {400, 404, 405, 406, 413, 414, 415, 431}) {
            router.errorHandler(code, ctx -> answer(ctx.response(), code, null));
        }
        router.errorHandler(500, this::serverError);
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setCompressionSupported(false) // bodies are gzipped once per snapshot, not per request
                // Scrapers speak HTTP/1.1; the h2c upgrade is deprecated (RFC 9113 3.1) and only widens this open port.
                .setHttp2ClearTextEnabled(false)
                .setIdleTimeout(120)
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxInitialLineLength(4096)
                .setMaxHeaderSize(8192);
        TlsFiles tls = certificateFile == null ? null : new TlsFiles(certificateFile, keyFile);
        if (tls != null) {
            ServerSSLOptions ssl = tls.load(vertx);
            options.setSsl(true)
                    .setKeyCertOptions(ssl.getKeyCertOptions())
                    .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols());
            ssl.getEnabledCipherSuites().forEach(options::addEnabledCipherSuite);
        }
        server = vertx.createHttpServer(options).requestHandler(req -> edge(req, router))
                .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        if (tls != null) {
            reloadTimer = vertx.setPeriodic(TLS_POLL_MILLIS, id -> vertx.executeBlocking(() -> tls.poll(vertx), false)
                    .onSuccess(next -> next.ifPresent(ssl -> server.updateSSLOptions(ssl, true)
                            .onSuccess(v -> LOG.log(Level.INFO, "TLS certificate changed on disk: now serving "
                                    + certificateFile))
                            .onFailure(e -> LOG.log(Level.WARNING, "new TLS certificate refused ("
                                    + e.getClass().getSimpleName() + "), still serving the previous one")))));
        }
        return server.actualPort();
    }

    /**
     * Answers what is a client's mistake before any routing, quietly (port 9410 is open on every
     * node, and a scanner must not fill the log): a method other than GET and HEAD (405), a
     * request without a usable Host or with two (400), a target that is not a path or holds a malformed
     * %-escape (400).
     */
    private void edge(HttpServerRequest req, Router router) {
        HttpMethod method = req.method();
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            answer(req.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD"), 405, null);
        } else if (req.authority() == null || req.headers().getAll(HttpHeaders.HOST).size() > 1) {
            answer(req.response(), 400, "a Host header naming this server is required");
        } else if (!isPath(req.path())) {
            answer(req.response(), 400, "the request target is not a valid path");
        } else {
            router.handle(req);
        }
    }

    /** An absolute path whose every %-escape is two hex digits and decodes to no control character. */
    static boolean isPath(String path) {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            return false;
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%') {
                if (i + 2 >= path.length()) {
                    return false;
                }
                int hi = Character.digit(path.charAt(i + 1), 16);
                int lo = Character.digit(path.charAt(i + 2), 16);
                if (hi < 0 || lo < 0 || hi * 16 + lo < 0x20 || hi * 16 + lo == 0x7f) {
                    return false;
                }
                i += 2;
            } else if (c < 0x21 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static void answer(HttpServerResponse resp, int code, String reason) {
        if (resp.ended()) {
            return;
        }
        resp.setStatusCode(code).putHeader(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN)
                .end(code + " " + resp.getStatusMessage() + (reason == null ? "" : ": " + reason) + "\n");
    }

    /** A failure of ours: answered 500, logged once per kind a minute with a count of the rest. */
    private void serverError(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        String kind = failure == null ? "status " + ctx.statusCode() : failure.getClass().getName();
        LogFields request = LogFields.of("method", ctx.request().method().name(), "path", ctx.request().path());
        serverErrors.log(Level.ERROR, kind, "a request failed inside the agent; please report this",
                failure == null ? request : request.failure(failure));
        answer(ctx.response(), 500, null);
    }

    private void metrics(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        MultiMap params;
        try {
            params = req.params();
        } catch (IllegalArgumentException e) {
            answer(ctx.response(), 400, "the query string is not valid (a malformed %-escape?)");
            return;
        }
        MetricsQuery query;
        try {
            query = MetricsQuery.parse(params::getAll);
        } catch (IllegalArgumentException e) {
            answer(ctx.response(), 400, e.getMessage());
            return;
        }
        Scrape scrape = new Scrape(ctx.response(), ExpositionFormat.negotiate(req.getHeader(HttpHeaders.ACCEPT)),
                acceptsGzip(req.getHeader(HttpHeaders.ACCEPT_ENCODING)), query.families(),
                req.method() == HttpMethod.HEAD);
        Published seen = publication.get();
        if (!query.watch() || seen.sampleTimeMillis() > query.sinceMillis() || query.waitMillis() == 0) {
            scrape.answer(seen);
        } else {
            hold(scrape, seen, query.waitMillis());
        }
    }

    /** One {@code /metrics} request: what it asked for and where the answer goes. */
    private record Scrape(HttpServerResponse resp, ExpositionFormat format, boolean gzip, FamilyFilter families,
            boolean head) {

        void answer(Published p) {
            if (resp.ended() || resp.closed()) {
                return;
            }
            resp.putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPES[format.ordinal()]);
            resp.putHeader(SAMPLE_TIME, Long.toString(p.sampleTimeMillis()));
            if (gzip) {
                resp.putHeader(HttpHeaders.CONTENT_ENCODING, GZIP);
            }
            if (head) {
                resp.end();
            } else {
                resp.end(p.body(format, gzip, families));
            }
        }
    }

    /** A watch held until the next sample, its wait, or its connection closing, whichever comes first. */
    private final class Held {
        private final Scrape scrape;
        private final Context context;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile long timer = -1;

        Held(Scrape scrape, Context context) {
            this.scrape = scrape;
            this.context = context;
        }

        /** Ends the hold once; true for the caller that did. */
        boolean finish() {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            held.remove(this);
            heldCount.decrementAndGet();
            return true;
        }

        /** Answers with the latest bodies, on the request's own event loop. */
        void release() {
            if (finish()) {
                context.runOnContext(v -> {
                    if (timer >= 0) {
                        vertx.cancelTimer(timer);
                    }
                    scrape.answer(publication.get());
                });
            }
        }
    }

    private void hold(Scrape scrape, Published seen, long waitMillis) {
        if (heldCount.incrementAndGet() > MAX_HELD) {
            heldCount.decrementAndGet();
            answer(scrape.resp(), 503, "already holding " + MAX_HELD + " watch requests; retry later or drop since");
            return;
        }
        Held h = new Held(scrape, vertx.getOrCreateContext());
        held.add(h);
        // A client that goes away is forgotten quietly: its slot and timer are freed.
        scrape.resp().closeHandler(v -> {
            if (h.finish() && h.timer >= 0) {
                vertx.cancelTimer(h.timer);
            }
        });
        h.timer = vertx.setTimer(waitMillis, id -> h.release());
        if (publication.get() != seen) { // a sample published while this request was being held
            h.release();
        }
    }

    /** Watch requests held now. */
    int heldRequests() {
        return heldCount.get();
    }

    /** The sampler published: every held request gets the new bodies. */
    private void releaseHeld() {
        for (Held h : held) {
            h.release();
        }
    }

    /** Whether {@code Accept-Encoding} allows gzip: listed (or {@code *}) with a non-zero q. */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.split(",")) {
            String[] params = part.split(";");
            String coding = params[0].trim();
            if (coding.equalsIgnoreCase("gzip") || coding.equals("*")) {
                return quality(params) > 0;
            }
        }
        return false;
    }

    private static double quality(String[] params) {
        for (int i = 1; i < params.length; i++) {
            String p = params[i].trim();
            if (p.startsWith("q=") || p.startsWith("Q=")) {
                try {
                    return Double.parseDouble(p.substring(2));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }

    private void healthz(RoutingContext ctx) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN).end("ok\n");
    }

    private void readyz(RoutingContext ctx) {
        Readiness r = Readiness.of(publication.get().snapshot(), clock.millis(), interval);
        ctx.response().setStatusCode(r.ready() ? 200 : 503)
                .putHeader(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN)
                .end(r.reason() + "\n");
    }

    private void index(RoutingContext ctx) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN)
                .end("gpuscale agent\n  /metrics  Prometheus metrics\n  /healthz  liveness\n  /readyz   readiness\n");
    }

    @Override
    public void close() {
        publication.removeListener(releaseHeld);
        if (reloadTimer >= 0) {
            vertx.cancelTimer(reloadTimer);
        }
        if (server != null) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
