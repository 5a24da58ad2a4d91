package io.gpuscale.adapter.api;

import java.time.Duration;
import java.util.Objects;

/**
 * How the API answers.
 *
 * @param maxAge readings older than this are not served as current ({@code --max-age})
 * @param windowSeconds the span one reading covers, reported as {@code window}/{@code windowSeconds}:
 *        the agents' sample interval, in whole seconds, at least 1
 * @param externalMetrics whether external.metrics.k8s.io is served at all
 * @param version the adapter's version, for {@code /version}
 */
public record ApiOptions(Duration maxAge, long windowSeconds, boolean externalMetrics, String version) {
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(6);
    public static final long DEFAULT_WINDOW_SECONDS = 1;

    public ApiOptions {
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(version, "version");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge must be positive");
        }
        if (windowSeconds < 1) {
            throw new IllegalArgumentException("windowSeconds must be at least 1");
        }
    }

    public static ApiOptions defaults() {
        return new ApiOptions(DEFAULT_MAX_AGE, DEFAULT_WINDOW_SECONDS, false, "v0.0.0-dev");
    }

    public ApiOptions withExternalMetrics(boolean on) {
        return new ApiOptions(maxAge, windowSeconds, on, version);
    }

    public ApiOptions withMaxAge(Duration age) {
        return new ApiOptions(age, windowSeconds, externalMetrics, version);
    }
}
