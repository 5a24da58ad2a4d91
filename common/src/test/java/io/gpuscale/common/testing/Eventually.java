package io.gpuscale.common.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Waits for a condition with one deadline, for tests of things that run on their own threads.
 * The deadline is meant to be generous (30 s for anything that starts a server): a passing test
 * returns as soon as the condition holds, so only a failing one waits it out.
 */
public final class Eventually {
    private static final long POLL_NANOS = Duration.ofMillis(20).toNanos();

    private Eventually() {
    }

    /**
     * Polls {@code probe} until it returns something other than null or {@code false}, and returns
     * that. A probe that throws (an assertion not yet true, a server not yet up) is polled again; the
     * last failure becomes the cause when the deadline passes.
     */
    public static <T> T await(Duration timeout, String what, Supplier<T> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (true) {
            try {
                T value = probe.get();
                if (value != null && !Boolean.FALSE.equals(value)) {
                    return value;
                }
            } catch (RuntimeException | AssertionError e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
