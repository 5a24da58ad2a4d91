package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.MetricsApi;
import io.gpuscale.adapter.api.PlainText;
import io.gpuscale.adapter.api.Status;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Clock;

/**
 * Answers the requests that are not for a {@link PostEndpoint}: with {@link MetricsApi#handle}, on
 * the event loop or, for a backend that may block, on a worker thread; successful and not-found
 * answers to GETs are rendered once and shared by identical requests for a short time
 * ({@link ResponseCache}). A server without a metrics API serves only the health checks.
 */
final class GetAnswers {
    private final Vertx vertx;
    private final MetricsApi api;
    private final Clock clock;
    private final boolean blockingBackend;
    private final ApiRecorder recorder;
    private final InternalErrors errors;
    private final ResponseCache cache = new ResponseCache(ResponseCache.DEFAULT_TTL);

    /** @param api null for a server of POST endpoints only */
    GetAnswers(Vertx vertx, MetricsApi api, Clock clock, boolean blockingBackend, ApiRecorder recorder,
            InternalErrors errors) {
        this.vertx = vertx;
        this.api = api;
        this.clock = clock;
        this.blockingBackend = blockingBackend;
        this.recorder = recorder;
        this.errors = errors;
    }

    /** Answers an admitted request. */
    void answer(HttpServerRequest req, String method, String path, String query) {
        if (api == null) {
            ResponseWriter.write(req.response(), healthOnly(method, path), "GET");
            return;
        }
        String key = ResponseCache.key(method, path, query);
        ResponseCache.Entry cached = cache.get(key, System.nanoTime());
        if (cached != null) {
            serve(req.response(), cached);
            return;
        }
        if (!blockingBackend) {
            serve(req.response(), render(key, method, compute(method, path, query)));
            return;
        }
        Future<ResponseCache.Entry> f = vertx.executeBlocking(
                () -> render(key, method, compute(method, path, query)), false);
        f.onComplete(r -> serve(req.response(), r.succeeded() ? r.result()
                : render(key, "", ApiResponse.failure(Status.internalError()))));
    }

    private ApiResponse compute(String method, String path, String query) {
        try {
            return api.handle(method, path, query, clock.instant());
        } catch (RuntimeException e) {
            return errors.failed("metrics API on " + method + " " + path, e);
        }
    }

    /** Renders an answer once; successful and not-found answers to GETs are kept for identical requests. */
    private ResponseCache.Entry render(String key, String method, ApiResponse answer) {
        ResponseCache.Entry entry = ResponseWriter.render(System.nanoTime(), answer);
        if ("GET".equals(method) && (answer.code() == 200 || answer.code() == 404)) {
            cache.put(key, entry);
        }
        return entry;
    }

    /** Writes a GET's answer, telling the recorder how old the values in it are. */
    private void serve(HttpServerResponse resp, ResponseCache.Entry entry) {
        if (entry.oldestValueMillis() != ResponseCache.Entry.NO_VALUES && !resp.ended() && !resp.closed()) {
            recorder.served(Math.max(0, clock.millis() - entry.oldestValueMillis()));
        }
        ResponseWriter.write(resp, entry);
    }

    /** A server without the metrics API: health checks, and 404 for every other GET path. */
    private static ApiResponse healthOnly(String method, String path) {
        if (!path.equals("/healthz") && !path.equals("/livez") && !path.equals("/readyz")) {
            return ApiResponse.failure(Status.pathNotFound());
        }
        if (!"GET".equals(method)) {
            return ApiResponse.failure(Status.methodNotAllowed(method));
        }
        return ApiResponse.ok(new PlainText("ok"));
    }
}
