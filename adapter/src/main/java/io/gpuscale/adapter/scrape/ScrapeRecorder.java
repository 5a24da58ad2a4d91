package io.gpuscale.adapter.scrape;

/**
 * What {@link AgentScraper} tells the adapter's own metrics, once per scrape (never per sample):
 * how late it started, how long it took, what its body held, or why it failed. Calls come on the
 * scraping lanes' event loops and must neither block nor allocate much; {@link #NONE} records
 * nothing.
 */
public interface ScrapeRecorder {
    ScrapeRecorder NONE = new ScrapeRecorder() {
    };

    /**
     * A scrape started, {@code latenessMillis} after the time its timer was set for (a busy lane
     * starts it late).
     */
    default void started(long latenessMillis) {
    }

    /**
     * A scrape succeeded.
     *
     * @param watch whether it was a watch (held by the agent until its next sample)
     * @param nanos from sending the request to the end of the body
     * @param report what the parser saw
     * @param outOfRange samples dropped for a value out of their metric's range
     */
    default void succeeded(boolean watch, long nanos, ParseReport report, long outOfRange) {
    }

    /** A scrape failed; the target keeps its last data. */
    default void failed(boolean watch, Failure reason, long nanos) {
    }

    /** A target's scrapes were not started, {@code phases} times, because its previous one was still running. */
    default void skipped(long phases) {
    }

    /** Why a scrape failed. */
    enum Failure {
        /** No complete answer within the scrape timeout. */
        TIMEOUT("timeout"),
        /** No connection: refused, unreachable, unknown host, or the connect timed out. */
        CONNECT("connect"),
        /** The TLS handshake failed (an https:// agent's certificate, --agent-ca-file). */
        TLS("tls"),
        /** The agent answered with a status other than 200. */
        HTTP_STATUS("http_status"),
        /** The body was over the limit, declared or as it arrived. */
        TOO_LARGE("too_large"),
        /** The connection was closed or the stream reset before the body ended. */
        CLOSED("closed"),
        /** Anything else. */
        OTHER("other");

        private final String label;

        Failure(String label) {
            this.label = label;
        }

        /** The value of the metrics' {@code reason} label. */
        public String label() {
            return label;
        }
    }
}
