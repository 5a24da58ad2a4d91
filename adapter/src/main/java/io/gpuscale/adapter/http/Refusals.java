package io.gpuscale.adapter.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the requests and connections a limit refused, and tells the {@link ApiRecorder} why. One
 * per server; called from its event loops.
 */
final class Refusals {
    private final ApiRecorder recorder;
    private final AtomicLong count = new AtomicLong();

    Refusals(ApiRecorder recorder) {
        this.recorder = recorder;
    }

    /** A limit refused a request or a connection. */
    void refuse(ApiRecorder.Refusal reason) {
        count.incrementAndGet();
        recorder.refused(reason);
    }

    /**
     * A request the HTTP decoder could not read: told to the recorder, but not counted among the
     * refusals of {@link #count()}, which are the server's own limits.
     */
    void undecodable(ApiRecorder.Refusal reason) {
        recorder.refused(reason);
    }

    /** Refusals so far. */
    long count() {
        return count.get();
    }

    /** The reason for a refusal {@link RequestLimits} answered with this code. */
    static ApiRecorder.Refusal of(int code) {
        return switch (code) {
            case 429 -> ApiRecorder.Refusal.RATE_LIMIT;
            case 413 -> ApiRecorder.Refusal.BODY_TOO_LARGE;
            case 414 -> ApiRecorder.Refusal.URI_TOO_LONG;
            default -> ApiRecorder.Refusal.MALFORMED;
        };
    }
}
