package io.gpuscale.agent.nvml;

import java.time.Duration;
import java.util.function.LongSupplier;

/** A nanosecond clock that moves only when the test says so. */
final class ManualClock implements LongSupplier {
    private long nanos = 1_000_000_000L;

    @Override
    public long getAsLong() {
        return nanos;
    }

    ManualClock advance(Duration d) {
        nanos += d.toNanos();
        return this;
    }

    ManualClock advanceMillis(long millis) {
        return advance(Duration.ofMillis(millis));
    }
}
