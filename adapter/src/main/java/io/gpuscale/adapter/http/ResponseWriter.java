package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.ApiResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Writes answers: the status code, the body with its media type, and the headers every answer
 * carries ({@code Cache-Control: no-cache, private}, {@code X-Content-Type-Options: nosniff};
 * {@code Allow} on a 405). A response already ended or closed is left alone, so a late answer
 * (after a deadline, a reset stream) is dropped quietly.
 */
final class ResponseWriter {
    private final Set<String> postPaths;

    /** @param postPaths the paths of the POST endpoints, whose 405 answers allow POST rather than GET */
    ResponseWriter(Set<String> postPaths) {
        this.postPaths = Set.copyOf(postPaths);
    }

    void write(HttpServerRequest req, ApiResponse answer) {
        write(req.response(), answer, postPaths.contains(req.path()) ? "POST" : "GET");
    }

    /** Answers and, on HTTP/1.x, closes the connection: what is left of the request is not worth reading. */
    void closeAfter(HttpServerRequest req, ApiResponse answer) {
        if (req.version() != HttpVersion.HTTP_2) {
            req.response().putHeader("Connection", "close");
        }
        write(req, answer);
    }

    /** Renders the answer's document into a cache entry created at {@code createdNanos}. */
    static ResponseCache.Entry render(long createdNanos, ApiResponse answer) {
        return new ResponseCache.Entry(createdNanos, answer.code(), answer.body().contentType(),
                Buffer.buffer(answer.body().render().getBytes(StandardCharsets.UTF_8)),
                answer.body().oldestValueMillis());
    }

    static void write(HttpServerResponse resp, ApiResponse answer, String allow) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        write(resp, render(0, answer), allow);
    }

    static void write(HttpServerResponse resp, ResponseCache.Entry answer) {
        write(resp, answer, "GET");
    }

    static void write(HttpServerResponse resp, ResponseCache.Entry answer, String allow) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        resp.setStatusCode(answer.code())
                .putHeader("Content-Type", answer.contentType())
                .putHeader("Cache-Control", "no-cache, private")
                .putHeader("X-Content-Type-Options", "nosniff");
        if (answer.code() == 405) {
            resp.putHeader("Allow", allow);
        }
        resp.end(answer.body());
    }
}
