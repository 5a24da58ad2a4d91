package io.gpuscale.agent.pods;

import java.util.Objects;

/**
 * A failed call to the pod source, with a short stable code for counters and log keys.
 *
 * <p>All of these are run-time conditions: the caller marks pod attribution stale, counts the
 * code, logs it once, and tries again on its next interval.
 */
public final class PodSourceException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The socket is missing, nothing listens on it, or the connection broke (kubelet down or restarting). */
    public static final String UNAVAILABLE = "UNAVAILABLE";
    /** The kubelet's rate limit (100 requests/s, burst 10) rejected the call. */
    public static final String RATE_LIMITED = "RATE_LIMITED";
    /** The response was larger than the configured bound. */
    public static final String TOO_LARGE = "TOO_LARGE";
    /** The response could not be decoded. */
    public static final String MALFORMED = "MALFORMED";
    /** No response within the per-call deadline. */
    public static final String TIMEOUT = "TIMEOUT";
    /** The kubelet does not serve this method (too old, or the feature gate is off). */
    public static final String UNIMPLEMENTED = "UNIMPLEMENTED";
    /** The source was closed. */
    public static final String CLOSED = "CLOSED";
    /** Any other failure; the message says which. */
    public static final String FAILED = "FAILED";

    private final String code;

    public PodSourceException(String code, String message) {
        this(code, message, null);
    }

    public PodSourceException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** One of the constants of this class, e.g. {@link #UNAVAILABLE}. */
    public String code() {
        return code;
    }
}
