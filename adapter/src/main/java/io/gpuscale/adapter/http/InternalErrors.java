package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Status;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Failures inside the gate, the API or an endpoint: each is answered with a 500 {@link Status},
 * never a stack trace; the first is logged, the rest only counted, so that a failing part does not
 * flood the log.
 */
final class InternalErrors {
    private static final Logger LOG = System.getLogger(ApiServer.class.getName());

    private final AtomicLong count = new AtomicLong();

    /**
     * Counts a failure and answers it; logs the first one with its stack trace.
     *
     * @param what what failed, e.g. {@code POST /advisor/v1/explain}; never a query string
     */
    ApiResponse failed(String what, Throwable cause) {
        if (count.getAndIncrement() == 0) {
            LOG.log(Level.ERROR, what + " failed (answered 500; later failures are only counted)", cause);
        }
        return ApiResponse.failure(Status.internalError());
    }

    /** As {@link #failed}, but logs only the failure's class, neither its message nor its stack trace. */
    ApiResponse gateFailed(Throwable cause) {
        if (count.getAndIncrement() == 0) {
            LOG.log(Level.ERROR, "request gate failed: " + cause.getClass().getName()
                    + " (answered 500; later failures are only counted)");
        }
        return ApiResponse.failure(Status.internalError());
    }

    /** Failures so far. */
    long count() {
        return count.get();
    }
}
