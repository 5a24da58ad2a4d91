package io.gpuscale.adapter.auth;

import io.vertx.core.Future;

/** Asks the cluster who a bearer token belongs to (a TokenReview). */
interface TokenReviewer {

    /**
     * The review's answer, completed on the caller's Vert.x context; fails when the cluster could
     * not be asked (a 401 for the request, not cached).
     */
    Future<TokenResult> review(String token);

    /**
     * @param user who the token belongs to, when authenticated
     * @param error the API server's reason when not (never contains the token)
     */
    record TokenResult(boolean authenticated, UserInfo user, String error) {
    }
}
