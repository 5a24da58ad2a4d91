package io.gpuscale.adapter.scrape;

import io.gpuscale.adapter.scrape.ScrapeIngest.ScrapeBatch;
import io.gpuscale.common.Durations;
import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.log.RepeatedLog;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

/**
 * Scrapes every agent's {@code /metrics} into a {@link ScrapeIngest}, spread over time and over
 * cores so that a fleet never arrives in one burst.
 *
 * <p><b>Lanes.</b> Targets are shared out over a few Vert.x event loops (one per core by default);
 * each lane owns its targets' connections, timers and parsing, so a target's state needs no locks,
 * and the lanes share the parsers' string tables ({@link PrometheusTextParser.Interning}, one per
 * lane) across all their targets.
 *
 * <p><b>Spreading.</b> Each target has its own phase within the interval (from a hash of its URL),
 * and is scraped at that phase every interval: 5,000 targets every 2 s are 2,500 evenly spaced
 * scrapes a second, not 5,000 at once.
 *
 * <p><b>Watching.</b> Every request names the families the store keeps ({@code name[]}), so an agent
 * sends only those. An agent that answers with a {@value #SAMPLE_TIME_HEADER} header can be watched:
 * the next request carries {@code since=<that sample time>} and the agent holds it until its next
 * sample, so a new reading arrives within milliseconds of being taken instead of up to an interval
 * later, at one request per sample. Watch requests start at least a quarter of an interval apart
 * (at most a second).
 * Targets without the header (dcgm-exporter, older agents) are polled every interval; so are all
 * targets after a failure, until they answer again.
 *
 * <p><b>Bodies</b> are parsed as they arrive, chunk by chunk, so nothing received waits in a queue
 * behind other targets' bodies while its deadline runs. Each scrape has a deadline (connecting
 * included; for a watch, the agent's hold on top); a target is never scraped twice at once, and a
 * slow or dead agent costs only its own scrape. A failed scrape changes nothing in the store (the
 * target keeps its last data) and is counted; the first failure of a run is logged, and the
 * recovery. Targets that leave discovery are dropped from the store at the next interval.
 *
 * <p>{@link #health()} may be read from any thread.
 */
public final class AgentScraper implements AutoCloseable {
    /** Asks for the 0.0.4 text format: the agent serves OpenMetrics only when asked. */
    static final String ACCEPT = "text/plain;version=0.0.4;q=1.0,*/*;q=0.1";
    /** The agent's answer header with the time (epoch ms) of the sample its body holds. */
    static final String SAMPLE_TIME_HEADER = "Gpuscale-Sample-Time";
    /** The longest an agent is asked to hold a watch request. */
    static final long MAX_WATCH_WAIT_MILLIS = 30_000;
    private static final System.Logger LOG = System.getLogger(AgentScraper.class.getName());
    /** A target that fails again and again after answering in between, and discovery failing round after round, log a line a minute. */
    private final RepeatedLog repeated = new RepeatedLog(LOG);

    private final Vertx vertx;
    private final AgentTargets targets;
    private final ScrapeIngest ingest;
    private final ScrapeOptions options;
    private final ScrapeRecorder recorder;
    private final HttpClientAgent client;
    private final String query;
    private final int laneCount;
    private final List<Lane> lanes = new CopyOnWriteArrayList<>();
    private final Map<String, TargetState> states = new ConcurrentHashMap<>();
    /** Targets whose URL cannot be scraped, logged once each (lane 0 only). */
    private final Set<String> unusable = new java.util.HashSet<>();
    private volatile Future<Void> lanesReady;
    private volatile long timerId = -1;
    private volatile boolean started;
    private volatile boolean closed;

    /**
     * A scraping thread: one event-loop context with its string tables. Everything of its targets
     * runs on its context.
     */
    private static final class Lane {
        final Context context;
        final PrometheusTextParser.Interning interning = new PrometheusTextParser.Interning();
        /** Parsers not in use, reused by the next scrape. */
        final List<PrometheusTextParser> parsers = new ArrayList<>();
        volatile int targets;

