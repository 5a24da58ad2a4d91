package io.gpuscale.adapter.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes a connection whose request does not arrive in time (slowloris). Armed when the connection
 * opens and, on HTTP/1.x, again after each response (idle time plus request time: a keep-alive
 * client may wait before its next request, but not trickle it in forever); disarmed when a
 * request's headers are complete. On HTTP/2 it covers the first request only, then the idle
 * timeout and the per-stream body deadline ({@link BodyReader}) apply.
 */
final class RequestDeadlines {
    private final Vertx vertx;
    private final long requestMillis;
    private final long idleMillis;
    private final Refusals refusals;
    private final ConcurrentHashMap<HttpConnection, Deadline> deadlines = new ConcurrentHashMap<>();

    RequestDeadlines(Vertx vertx, ServerLimits limits, Refusals refusals) {
        this.vertx = vertx;
        this.requestMillis = limits.requestTimeout().toMillis();
        this.idleMillis = limits.idleTimeout().toMillis();
        this.refusals = refusals;
    }

    /** A connection opened: its first request must arrive within the request timeout. */
    void opened(HttpConnection conn) {
        Deadline deadline = new Deadline(conn);
        deadlines.put(conn, deadline);
        deadline.arm(requestMillis);
    }

    /** A request's headers are complete. */
    void requestArrived(HttpServerRequest req) {
        Deadline deadline = deadlines.get(req.connection());
        if (deadline != null) {
            deadline.requestArrived(req);
        }
    }

    /** The connection closed: no deadline is left for it. */
    void closed(HttpConnection conn) {
        Deadline d = deadlines.remove(conn);
        if (d != null) {
            d.cancel();
        }
    }

    /** One connection's deadline. All calls come on the connection's event loop. */
    private final class Deadline {
        private final HttpConnection conn;
        private long timer = -1;
        private int inFlight;

        Deadline(HttpConnection conn) {
            this.conn = conn;
        }

        synchronized void arm(long millis) {
            cancel();
            timer = vertx.setTimer(millis, id -> {
                synchronized (this) {
                    if (timer != id) {
                        return;
                    }
                    timer = -1;
                }
                refusals.refuse(ApiRecorder.Refusal.REQUEST_TIMEOUT);
                conn.close();
            });
        }

        synchronized void cancel() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }

        synchronized void requestArrived(HttpServerRequest req) {
            cancel();
            if (req.version() == HttpVersion.HTTP_2) {
                return;
            }
            inFlight++;
            req.response().endHandler(v -> responded());
        }

        private synchronized void responded() {
            if (--inFlight == 0 && deadlines.containsKey(conn)) {
                arm(idleMillis + requestMillis);
            }
        }
    }
}
