package io.gpuscale.agent.sample;

import java.time.Duration;

/**
 * When to try again after a failure: the delay doubles from {@code initial} up to {@code max},
 * and a success starts over. Pure: the caller supplies the time.
 */
public final class Backoff {
    private final long initialNanos;
    private final long maxNanos;
    private long delayNanos;
    private long notBeforeNanos;
    private boolean waiting;

    public Backoff(Duration initial, Duration max) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.delayNanos = initialNanos;
    }

    /** Whether an attempt may be made at {@code nowNanos}. */
    public boolean ready(long nowNanos) {
        return !waiting || nowNanos - notBeforeNanos >= 0;
    }

    /** Records a failed attempt at {@code nowNanos}; returns the delay until the next one. */
    public Duration failed(long nowNanos) {
        long delay = delayNanos;
        notBeforeNanos = nowNanos + delay;
        waiting = true;
        delayNanos = Math.min(maxNanos, delayNanos * 2);
        return Duration.ofNanos(delay);
    }

    public void succeeded() {
        waiting = false;
        delayNanos = initialNanos;
    }
}
