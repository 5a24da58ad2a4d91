package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Status;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.time.Clock;
import java.util.Map;

/**
 * The order every request passes in, once its headers are in: its connection's deadline is
 * disarmed, the recorder told, the {@link RequestLimits} checked, then the {@link RequestGate}
 * asked (cached answers too go through it), and only then is it answered: a POST to a
 * {@link PostEndpoint}'s path has its body read ({@link BodyReader}) and is answered on a worker
 * thread, everything else goes to {@link GetAnswers}.
 */
final class RequestPipeline {
    private final Vertx vertx;
    private final Map<String, PostEndpoint> posts;
    private final RequestGate gate;
    private final Clock clock;
    private final RequestDeadlines deadlines;
    private final RequestObserver observer;
    private final RequestLimits limits;
    private final Refusals refusals;
    private final InternalErrors errors;
    private final BodyReader bodies;
    private final ResponseWriter writer;
    private final GetAnswers gets;

    RequestPipeline(Vertx vertx, Map<String, PostEndpoint> posts, RequestGate gate, Clock clock,
            RequestDeadlines deadlines, RequestObserver observer, RequestLimits limits, Refusals refusals,
            InternalErrors errors, BodyReader bodies, ResponseWriter writer, GetAnswers gets) {
        this.vertx = vertx;
        this.posts = posts;
        this.gate = gate;
        this.clock = clock;
        this.deadlines = deadlines;
        this.observer = observer;
        this.limits = limits;
        this.refusals = refusals;
        this.errors = errors;
        this.bodies = bodies;
        this.writer = writer;
        this.gets = gets;
    }

    /** The server's request handler. */
    void handle(HttpServerRequest req) {
        deadlines.requestArrived(req);
        String method = req.method().name();
        String path = req.path();
        String query = req.query();
        observer.observe(req, method, path);
        ApiResponse limit = limits.check(req, path, query);
        if (limit != null) {
            refusals.refuse(Refusals.of(limit.code()));
            writer.closeAfter(req, limit);
            return;
        }
        PostEndpoint post = posts.get(path);
        boolean readsBody = post != null && "POST".equals(method);
        if (readsBody) {
            req.pause(); // hold the body while the gate decides
        }
        Future<ApiResponse> admitted;
        try {
            admitted = gate.admit(req);
        } catch (RuntimeException e) {
            admitted = Future.failedFuture(e);
        }
        // A gate that answers later (a review over the network) may complete on another thread: the
        // rest runs back on the connection's event loop, where the request's handlers and timers live.
        Context connection = Vertx.currentContext();
        admitted.onComplete(ar -> {
            ApiResponse refusal = ar.succeeded() ? ar.result() : errors.gateFailed(ar.cause());
            if (connection == null || Vertx.currentContext() == connection) {
                admitted(req, refusal, post, readsBody, method, path, query);
            } else {
                connection.runOnContext(v -> admitted(req, refusal, post, readsBody, method, path, query));
            }
        });
    }

    private void admitted(HttpServerRequest req, ApiResponse refusal, PostEndpoint post, boolean readsBody,
            String method, String path, String query) {
        if (refusal != null) {
            if (readsBody) {
                BodyReader.discard(req);
            }
            writer.write(req, refusal);
        } else if (post != null) {
            if (readsBody) {
                String contentType = req.getHeader("Content-Type");
                bodies.read(req, post.maxBodyBytes(), body -> vertx
                        .executeBlocking(() -> answerPost(post, contentType, body), false)
                        .onComplete(r -> writer.write(req, r.succeeded() ? r.result()
                                : ApiResponse.failure(Status.internalError()))));
            } else {
                writer.write(req, ApiResponse.failure(Status.methodNotAllowed(method)));
            }
        } else {
            gets.answer(req, method, path, query);
        }
    }

    private ApiResponse answerPost(PostEndpoint post, String contentType, byte[] body) {
        try {
            return post.handle(contentType, body, clock.instant());
        } catch (RuntimeException e) {
            return errors.failed("POST " + post.path(), e);
        }
    }
}
