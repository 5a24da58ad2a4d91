package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.MetricsApi;
import io.gpuscale.adapter.api.Status;
import java.time.Duration;

/**
 * What one client may ask of an {@link ApiServer}: sizes of a request's parts, how fast it must
 * arrive, how often a client may ask and over how many connections. Every server the adapter runs
 * (the metrics APIs, the scheduler extender) takes the same record, so they are hardened alike.
 *
 * <p>Behind kube-apiserver every request comes from the apiserver's own address, so the per-client
 * rate and connection caps are per apiserver replica, not per user: the defaults are generous and
 * stop a runaway or hostile direct caller, not the cluster's normal traffic.
 *
 * @param maxHeaderBytes the request headers, all together (HTTP/1.1) or as a header list (HTTP/2);
 *        more is answered 431 and the connection closed
 * @param maxUriBytes the path and query together; more is a 414 {@link Status}
 * @param maxQueryBytes the query alone (label selectors live there); more is a 414 {@link Status}
 * @param maxBodyBytes the body of a request to a path that takes none (a GET's body is ignored but
 *        still bounded); a {@link PostEndpoint} sets its own
 * @param idleTimeout a connection that sends and receives nothing for this long is closed
 * @param requestTimeout the time a client has to send a whole request: from the connection's start
 *        (TLS handshake included) to the end of the first request's headers, from a response to
 *        the end of the next request's headers (plus {@code idleTimeout}), and for a body from its
 *        headers to its last byte. A slow client (slowloris) is cut off when it runs out
 * @param requestsPerSecondPerClient sustained requests per second from one remote address; 0 turns
 *        the rate limit off
 * @param burstPerClient requests one remote address may send at once above the sustained rate
 * @param maxConnectionsPerClient open connections from one remote address; 0 for no cap
 */
public record ServerLimits(int maxHeaderBytes, int maxUriBytes, int maxQueryBytes, long maxBodyBytes,
        Duration idleTimeout, Duration requestTimeout, double requestsPerSecondPerClient, int burstPerClient,
        int maxConnectionsPerClient) {

    public static final int DEFAULT_MAX_HEADER_BYTES = 32 * 1024;
    public static final int DEFAULT_MAX_URI_BYTES = MetricsApi.MAX_URI_LENGTH;
    public static final int DEFAULT_MAX_QUERY_BYTES = 4096;
    public static final long DEFAULT_MAX_BODY_BYTES = 64 * 1024;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);
    /** Like kube-apiserver's ReadHeaderTimeout (32 s). */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final double DEFAULT_REQUESTS_PER_SECOND_PER_CLIENT = 200;
    public static final int DEFAULT_BURST_PER_CLIENT = 400;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 256;

    /** The production defaults. */
    public static final ServerLimits DEFAULTS = new ServerLimits(DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_URI_BYTES,
            DEFAULT_MAX_QUERY_BYTES, DEFAULT_MAX_BODY_BYTES, DEFAULT_IDLE_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
            DEFAULT_REQUESTS_PER_SECOND_PER_CLIENT, DEFAULT_BURST_PER_CLIENT, DEFAULT_MAX_CONNECTIONS_PER_CLIENT);

    /** @throws IllegalArgumentException naming the first value that is out of range */
    public ServerLimits {
        if (maxHeaderBytes < 1024 || maxHeaderBytes > 1024 * 1024) {
            throw new IllegalArgumentException("max header bytes " + maxHeaderBytes + " is outside 1KiB to 1MiB");
        }
        if (maxUriBytes < 256 || maxUriBytes > 1024 * 1024) {
            throw new IllegalArgumentException("max URI bytes " + maxUriBytes + " is outside 256 to 1MiB");
        }
        if (maxQueryBytes < 0 || maxQueryBytes > maxUriBytes) {
            throw new IllegalArgumentException("max query bytes " + maxQueryBytes + " is outside 0 to the max URI bytes "
                    + maxUriBytes);
        }
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("max body bytes " + maxBodyBytes + " is negative");
        }
        requirePositive("idle timeout", idleTimeout);
        requirePositive("request timeout", requestTimeout);
        if (!(requestsPerSecondPerClient >= 0) || Double.isInfinite(requestsPerSecondPerClient)) {
            throw new IllegalArgumentException("requests per second per client " + requestsPerSecondPerClient
                    + " is not a number >= 0");
        }
        if (requestsPerSecondPerClient > 0 && burstPerClient < 1) {
            throw new IllegalArgumentException("burst per client " + burstPerClient + " must be at least 1");
        }
        if (maxConnectionsPerClient < 0) {
            throw new IllegalArgumentException("max connections per client " + maxConnectionsPerClient
                    + " is negative");
        }
    }

    private static void requirePositive(String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " " + d + " must be positive");
        }
    }

    /** Whether the per-client request rate is limited. */
    public boolean rateLimited() {
        return requestsPerSecondPerClient > 0;
    }

    public ServerLimits withRequestTimeout(Duration timeout) {
        return new ServerLimits(maxHeaderBytes, maxUriBytes, maxQueryBytes, maxBodyBytes, idleTimeout, timeout,
                requestsPerSecondPerClient, burstPerClient, maxConnectionsPerClient);
    }

    public ServerLimits withIdleTimeout(Duration timeout) {
        return new ServerLimits(maxHeaderBytes, maxUriBytes, maxQueryBytes, maxBodyBytes, timeout, requestTimeout,
                requestsPerSecondPerClient, burstPerClient, maxConnectionsPerClient);
    }

    public ServerLimits withRate(double perSecond, int burst) {
        return new ServerLimits(maxHeaderBytes, maxUriBytes, maxQueryBytes, maxBodyBytes, idleTimeout, requestTimeout,
                perSecond, burst, maxConnectionsPerClient);
    }

    public ServerLimits withMaxHeaderBytes(int bytes) {
        return new ServerLimits(bytes, maxUriBytes, maxQueryBytes, maxBodyBytes, idleTimeout, requestTimeout,
                requestsPerSecondPerClient, burstPerClient, maxConnectionsPerClient);
    }

    public ServerLimits withMaxConnectionsPerClient(int connections) {
        return new ServerLimits(maxHeaderBytes, maxUriBytes, maxQueryBytes, maxBodyBytes, idleTimeout, requestTimeout,
                requestsPerSecondPerClient, burstPerClient, connections);
    }
}
