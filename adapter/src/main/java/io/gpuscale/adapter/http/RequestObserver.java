package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.RequestKind;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Set;

/** Tells the {@link ApiRecorder} that a request arrived, and when it is answered or abandoned. */
final class RequestObserver {
    private final ApiRecorder recorder;
    private final Set<String> postPaths;

    RequestObserver(ApiRecorder recorder, Set<String> postPaths) {
        this.recorder = recorder;
        this.postPaths = Set.copyOf(postPaths);
    }

    /**
     * Starts observing a request whose headers just arrived. Its end is told exactly once: the
     * response's handlers run on the request's event loop.
     */
    void observe(HttpServerRequest req, String method, String path) {
        if (recorder == ApiRecorder.NONE) {
            return;
        }
        long start = System.nanoTime();
        RequestKind kind = RequestKind.of(method, path, postPaths);
        HttpServerResponse resp = req.response();
        boolean[] finished = {false};
        recorder.started();
        resp.bodyEndHandler(v -> {
            if (!finished[0]) {
                finished[0] = true;
                recorder.finished(kind, resp.getStatusCode(), System.nanoTime() - start);
            }
        });
        resp.closeHandler(v -> {
            if (!finished[0]) {
                finished[0] = true;
                recorder.finished(kind, 0, System.nanoTime() - start);
            }
        });
    }
}
