package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Status;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads a request body whole, within bounds: on HTTP/1.x it must be declared (a Content-Length or
 * chunked encoding, else 411), it may not grow past its limit (413, refused as it arrives, not
 * after), and it must arrive within the request timeout from its headers (else the stream is reset
 * or the connection closed). Each refusal is counted by {@link Refusals}.
 */
final class BodyReader {
    private final Vertx vertx;
    private final long timeoutMillis;
    private final Refusals refusals;
    private final ResponseWriter writer;

    BodyReader(Vertx vertx, ServerLimits limits, Refusals refusals, ResponseWriter writer) {
        this.vertx = vertx;
        this.timeoutMillis = limits.requestTimeout().toMillis();
        this.refusals = refusals;
        this.writer = writer;
    }

    /**
     * Reads the body of a paused request and hands it to {@code whole} on the request's event loop;
     * a refused body is answered here and never handed on.
     */
    void read(HttpServerRequest req, long maxBytes, Consumer<byte[]> whole) {
        if (req.version() != HttpVersion.HTTP_2 && req.getHeader("Content-Length") == null
                && !"chunked".equalsIgnoreCase(req.getHeader("Transfer-Encoding"))) {
            refusals.refuse(ApiRecorder.Refusal.LENGTH_REQUIRED);
            discard(req);
            writer.closeAfter(req, ApiResponse.failure(new Status(411, "LengthRequired",
                    "a request body needs a Content-Length or chunked encoding", null)));
            return;
        }
        List<Buffer> chunks = new ArrayList<>();
        long[] received = {0};
        boolean[] done = {false};
        long timer = vertx.setTimer(timeoutMillis, id -> {
            if (!done[0]) {
                done[0] = true;
                refusals.refuse(ApiRecorder.Refusal.REQUEST_TIMEOUT);
                abort(req);
            }
        });
        req.handler(chunk -> {
            if (done[0]) {
                return;
            }
            received[0] += chunk.length();
            if (received[0] > maxBytes) {
                done[0] = true;
                vertx.cancelTimer(timer);
                refusals.refuse(ApiRecorder.Refusal.BODY_TOO_LARGE);
                chunks.clear();
                writer.closeAfter(req, ApiResponse.failure(Status.entityTooLarge(maxBytes)));
                return;
            }
            chunks.add(chunk);
        });
        req.exceptionHandler(e -> {
            done[0] = true;
            vertx.cancelTimer(timer);
        });
        req.endHandler(v -> {
            if (done[0]) {
                return;
            }
            done[0] = true;
            vertx.cancelTimer(timer);
            byte[] body = new byte[(int) received[0]];
            int at = 0;
            for (Buffer b : chunks) {
                b.getBytes(body, at);
                at += b.length();
            }
            whole.accept(body);
        });
        req.resume();
    }

    /** Drops a body that will not be read, so that the connection is not left paused. */
    static void discard(HttpServerRequest req) {
        req.handler(b -> {
        });
        req.resume();
    }

    /** A request that did not arrive in time: the stream is reset (HTTP/2) or the connection closed. */
    private static void abort(HttpServerRequest req) {
        if (req.version() == HttpVersion.HTTP_2) {
            req.response().reset();
        } else {
            req.connection().close();
        }
    }
}
