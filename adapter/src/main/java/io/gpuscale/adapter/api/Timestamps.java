package io.gpuscale.adapter.api;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Times as {@code metav1.Time} writes them: RFC 3339 in UTC, whole seconds. */
final class Timestamps {
    private Timestamps() {
    }

    static String rfc3339(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }
}
