package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.RequestKind;

/**
 * What {@link ApiServer} tells the adapter's own metrics, at the edges of each request: when it
 * arrives, how it was answered, which limit refused it, how old the values it served were. Calls
 * come on the server's event loops and must not block; {@link #NONE} records nothing.
 */
public interface ApiRecorder {
    ApiRecorder NONE = new ApiRecorder() {
    };

    /** A request's headers arrived (it is in flight until {@link #finished}). */
    default void started() {
    }

    /**
     * A request was answered, or abandoned (its connection closed or stream reset first).
     *
     * @param code the status code answered; 0 when none was
     * @param nanos from its arrival to the end of the answer
     */
    default void finished(RequestKind kind, int code, long nanos) {
    }

    /** A request or connection was refused by a limit, before the gate and the API. */
    default void refused(Refusal reason) {
    }

    /**
     * An answer carried metric values; {@code ageMillis} is how old the oldest of them was when
     * served (now minus its timestamp), the age an HPA acts on.
     */
    default void served(long ageMillis) {
    }

    /** Why a limit refused a request. */
    enum Refusal {
        /** 429: over the per-client request rate. */
        RATE_LIMIT("rate_limit"),
        /** 413: a body over the limit, declared or as it arrived. */
        BODY_TOO_LARGE("body_too_large"),
        /** 431: request headers over the limit. */
        HEADERS_TOO_LARGE("headers_too_large"),
        /** 414: a path, query or request line over the limit. */
        URI_TOO_LONG("uri_too_long"),
        /** 411: a body with neither Content-Length nor chunked encoding. */
        LENGTH_REQUIRED("length_required"),
        /** 400: an invalid Content-Length or a request the HTTP decoder could not read. */
        MALFORMED("malformed"),
        /** Closed: the request (headers or body) did not arrive within the deadline. */
        REQUEST_TIMEOUT("request_timeout"),
        /** Closed at connect: the client holds its maximum of connections. */
        CONNECTION_LIMIT("connection_limit");

        private final String label;

        Refusal(String label) {
            this.label = label;
        }

        /** The value of the metrics' {@code reason} label. */
        public String label() {
            return label;
        }
    }
}
