package io.gpuscale.adapter.api;

/** A response body: one of the API's JSON documents, or the plain text of a health check. */
public interface Document {
    /** What {@link #oldestValueMillis()} answers for a document without metric values. */
    long NO_VALUES = Long.MIN_VALUE;

    /** The media type it is served as. */
    default String contentType() {
        return "application/json";
    }

    /** The body as sent. */
    String render();

    /**
     * The timestamp (epoch milliseconds) of the oldest metric value it carries, the age an HPA acts
     * on; {@link #NO_VALUES} when it carries none (a failure, discovery, health, an empty list).
     */
    default long oldestValueMillis() {
        return NO_VALUES;
    }
}
