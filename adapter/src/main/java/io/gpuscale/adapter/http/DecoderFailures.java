package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Status;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

/**
 * Answers a request Netty could not decode: an over-long request line (414), over-large headers
 * (431), or garbage (400), each a {@link Status}; on HTTP/1.x the connection is then closed.
 */
final class DecoderFailures {
    private final Refusals refusals;

    DecoderFailures(Refusals refusals) {
        this.refusals = refusals;
    }

    /** The server's invalid-request handler. */
    void answer(HttpServerRequest req) {
        Throwable cause = req.decoderResult().cause();
        Status status;
        if (cause instanceof TooLongHttpLineException) {
            status = new Status(414, "RequestURITooLong", "the request line is too long", null);
            refusals.undecodable(ApiRecorder.Refusal.URI_TOO_LONG);
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = new Status(431, "RequestHeaderFieldsTooLarge", "the request headers are too large", null);
            refusals.undecodable(ApiRecorder.Refusal.HEADERS_TOO_LARGE);
        } else {
            status = Status.badRequest("malformed HTTP request");
            refusals.undecodable(ApiRecorder.Refusal.MALFORMED);
        }
        HttpServerResponse resp = req.response();
        if (resp.ended() || resp.closed()) {
            return;
        }
        if (req.version() != HttpVersion.HTTP_2) {
            resp.putHeader("Connection", "close");
        }
        ResponseWriter.write(resp, ApiResponse.failure(status), "GET");
    }
}
