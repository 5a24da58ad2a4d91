package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Status;
import java.time.Instant;

/**
 * An endpoint that takes a request body ({@code POST}): the advisor's explain and the scheduler
 * extender's verbs. {@link ApiServer} reads the body (bounded by {@link #maxBodyBytes()}), runs
 * the request through its gate and limits like any other, and hands the bytes here.
 */
public interface PostEndpoint {

    /** The exact path served, e.g. {@code /advisor/v1/explain}. */
    String path();

    /** The largest body accepted; a larger one is answered 413 without being read. */
    long maxBodyBytes();

    /**
     * Answers one request. Malformed input is a 400 {@link Status}; this never throws for bad
     * input.
     *
     * @param contentType the request's Content-Type, or null
     * @param body the whole body
     */
    ApiResponse handle(String contentType, byte[] body, Instant now);
}
