package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Status;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The limits a request is held to once its headers are in, before the gate: the length of its
 * path and query (414), its declared body size (400 for an invalid Content-Length, 413), and the
 * per-client request rate (429 with {@code Retry-After}). Each refusal is a {@link Status}.
 */
final class RequestLimits {
    private final ServerLimits limits;
    private final Map<String, PostEndpoint> posts;
    private final ClientRateLimiter rate;

    RequestLimits(ServerLimits limits, Map<String, PostEndpoint> posts) {
        this.limits = limits;
        this.posts = posts;
        this.rate = limits.rateLimited()
                ? new ClientRateLimiter(limits.requestsPerSecondPerClient(), limits.burstPerClient()) : null;
    }

    /** The refusal for a request over a limit; null when it is within them all. */
    ApiResponse check(HttpServerRequest req, String path, String query) {
        int queryLength = query == null ? 0 : query.length() + 1;
        if (path.length() + queryLength > limits.maxUriBytes()) {
            return ApiResponse.failure(Status.uriTooLong(limits.maxUriBytes()));
        }
        if (queryLength > limits.maxQueryBytes() + 1) {
            return ApiResponse.failure(new Status(414, "RequestURITooLong",
                    "the request query is longer than " + limits.maxQueryBytes() + " bytes", null));
        }
        String length = req.getHeader("Content-Length");
        if (length != null) {
            long declared = contentLength(length);
            if (declared < 0) {
                return ApiResponse.failure(Status.badRequest("invalid Content-Length"));
            }
            PostEndpoint post = posts.get(path);
            long max = post != null && "POST".equals(req.method().name()) ? post.maxBodyBytes() : limits.maxBodyBytes();
            if (declared > max) {
                return ApiResponse.failure(Status.entityTooLarge(max));
            }
        }
        if (rate != null) {
            long waitNanos = rate.acquire(ClientAddress.of(req.remoteAddress()), System.nanoTime());
            if (waitNanos > 0) {
                long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + 999_999_999L));
                req.response().putHeader("Retry-After", Long.toString(seconds));
                return new ApiResponse(429, new Status(429, "TooManyRequests",
                        "too many requests from this client, please try again later", null));
            }
        }
        return null;
    }

    /** A Content-Length's value; -1 when it is not a number, {@link Long#MAX_VALUE} when it is too large for one. */
    static long contentLength(String text) {
        String t = text.trim();
        if (t.isEmpty() || t.length() > 18) {
            return t.length() > 18 && t.chars().allMatch(Character::isDigit) ? Long.MAX_VALUE : -1;
        }
        for (int i = 0; i < t.length(); i++) {
            if (!Character.isDigit(t.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(t);
    }
}
