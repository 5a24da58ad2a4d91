package io.gpuscale.adapter.auth;

import io.vertx.core.Future;

/** Asks the cluster whether a user may do what a request asks (a SubjectAccessReview). */
interface AccessReviewer {

    /**
     * The review's answer, completed on the caller's Vert.x context; fails when the cluster could
     * not be asked (a 500 for the request, not cached).
     */
    Future<Decision> review(UserInfo user, RequestAttributes attributes);

    /** The authorizer's answer, with its reason ({@code ""} when it gave none). */
    record Decision(boolean allowed, String reason) {
    }
}
