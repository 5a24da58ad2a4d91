package io.gpuscale.agent.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock tests move by hand: wall time and a nanosecond ticker that advance together. */
public final class MutableClock extends Clock {
    private long nanos = 1_700_000_000_000_000_000L;

    public void advance(Duration d) {
        nanos += d.toNanos();
    }

    public long nanoTime() {
        return nanos;
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
        return Instant.ofEpochSecond(0, nanos);
    }

    @Override
    public long millis() {
        return nanos / 1_000_000;
    }
}
