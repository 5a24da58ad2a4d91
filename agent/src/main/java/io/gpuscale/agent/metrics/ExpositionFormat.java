package io.gpuscale.agent.metrics;

/** The two text formats Prometheus scrapes, chosen by the scraper's Accept header. */
public enum ExpositionFormat {
    PROMETHEUS_TEXT("text/plain; version=0.0.4; charset=utf-8"),
    OPENMETRICS("application/openmetrics-text; version=1.0.0; charset=utf-8");

    private final String contentType;

    ExpositionFormat(String contentType) {
        this.contentType = contentType;
    }

    public String contentType() {
        return contentType;
    }

    /**
     * OpenMetrics when the client lists it in Accept (Prometheus does, with a higher preference),
     * the classic text format otherwise.
     */
    public static ExpositionFormat negotiate(String accept) {
        if (accept != null && accept.contains("application/openmetrics-text")) {
            return OPENMETRICS;
        }
        return PROMETHEUS_TEXT;
    }
}
