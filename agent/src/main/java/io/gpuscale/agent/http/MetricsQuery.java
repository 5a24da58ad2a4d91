package io.gpuscale.agent.http;

import io.gpuscale.agent.metrics.FamilyFilter;
import java.util.List;
import java.util.function.Function;

/**
 * The query parameters of {@code GET /metrics}, validated: {@code name[]} (repeatable) picks
 * families, {@code since} (epoch milliseconds) makes the request a watch that is answered once the
 * agent has a sample newer than that, or when the next sample is published, or after {@code wait}
 * milliseconds (default {@value #DEFAULT_WAIT_MILLIS}, at most {@value #MAX_WAIT_MILLIS}).
 *
 * @param families the families to serve
 * @param sinceMillis the {@code since} value, or -1 for a plain scrape
 * @param waitMillis how long a watch may be held
 */
record MetricsQuery(FamilyFilter families, long sinceMillis, long waitMillis) {
    static final long DEFAULT_WAIT_MILLIS = 10_000;
    static final long MAX_WAIT_MILLIS = 30_000;

    boolean watch() {
        return sinceMillis >= 0;
    }

    /**
     * @param params every value of a query parameter by name (empty when absent)
     * @throws IllegalArgumentException with a one-line reason for the client when a value is bad
     */
    static MetricsQuery parse(Function<String, List<String>> params) {
        FamilyFilter families = FamilyFilter.of(params.apply("name[]"));
        long since = millis(params.apply("since"), "since", -1);
        long wait = Math.min(millis(params.apply("wait"), "wait", DEFAULT_WAIT_MILLIS), MAX_WAIT_MILLIS);
        return new MetricsQuery(families, since, wait);
    }

    private static long millis(List<String> values, String name, long absent) {
        if (values.isEmpty()) {
            return absent;
        }
        if (values.size() > 1) {
            throw new IllegalArgumentException(name + " is given more than once");
        }
        String v = values.get(0);
        if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(name + "=" + shown(v) + " is not a number of milliseconds "
                    + "(a non-negative integer" + (name.equals("since") ? ", epoch milliseconds" : "") + ")");
        }
        return Long.parseLong(v);
    }

    /** The value as the client sent it, cut short and without control characters, for the answer. */
    private static String shown(String v) {
        String s = v.length() > 40 ? v.substring(0, 40) + "..." : v;
        return "'" + s.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
