package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Status;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * Decides, before anything else runs, whether a request may be served: authentication, then
 * authorization. {@link ApiServer} asks it for every request, cached
 * answers included.
 */
public interface RequestGate {

    /** Serves everyone: {@code --authentication-mode=None --authorization-mode=AlwaysAllow}. */
    RequestGate ALLOW_ALL = request -> Future.succeededFuture();

    /**
     * Completes with {@code null} when the request may be served, or with the answer to send instead
     * (a 401 or 403 {@link Status}). The future never fails: an error while
     * deciding is itself answered (500, or 401/403 as Kubernetes does).
     */
    Future<ApiResponse> admit(HttpServerRequest request);

    /**
     * Whether the TLS handshake should ask clients for a certificate. The gate then verifies the
     * presented chain itself, per request, against the CA bundles current at that moment.
     */
    default boolean requestsClientCertificates() {
        return false;
    }
}
