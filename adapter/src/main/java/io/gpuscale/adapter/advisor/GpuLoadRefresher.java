package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.metrics.GpuMetrics;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads every node's GPU load on its own thread, every {@link #periodFor period}, and keeps the last
 * good snapshot ({@link GpuLoads}) with its age: scoring takes that snapshot and never calls the
 * metrics itself, so a slow or absent Prometheus never holds the {@link ClusterIndex} lock, informer
 * events, or a request.
 *
 * <p><b>Staleness.</b> A snapshot counts while it is at most {@code gpuMaxAge} old (30 s, counted
 * from the end of its read), the age past which a single reading already counts as unknown. Older,
 * or before the first good read, the advisor scores without GPU load (as the CLI does) and its
 * explanations say {@value GpuLoadStatus#UNKNOWN}, with the age and the last failure. A failed read
 * keeps the last good snapshot; the next good one brings the loads back. Within a snapshot each
 * node's load also stops counting once its readings are older than {@code gpuMaxAge}
 * ({@link GpuLoads#at}), so keeping a snapshot through an outage never makes old readings count.
 *
 * <p>The getters ({@link #snapshotAgeSeconds}, {@link #lastOutcome}, {@link #failures}, ...) are
 * what a metric of the adapter's own needs; they are cheap and lock-free.
 *
 * <p>A failing read is logged once (WARNING), then counted, and a new run of failures within a
 * minute of the last one logged is only counted; the moment the snapshot becomes too old to count
 * is logged once (WARNING), and so is the first good read after logged failures (INFO).
 */
public final class GpuLoadRefresher implements AutoCloseable {
    private static final Logger LOG = System.getLogger(GpuLoadRefresher.class.getName());
    /** The least time between reads, whatever {@code gpuMaxAge}. */
    static final Duration MIN_PERIOD = Duration.ofMillis(100);
    /** How many reads fit in {@code gpuMaxAge}: that many may fail in a row before load is unknown. */
    static final int READS_PER_MAX_AGE = 10;
    /** A read failing again within this long of the last failure logged is counted, not logged (a flapping Prometheus). */
    static final long QUIET_MILLIS = 60_000;
    /** The most of a failure's text an explanation repeats. */
    private static final int MAX_FAILURE_CHARS = 300;

    /** How the last read ended. */
    public enum Outcome {
        /** No read has finished yet. */
        NONE_YET,
        SUCCEEDED,
        FAILED
    }

    private final GpuMetrics metrics;
    private final long maxAgeMillis;
    private final Duration period;
    private final Clock clock;
    /** The last good snapshot; {@link #NONE_HELD} until the first. */
    private final AtomicReference<Held> last = new AtomicReference<>(NONE_HELD);
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile Outcome lastOutcome = Outcome.NONE_YET;
    private volatile String lastFailure;
    /** Failures since the last good read, for the recovery line. */
    private final AtomicLong failuresInARow = new AtomicLong();
    private volatile boolean toldTooOld;
    /** When a failed read was last logged, and whether the current streak of failures was. */
    private volatile long warnedAtMillis = Long.MIN_VALUE;
    private volatile boolean warnedThisStreak;
    private volatile boolean closed;
    private ScheduledExecutorService thread;

    /**
     * @param metrics where the loads are read (the agents' store, or the Prometheus backend)
     * @param gpuMaxAge a reading, and a snapshot, older than this counts as unknown
     * @param clock the advisor's clock: snapshot ages and reading ages are on it
     */
    public GpuLoadRefresher(GpuMetrics metrics, Duration gpuMaxAge, Clock clock) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.maxAgeMillis = gpuMaxAge.toMillis();
        if (maxAgeMillis <= 0) {
            throw new IllegalArgumentException("gpuMaxAge must be positive: " + gpuMaxAge);
        }
        this.period = periodFor(gpuMaxAge);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The time between reads: a tenth of {@code gpuMaxAge} (3 s for the default 30 s), at least
     * {@link #MIN_PERIOD}. Nine reads in a row may fail before the load stops counting, and a read
     * adds at most that much to the age of what it returns (the agents' store is filled every
     * {@code --scrape-interval}, 2 s by default; a Prometheus scrapes every 15 to 60 s).
     */
    public static Duration periodFor(Duration gpuMaxAge) {
        Duration p = gpuMaxAge.dividedBy(READS_PER_MAX_AGE);
        return p.compareTo(MIN_PERIOD) < 0 ? MIN_PERIOD : p;
    }

    /** Reads now and then every {@link #period()}, on a thread of its own, until {@link #close()}. */
    public synchronized GpuLoadRefresher start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gpuscale-gpu-loads");
            t.setDaemon(true);
            return t;
        });
        // with a fixed delay, a read that waits for its timeouts delays the next instead of piling up
        thread.scheduleWithFixedDelay(this::refresh, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * One read, on the caller's thread (it may block up to the backend's timeouts): a good read
     * replaces the snapshot, a failed one keeps it. Never throws a failure of the read.
     *
     * @return whether the read succeeded
     */
    public boolean refresh() {
        long startedMillis = clock.millis();
        GpuLoads read;
        try {
            read = GpuLoads.read(metrics, startedMillis, maxAgeMillis);
        } catch (RuntimeException e) {
            failed(e, startedMillis);
            return false;
        }
        // a slow read that ends after a newer one does not replace it
        Held done = new Held(read, clock.millis());
        last.accumulateAndGet(done, (held, fresh) -> fresh.loads.readAtMillis >= held.loads.readAtMillis ? fresh : held);
        successes.incrementAndGet();
        lastOutcome = Outcome.SUCCEEDED;
        lastFailure = null;
        boolean told = warnedThisStreak || toldTooOld;
        warnedThisStreak = false;
        toldTooOld = false;
        long inARow = failuresInARow.getAndSet(0);
        if (inARow > 0 && told) {
            LOG.log(Level.INFO, "GPU load read again after {0} failed read(s): the advisor scores with it", inARow);
        }
        return true;
    }

    private void failed(RuntimeException e, long nowMillis) {
        if (closed) {
            return; // the read close() interrupted: not a failure of the backend
        }
        failures.incrementAndGet();
        String text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        lastFailure = text.length() > MAX_FAILURE_CHARS ? text.substring(0, MAX_FAILURE_CHARS) + "..." : text;
        Outcome before = lastOutcome;
        lastOutcome = Outcome.FAILED;
        failuresInARow.incrementAndGet();
        if (before != Outcome.FAILED) {
            // a streak of failures is logged at its start; one that starts soon after the last logged is only counted
            warnedThisStreak = warnedAtMillis == Long.MIN_VALUE || nowMillis - warnedAtMillis >= QUIET_MILLIS;
            if (warnedThisStreak) {
                warnedAtMillis = nowMillis;
                LOG.log(Level.WARNING, "GPU load read failed: {0}; the advisor keeps the last good loads for up to "
                        + "{1}, then scores without GPU load (logged once, then counted)", lastFailure,
                        seconds(maxAgeMillis));
            }
        }
        if (!toldTooOld && !known(last.get(), nowMillis)) {
            toldTooOld = true;
            LOG.log(Level.WARNING, "{0}: no good read within {1}; the advisor scores without GPU load until a "
                    + "read works again", GpuLoadStatus.UNKNOWN, seconds(maxAgeMillis));
        }
    }

    private boolean known(Held held, long nowMillis) {
        return held != NONE_HELD && nowMillis - held.doneMillis <= maxAgeMillis;
    }

    /**
     * A good snapshot and when its read ended: its age counts from then, so that a read that takes
     * long (tens of thousands of GPUs on a busy Prometheus) does not age what it has just returned.
     * Its readings are still judged by their own timestamps ({@link GpuLoads#at}).
     */
    private record Held(GpuLoads loads, long doneMillis) {
    }

    private static final Held NONE_HELD = new Held(GpuLoads.EMPTY, Long.MIN_VALUE);

    private static Double ageSeconds(Held held, long nowMillis) {
        return held == NONE_HELD ? null : Math.max(0, nowMillis - held.doneMillis) / 1000.0;
    }

    /** What scoring at {@code nowMillis} counts: the last good snapshot, or none when it is too old. No I/O. */
    View view(long nowMillis) {
        Held held = last.get();
        Double age = ageSeconds(held, nowMillis);
        if (known(held, nowMillis)) {
            return new View(held.loads, new GpuLoadStatus(true, age, null));
        }
        String failure = lastFailure;
        String why = age == null ? "not read yet" : "the last good read is " + Math.round(age)
                + " s old, older than " + seconds(maxAgeMillis);
        String message = GpuLoadStatus.UNKNOWN + ": " + why + (failure == null ? "" : " (last read failed: " + failure
                + ")") + "; nodes are scored without it";
        return new View(GpuLoads.EMPTY, new GpuLoadStatus(false, age, message));
    }

    private static String seconds(long millis) {
        return (millis % 1000 == 0 ? Long.toString(millis / 1000) : Double.toString(millis / 1000.0)) + " s";
    }

    /** A snapshot to score with, and what the explanation says about it. */
    record View(GpuLoads loads, GpuLoadStatus status) {
    }

    /** A reading older than this counts as unknown; so does a snapshot. */
    long maxAgeMillis() {
        return maxAgeMillis;
    }

    /** The time between reads ({@link #periodFor}). */
    public Duration period() {
        return period;
    }

    /** The age of the last good snapshot in seconds, now; NaN before the first. */
    public double snapshotAgeSeconds() {
        Double age = ageSeconds(last.get(), clock.millis());
        return age == null ? Double.NaN : age;
    }

    /** Whether scoring now counts GPU load: a good snapshot no older than {@code gpuMaxAge}. */
    public boolean loadKnown() {
        return known(last.get(), clock.millis());
    }

    /** How the last read ended. */
    public Outcome lastOutcome() {
        return lastOutcome;
    }

    /** The last read's failure, when it failed; else null. */
    public String lastFailure() {
        return lastFailure;
    }

    /** Reads that succeeded, since start. */
    public long successes() {
        return successes.get();
    }

    /** Reads that failed (unreachable, timed out, refused), since start. */
    public long failures() {
        return failures.get();
    }

    /** How many nodes the last good snapshot has a load for; 0 before the first. */
    public int nodesWithLoad() {
        return last.get().loads.nodes();
    }

    /** Stops the reading thread, interrupting a read under way; the last snapshot stays readable. */
    @Override
    public synchronized void close() {
        closed = true;
        if (thread != null) {
            thread.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "GPU loads every " + period.toMillis() + " ms, counted up to " + maxAgeMillis + " ms old";
    }
}