        Lane(Context context) {
            this.context = context;
        }
    }

    /** One target's scraping state; fields written on its lane's context only. */
    private static final class TargetState {
        final String url;
        final Lane lane;
        final long phaseMillis;
        volatile AgentTarget target;
        volatile boolean removed;
        volatile boolean inFlight;
        /** Whether its own schedule runs (from {@link #start()} on). */
        boolean scheduled;
        volatile long scrapes;
        volatile long failures;
        volatile long consecutiveFailures;
        /** Whether the start of the current run of failures was logged (its end is then logged too). */
        boolean failureLogged;
        volatile long skipped;
        volatile String lastError;
        volatile long lastSuccessMillis;
        volatile ParseReport lastReport;
        /** Samples dropped for a value out of their metric's range ({@link ValueRangeCheck}). */
        volatile long rejected;
        /** The sample time the agent last answered with; -1 while it gave none (not watchable). */
        long sampleTime = -1;
        /** Whether the last answer brought a newer sample than the one before. */
        boolean advanced;
        boolean lastWasWatch;
        long timer = -1;
        long lastStartMillis;

        /** The URL's parts, parsed once: a request is built from them without parsing the URL again. */
        final String host;
        final int port;
        final boolean ssl;
        final String pathAndQuery;
        final io.vertx.core.net.SocketAddress address;

