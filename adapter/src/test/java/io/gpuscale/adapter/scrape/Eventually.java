package io.gpuscale.adapter.scrape;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, for tests of things that run on their own threads. */
public final class Eventually {
    private Eventually() {
    }

    /** Polls {@code probe} until it returns non-null (or true), or fails after {@code timeout}. */
    public static <T> T await(Duration timeout, String what, Supplier<T> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                T value = probe.get();
                if (value != null && !Boolean.FALSE.equals(value)) {
                    return value;
                }
            } catch (RuntimeException | AssertionError e) {
                last = e;
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
    }
}
