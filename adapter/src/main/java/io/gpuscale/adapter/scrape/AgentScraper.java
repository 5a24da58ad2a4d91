package io.gpuscale.adapter.scrape;

import io.gpuscale.common.Durations;
import io.gpuscale.adapter.scrape.ScrapeIngest.ScrapeBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Scrapes every agent's {@code /metrics} each interval, all at once, into a {@link ScrapeIngest}.
 * Each scrape has a deadline (connecting included); a target still answering when its next
 * scrape is due is skipped that round, so a target is never scraped twice at once, and a slow or
 * dead agent costs only its own scrape. A failed scrape changes nothing in the store (the target
 * keeps its last data) and is counted; the first failure of a run is logged, and the recovery.
 * Targets that leave discovery are dropped from the store at the next interval.
 *
 * <p>Runs on one Vert.x event-loop context: ticks, responses and parsing all happen there, so a
 * target's state needs no locks; {@link #health()} may be read from any thread.
 */
public final class AgentScraper implements AutoCloseable {
    /** Asks for the 0.0.4 text format: the agent serves OpenMetrics only when asked. */
    static final String ACCEPT = "text/plain;version=0.0.4;q=1.0,*/*;q=0.1";
    private static final System.Logger LOG = System.getLogger(AgentScraper.class.getName());

    private final Vertx vertx;
    private final AgentTargets targets;
    private final ScrapeIngest ingest;
    private final ScrapeOptions options;
    private final HttpClientAgent client;
    private final Context context;
    private final Map<String, TargetState> states = new ConcurrentHashMap<>();
    private long timerId = -1;
    private volatile boolean closed;

    /** One target's scraping state; fields written on the scraper's context only. */
    private static final class TargetState {
        final PrometheusTextParser parser;
        volatile AgentTarget target;
        volatile boolean inFlight;
        volatile long scrapes;
        volatile long failures;
        volatile long consecutiveFailures;
        volatile long skipped;
        volatile String lastError;
        volatile long lastSuccessMillis;
        volatile ParseReport lastReport;
        /** Samples dropped for a value out of their metric's range ({@link ValueRangeCheck}). */
        volatile long rejected;

        TargetState(AgentTarget target, ScrapeLimits limits) {
            this.target = target;
            this.parser = new PrometheusTextParser(limits);
        }

        TargetHealth health() {
            return new TargetHealth(target.url(), target.node(), scrapes, failures, consecutiveFailures, skipped, lastError,
                    lastSuccessMillis, lastReport, rejected);
        }
    }