        TargetState(AgentTarget target, Lane lane, long phaseMillis) {
            this.url = target.url();
            java.net.URI uri = java.net.URI.create(url);
            this.ssl = "https".equalsIgnoreCase(uri.getScheme());
            this.host = uri.getHost();
            this.port = uri.getPort() >= 0 ? uri.getPort() : ssl ? 443 : 80;
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            this.pathAndQuery = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
            if (host == null || !(ssl || "http".equalsIgnoreCase(uri.getScheme()))) {
                throw new IllegalArgumentException("not an http:// or https:// URL with a host");
            }
            String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            this.address = io.vertx.core.net.SocketAddress.inetSocketAddress(port, literal);
            this.target = target;
            this.lane = lane;
            this.phaseMillis = phaseMillis;
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
        this(vertx, targets, ingest, options, Set.of(), Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param families the metric families to ask agents for ({@code name[]}); empty for everything
     * @param lanes how many event loops to spread the targets over
     */
    public AgentScraper(Vertx vertx, AgentTargets targets, ScrapeIngest ingest, ScrapeOptions options,
            Collection<String> families, int lanes) {
        this(vertx, targets, ingest, options, families, lanes, ScrapeRecorder.NONE);
    }

    /** As above, telling {@code recorder} about every scrape (the adapter's own metrics). */
    public AgentScraper(Vertx vertx, AgentTargets targets, ScrapeIngest ingest, ScrapeOptions options,
            Collection<String> families, int lanes, ScrapeRecorder recorder) {
        if (lanes < 1) {
            throw new IllegalArgumentException("scraping needs at least one lane: " + lanes);
        }
        this.vertx = vertx;
        this.targets = targets;
        this.ingest = ingest;
        this.options = options;
        this.recorder = recorder;
        this.laneCount = lanes;
        this.query = familiesQuery(families);
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
    }

    /** {@code name[]=a&name[]=b}, sorted, or empty for no filter. */
    static String familiesQuery(Collection<String> families) {
        StringBuilder q = new StringBuilder();
        for (String name : new TreeSet<>(families)) {
            q.append(q.length() == 0 ? "" : "&").append("name%5B%5D=").append(URLEncoder.encode(name, StandardCharsets.UTF_8));
        }
        return q.toString();
    }

    /**
     * Scrapes each target at its phase of every interval from now on, watching those that can be
     * watched; a target already scraped by {@link #scrapeOnce()} and watchable is watched at once.
     */
    public void start() {
        lanes().onSuccess(v -> lanes.get(0).context.runOnContext(x -> {
            if (!closed && !started) {
                started = true;
                timerId = vertx.setPeriodic(options.interval().toMillis(), id -> discover(false));
                discover(false);
            }
        }));
    }

    /**
     * Scrapes every current target once, now, apart from the schedule, without watching;
     * completes when each scrape has succeeded or failed. For tests and for a first scrape before
     * serving.
     */
    public Future<Void> scrapeOnce() {
        Promise<Void> done = Promise.promise();
        lanes().onComplete(ar -> {
            if (ar.failed()) {
                done.fail(ar.cause());
                return;
            }
            lanes.get(0).context.runOnContext(v -> discover(true).onComplete(x -> done.complete()));
        });
        return done.future();
    }

    /** How each current target's scraping goes, by URL. */
    public Map<String, TargetHealth> health() {
        Map<String, TargetHealth> health = new HashMap<>();
        states.forEach((url, s) -> health.put(url, s.health()));
        return health;
    }

    /** The lanes' contexts, made once: one Vert.x deployment instance per lane, each on an event loop of its own. */
    private synchronized Future<Void> lanes() {
        if (lanesReady == null) {
            List<Context> contexts = new CopyOnWriteArrayList<>();
            lanesReady = vertx.deployVerticle(() -> context -> {
                contexts.add(context);
                return Future.succeededFuture();
            }, new DeploymentOptions().setInstances(laneCount)).map(id -> {
                for (Context c : contexts) {
                    lanes.add(new Lane(c));
                }
                return null;
            });
        }
        return lanesReady;
    }

    /**
     * Reads discovery, drops targets that left, gives new ones a lane and a phase; with
     * {@code now}, also scrapes every target at once and completes when all are done. Runs on
     * lane 0, once per interval.
     */
    private Future<Void> discover(boolean now) {
        if (closed) {
            return Future.succeededFuture();
        }
        List<AgentTarget> current;
        try {
            current = targets.current();
        } catch (RuntimeException e) {
            repeated.log(System.Logger.Level.WARNING, "discovery", "agent discovery failed, scraping nothing this round",
                    LogFields.of("reason", e.toString()));
            return Future.succeededFuture();
        }
        Map<String, AgentTarget> byUrl = new HashMap<>();
        for (AgentTarget t : current) {
            byUrl.put(t.url(), t);
        }
        states.values().removeIf(s -> {
            if (byUrl.containsKey(s.url)) {
                return false;
            }
            s.removed = true;
            s.lane.targets--;
            s.lane.context.runOnContext(v -> cancelTimer(s));
            return true;
        });
        ingest.retainTargets(byUrl.keySet());
        for (Lane lane : lanes) {
            lane.context.runOnContext(v -> lane.interning.nextRound());
        }
        List<Future<Void>> scrapes = new ArrayList<>();
        long period = options.interval().toMillis();
        for (AgentTarget t : byUrl.values()) {
            TargetState state = states.get(t.url());
            if (state == null) {
                Lane lane = leastLoaded();
                try {
                    state = new TargetState(t, lane, Math.floorMod(t.url().hashCode() * 0x9E3779B9L, period));
                } catch (IllegalArgumentException e) {
                    if (unusable.add(t.url())) {
                        LOG.log(System.Logger.Level.WARNING, "not scraping an agent", fields(t, "reason", e.getMessage()));
                    }
                    continue;
                }
                lane.targets++;
                states.put(t.url(), state);
            }
            state.target = t;
            if (started && !state.scheduled) {
                state.scheduled = true;
                TargetState s = state;
                s.lane.context.runOnContext(v -> schedule(s));
            }
            if (now) {
                TargetState s = state;
                Promise<Void> done = Promise.promise();
                s.lane.context.runOnContext(v -> {
                    if (s.inFlight) {
                        s.skipped++;
                        done.complete();
                    } else {
                        scrape(s, false).onComplete(ar -> done.complete());
                    }
                });
                scrapes.add(done.future());
            }
        }
        return Future.join(scrapes).mapEmpty();
    }

    private Lane leastLoaded() {
        Lane best = lanes.get(0);
        for (Lane lane : lanes) {
            if (lane.targets < best.targets) {
                best = lane;
            }
        }
        return best;
    }

    /** Arms the target's next scrape: at once for a watch that just delivered, else at its next phase. On its lane. */
    private void schedule(TargetState s) {
        if (closed || s.removed) {
            return;
        }
        cancelTimer(s);
        long now = System.currentTimeMillis();
        long period = options.interval().toMillis();
        long delay;
        if (s.sampleTime >= 0 && s.advanced && s.consecutiveFailures == 0) {
            // Watching: the next request right away, but never sooner than a quarter interval
            // (at most a second) after the last, whatever rate the agent samples at.
            delay = Math.max(1, s.lastStartMillis + Math.min(period / 4, 1000) - now);
        } else {
            long sinceLast = now - s.lastStartMillis;
            if (s.lastStartMillis > 0 && !s.lastWasWatch) {
                long passed = sinceLast / period; // phases that passed while the last scrape was still running
                s.skipped += passed;
                if (passed > 0) {
                    recorder.skipped(passed);
                }
            }
            delay = Math.floorMod(s.phaseMillis - now, period);
            if (delay == 0 || sinceLast + delay < period / 2) {
                delay += period; // this phase was just used (by a watch that failed or a first scrape)
            }
        }
        long due = now + delay;
        s.timer = vertx.setTimer(delay, id -> {
            s.timer = -1;
            if (closed || s.removed) {
                return;
            }
            if (s.inFlight) {
                s.skipped++;
                recorder.skipped(1);
                schedule(s);
                return;
            }
            recorder.started(Math.max(0, System.currentTimeMillis() - due));
            scrape(s, true).onComplete(ar -> schedule(s));
        });
    }

    private void cancelTimer(TargetState s) {
        if (s.timer >= 0) {
            vertx.cancelTimer(s.timer);
            s.timer = -1;
        }
    }

    /** One scrape of a target; on its lane. A watch asks the agent to hold until a sample newer than the last. */
    private Future<Void> scrape(TargetState state, boolean mayWatch) {
        AgentTarget target = state.target;
        state.inFlight = true;
        state.lastStartMillis = System.currentTimeMillis();
        boolean watch = mayWatch && options.watch() && state.sampleTime >= 0 && state.consecutiveFailures == 0;
        state.lastWasWatch = watch;
        long waitMillis = Math.min(MAX_WATCH_WAIT_MILLIS, 2 * options.interval().toMillis());
        long deadline = options.timeout().toMillis() + (watch ? waitMillis : 0);
        Promise<ParseReport> body = Promise.promise();
        long timer = vertx.setTimer(deadline, id -> body.tryFail(new TimeoutException("no complete answer within "
                + Durations.format(options.timeout()) + (watch ? " of the agent's next sample" : ""))));
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setServer(state.address)
                .setHost(state.host)
                .setPort(state.port)
                .setSsl(state.ssl)
                .setURI(withQuery(state.pathAndQuery, watch ? "since=" + state.sampleTime + "&wait=" + waitMillis : null))
                .setConnectTimeout(options.timeout().toMillis())
                .putHeader(HttpHeaders.ACCEPT, ACCEPT);
        Receiving receiving = new Receiving(state, target);
        client.request(request)
                .onSuccess(req -> send(req, body, receiving))
                .onFailure(body::tryFail);
        Promise<Void> done = Promise.promise();
        long sentNanos = System.nanoTime();
        body.future().onComplete(ar -> {
            vertx.cancelTimer(timer);
            receiving.release();
            state.inFlight = false;
            state.scrapes++;
            try {
                if (ar.succeeded()) {
                    ingested(state, target, receiving, ar.result());
                    recorder.succeeded(watch, System.nanoTime() - sentNanos, ar.result(), receiving.checked.rejected());
                } else {
                    failed(state, ar.cause());
                    if (!closed) {
                        recorder.failed(watch, failure(ar.cause()), System.nanoTime() - sentNanos);
                    }
                }
            } finally {
                done.complete();
            }
        });
        return done.future();
    }

    /** The target's URL with the family filter and {@code extra} added to its query. */
    private String withQuery(String url, String extra) {
        String q = query.isEmpty() ? extra : extra == null ? query : query + "&" + extra;
        if (q == null || q.isEmpty()) {
            return url;
        }
        return url + (url.indexOf('?') < 0 ? "?" : "&") + q;
    }

    /** One body being received and parsed as it arrives. */
    private final class Receiving {
        final TargetState state;
        final AgentTarget target;
        PrometheusTextParser parser;
        ScrapeBatch batch;
        ValueRangeCheck checked;
        long sampleTime = -1;
        boolean ended;

        Receiving(TargetState state, AgentTarget target) {
            this.state = state;
            this.target = target;
        }

        void begin(long sampleTime) {
            this.sampleTime = sampleTime;
            List<PrometheusTextParser> idle = state.lane.parsers;
            parser = idle.isEmpty() ? new PrometheusTextParser(options.limits(), state.lane.interning)
                    : idle.remove(idle.size() - 1);
            batch = ingest.begin(target.url(), target.node(), System.currentTimeMillis());
            checked = new ValueRangeCheck(batch);
            parser.begin(DcgmTranslation.wrap(checked));
        }

        /** Parses a chunk; false once the body is over the limit. */
        boolean feed(Buffer chunk) {
            // A copy of the chunk (Vert.x keeps its bytes to itself); bodies filtered to the kept
            // families are a few kB, and the copy costs a fraction of parsing it.
            byte[] bytes = chunk.getBytes();
            parser.feed(bytes, 0, bytes.length);
            return !parser.truncated();
        }

        ParseReport end() {
            ended = true;
            return parser.end();
        }

        void release() {
            if (parser != null) {
                if (!ended) {
                    parser.end(); // resets its state: a body that failed midway is dropped with its batch
                }
                state.lane.parsers.add(parser);
                parser = null;
            }
        }
    }

    private void send(HttpClientRequest req, Promise<ParseReport> body, Receiving receiving) {
        // Set first: a failed scrape resets the request, and an unhandled reset is logged as an error.
        req.exceptionHandler(body::tryFail);
        body.future().onFailure(e -> req.reset());
        req.send().onSuccess(resp -> receive(resp, body, receiving)).onFailure(body::tryFail);
    }

    private void receive(HttpClientResponse resp, Promise<ParseReport> body, Receiving receiving) {
        int max = options.limits().maxBodyBytes();
        // Set first: a failed scrape resets the stream, and an unhandled reset is logged as an error.
        resp.exceptionHandler(body::tryFail);
        if (resp.statusCode() != 200) {
            body.tryFail(new ScrapeFailure(ScrapeRecorder.Failure.HTTP_STATUS, "HTTP " + resp.statusCode()));
            return;
        }
        String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
        String encoding = resp.getHeader(HttpHeaders.CONTENT_ENCODING);
        if (length != null && encoding == null && parseLong(length) > max) {
            body.tryFail(new ScrapeFailure(ScrapeRecorder.Failure.TOO_LARGE, "body of " + length + " bytes is over the limit of " + max));
            return;
        }
        String sampleTime = resp.getHeader(SAMPLE_TIME_HEADER);
        receiving.begin(sampleTime == null ? -1 : Math.max(-1, parseLong(sampleTime)));
        resp.handler(chunk -> {
            if (!body.future().isComplete() && !receiving.feed(chunk)) {
                body.tryFail(new ScrapeFailure(ScrapeRecorder.Failure.TOO_LARGE,
                        "body is over the limit of " + max + " bytes"));
            }
        });
        resp.endHandler(v -> {
            if (!body.future().isComplete()) {
                body.tryComplete(receiving.end());
            }
        });
    }

    private void ingested(TargetState state, AgentTarget target, Receiving receiving, ParseReport report) {
        long receivedAt = System.currentTimeMillis();
        ValueRangeCheck checked = receiving.checked;
        // A target that left discovery while its scrape ran must not come back.
        if (!state.removed && !closed) {
            receiving.batch.commit();
        }
        if (checked.rejected() > 0 && state.rejected == 0) {
            LOG.log(System.Logger.Level.WARNING, "an agent served samples out of their metric's range; they are "
                    + "dropped, never served; counted from now on without logging again",
                    fields(target, "samples", checked.rejected(), "first", checked.firstRejected()));
        }
        state.rejected += checked.rejected();
        if (state.consecutiveFailures > 0 && state.failureLogged) {
            LOG.log(System.Logger.Level.INFO, "an agent answers again", fields(target, "failed_scrapes",
                    state.consecutiveFailures));
        }
        state.consecutiveFailures = 0;
        state.lastSuccessMillis = receivedAt;
        state.lastReport = report;
        // Watch again at once only when the agent moved on: an answer with the sample already
        // seen (its hold ran out) means it is not sampling, and the next request waits for the phase.
        state.advanced = receiving.sampleTime > state.sampleTime;
        state.sampleTime = receiving.sampleTime < 0 ? -1 : Math.max(state.sampleTime, receiving.sampleTime);
    }

    private void failed(TargetState state, Throwable cause) {
        if (closed) {
            return; // scrapes abandoned by close() are no failures of their targets
        }
        String why = cause instanceof ScrapeFailure || cause instanceof TimeoutException
                ? cause.getMessage() : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        state.failures++;
        state.lastError = why;
        if (state.consecutiveFailures++ == 0) {
            state.failureLogged = repeated.log(System.Logger.Level.WARNING, "scrape " + state.url,
                    "scraping an agent failed, keeping its last data", fields(state.target, "reason", why));
        }
    }

    /**
     * A log line's context: {@code target} (the URL, logged without its query) and {@code node}
     * where known (discovery gave none, no answer yet), then {@code more}.
     */
    static LogFields fields(AgentTarget target, Object... more) {
        Object[] pairs = new Object[(target.node() == null ? 2 : 4) + more.length];
        pairs[0] = "target";
        pairs[1] = target.url();
        if (target.node() != null) {
            pairs[2] = "node";
            pairs[3] = target.node();
        }
        System.arraycopy(more, 0, pairs, pairs.length - more.length, more.length);
        return LogFields.of(pairs);
    }

    /** Why a scrape failed, from what it failed with (or what that was caused by). */
    static ScrapeRecorder.Failure failure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ScrapeFailure f) {
                return f.reason;
            }
            if (t instanceof TimeoutException) {
                return ScrapeRecorder.Failure.TIMEOUT;
            }
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.NoRouteToHostException) {
                return ScrapeRecorder.Failure.CONNECT;
            }
            if (t instanceof javax.net.ssl.SSLException) {
                return ScrapeRecorder.Failure.TLS;
            }
            if (t instanceof io.vertx.core.http.HttpClosedException || t instanceof io.vertx.core.http.StreamResetException
                    || t instanceof java.nio.channels.ClosedChannelException) {
                return ScrapeRecorder.Failure.CLOSED;
            }
        }
        return ScrapeRecorder.Failure.OTHER;
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
        long id = timerId;
        if (id >= 0) {
            vertx.cancelTimer(id);
        }
        for (TargetState s : states.values()) {
            s.lane.context.runOnContext(v -> cancelTimer(s));
        }
        client.close();
    }

    /** A scrape that got an answer, but not a usable one. */
    private static final class ScrapeFailure extends Exception {
        final ScrapeRecorder.Failure reason;

        ScrapeFailure(ScrapeRecorder.Failure reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }
}
