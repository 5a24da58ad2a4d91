package io.gpuscale.common.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A clock a test moves by hand: wall time ({@link Clock}) and a nanosecond ticker
 * ({@link #getAsLong()}, for code that takes {@code System::nanoTime}) that advance together.
 * Safe to read from other threads while the test moves it.
 */
public final class TestClock extends Clock implements LongSupplier {
    private final AtomicLong nanos;

    /** Starts at 2023-11-14T22:13:20Z. */
    public TestClock() {
        this(Instant.ofEpochSecond(1_700_000_000L));
    }

    public TestClock(Instant start) {
        this.nanos = new AtomicLong(toNanos(start));
    }

    /** Moves both readings forward by {@code d}; returns this clock. */
    public TestClock advance(Duration d) {
        nanos.addAndGet(d.toNanos());
        return this;
    }

    public TestClock advanceMillis(long millis) {
        return advance(Duration.ofMillis(millis));
    }

    /** Sets the wall time (and the ticker with it). */
    public TestClock set(Instant now) {
        nanos.set(toNanos(now));
        return this;
    }

    /** The ticker: nanoseconds since the epoch of the wall time. */
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public long getAsLong() {
        return nanos.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        long n = nanos.get();
        return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
    }

    @Override
    public long millis() {
        return Math.floorDiv(nanos.get(), 1_000_000L);
    }

    private static long toNanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }
}