    /**
     * @param vertx the Vert.x instance to scrape with (not closed by {@link #close()})
     * @param targets which agents there are
     * @param ingest where scrapes go (the store)
     * @param options interval, timeout and limits
     */
    public AgentScraper(Vertx vertx, AgentTargets targets, ScrapeIngest ingest, ScrapeOptions options) {
        this.vertx = vertx;
        this.targets = targets;
        this.ingest = ingest;
        this.options = options;
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, options.timeout().toMillis());
        HttpClientOptions clientOptions = new HttpClientOptions()
                .setDecompressionSupported(true)
                .setConnectTimeout(timeoutMillis)
                .setKeepAlive(true)
                .setName("gpuscale-agent-scraper");
        if (options.agentCaFile() != null) {
            // https:// agents: their certificate chain checked against this CA, their name against the URL's host
            clientOptions.setTrustOptions(new PemTrustOptions().addCertPath(options.agentCaFile().toString()))
                    .setVerifyHost(true);
        }
        this.client = vertx.createHttpClient(clientOptions);
        // A context of our own (an event loop picked for us) when built off the event loops.
        this.context = vertx.getOrCreateContext();
    }

    /** Scrapes now, then every interval. */
    public void start() {
        context.runOnContext(v -> {
            if (!closed && timerId < 0) {
                timerId = vertx.setPeriodic(options.interval().toMillis(), id -> tick());
                tick();
            }
        });
    }

    /**
     * Scrapes every current target once, now, apart from the timer; completes when each scrape
     * has succeeded or failed. For tests and for a first scrape before serving.
     */
    public Future<Void> scrapeOnce() {
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> tick().onComplete(ar -> done.complete()));
        return done.future();
    }

    /** How each current target's scraping goes, by URL. */
    public Map<String, TargetHealth> health() {
        Map<String, TargetHealth> health = new HashMap<>();
        states.forEach((url, s) -> health.put(url, s.health()));
        return health;
    }

    private Future<Void> tick() {
        if (closed) {
            return Future.succeededFuture();
        }
        List<AgentTarget> current;
        try {
            current = targets.current();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "agent discovery failed, scraping nothing this round: " + e);
            return Future.succeededFuture();
        }
        Map<String, AgentTarget> byUrl = new HashMap<>();
        for (AgentTarget t : current) {
            byUrl.put(t.url(), t);
        }
        states.keySet().retainAll(byUrl.keySet());
        ingest.retainTargets(byUrl.keySet());
        List<Future<Void>> scrapes = new ArrayList<>(byUrl.size());
        for (AgentTarget t : byUrl.values()) {
            TargetState state = states.computeIfAbsent(t.url(), u -> new TargetState(t, options.limits()));
            state.target = t;
            if (state.inFlight) {
                state.skipped++;
                continue;
            }
            scrapes.add(scrape(state, t));
        }
        return Future.join(scrapes).mapEmpty();
    }

    private Future<Void> scrape(TargetState state, AgentTarget target) {
        state.inFlight = true;
        Promise<Buffer> body = Promise.promise();
        long timer = vertx.setTimer(options.timeout().toMillis(),
                id -> body.tryFail(new TimeoutException("no complete answer within " + Durations.format(options.timeout()))));
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setAbsoluteURI(target.url())
                .setConnectTimeout(options.timeout().toMillis())
                .putHeader(HttpHeaders.ACCEPT, ACCEPT);
        client.request(request)
                .onSuccess(req -> send(req, body))
                .onFailure(body::tryFail);
        Promise<Void> done = Promise.promise();
        body.future().onComplete(ar -> {
            vertx.cancelTimer(timer);
            state.inFlight = false;
            state.scrapes++;
            try {
                if (ar.succeeded()) {
                    ingest(state, target, ar.result());
                } else {
                    failed(state, ar.cause());
                }
            } finally {
                done.complete();
            }
        });
        return done.future();
    }

    private void send(HttpClientRequest req, Promise<Buffer> body) {
        body.future().onFailure(e -> req.reset());
        req.send().onSuccess(resp -> receive(resp, body)).onFailure(body::tryFail);
    }

    private void receive(HttpClientResponse resp, Promise<Buffer> body) {
        int max = options.limits().maxBodyBytes();
        // Set first: a failed scrape resets the stream, and an unhandled reset is logged as an error.
        resp.exceptionHandler(body::tryFail);
        if (resp.statusCode() != 200) {
            body.tryFail(new ScrapeFailure("HTTP " + resp.statusCode()));
            return;
        }
        String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
        String encoding = resp.getHeader(HttpHeaders.CONTENT_ENCODING);
        if (length != null && encoding == null && parseLong(length) > max) {
            body.tryFail(new ScrapeFailure("body of " + length + " bytes is over the limit of " + max));
            return;
        }
        Buffer received = Buffer.buffer(length != null && encoding == null ? (int) Math.max(0, Math.min(parseLong(length), max)) : 16 * 1024);
        resp.handler(chunk -> {
            if (received.length() + chunk.length() > max) {
                body.tryFail(new ScrapeFailure("body is over the limit of " + max + " bytes"));
            } else {
                received.appendBuffer(chunk);
            }
        });
        resp.endHandler(v -> body.tryComplete(received));
    }

    private void ingest(TargetState state, AgentTarget target, Buffer received) {
        long receivedAt = System.currentTimeMillis();
        ScrapeBatch batch = ingest.begin(target.url(), target.node(), receivedAt);
        ValueRangeCheck checked = new ValueRangeCheck(batch);
        ParseReport report = state.parser.parse(received.getBytes(), DcgmTranslation.wrap(checked));
        if (report.truncated()) {
            failed(state, new ScrapeFailure("body is over the limit of " + options.limits().maxBodyBytes() + " bytes"));
            return;
        }
        // A target that left discovery while its scrape ran must not come back.
        if (states.get(target.url()) == state && !closed) {
            batch.commit();
        }
        if (checked.rejected() > 0 && state.rejected == 0) {
            LOG.log(System.Logger.Level.WARNING, "{0} served {1} samples out of their metric''s range; they are "
                    + "dropped, never served (first: {2}); counted from now on without logging again",
                    describe(target), String.valueOf(checked.rejected()), checked.firstRejected());
        }
        state.rejected += checked.rejected();
        if (state.consecutiveFailures > 0) {
            LOG.log(System.Logger.Level.INFO, "{0} answers again after {1} failed scrapes", describe(target),
                    String.valueOf(state.consecutiveFailures));
        }
        state.consecutiveFailures = 0;
        state.lastSuccessMillis = receivedAt;
        state.lastReport = report;
    }

    private void failed(TargetState state, Throwable cause) {
        String why = cause instanceof ScrapeFailure || cause instanceof TimeoutException
                ? cause.getMessage() : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        state.failures++;
        state.lastError = why;
        if (state.consecutiveFailures++ == 0) {
            LOG.log(System.Logger.Level.WARNING, "scraping {0} failed, keeping its last data: {1}",
                    describe(state.target), why);
        }
    }

    /** "agent URL (node NAME)", or "agent URL" while the node is not known (discovery gave none, no answer yet). */
    static String describe(AgentTarget target) {
        return target.node() == null ? "agent " + target.url() : "agent " + target.url() + " (node " + target.node() + ")";
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Stops scraping; scrapes in flight are abandoned. Does not close the targets or Vert.x. */
    @Override
    public void close() {
        closed = true;
        context.runOnContext(v -> {
            if (timerId >= 0) {
                vertx.cancelTimer(timerId);
            }
        });
        client.close();
    }

    /** A scrape that got an answer, but not a usable one. */
    private static final class ScrapeFailure extends Exception {
        ScrapeFailure(String message) {
            super(message, null, false, false);
        }
    }
}
