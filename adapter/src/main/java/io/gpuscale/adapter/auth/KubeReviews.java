package io.gpuscale.adapter.auth;

import io.kubernetes.client.openapi.ApiCallback;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AuthenticationV1Api;
import io.kubernetes.client.openapi.apis.AuthorizationV1Api;
import io.kubernetes.client.openapi.models.V1NonResourceAttributes;
import io.kubernetes.client.openapi.models.V1ResourceAttributes;
import io.kubernetes.client.openapi.models.V1SubjectAccessReview;
import io.kubernetes.client.openapi.models.V1SubjectAccessReviewSpec;
import io.kubernetes.client.openapi.models.V1SubjectAccessReviewStatus;
import io.kubernetes.client.openapi.models.V1TokenReview;
import io.kubernetes.client.openapi.models.V1TokenReviewSpec;
import io.kubernetes.client.openapi.models.V1TokenReviewStatus;
import io.kubernetes.client.openapi.models.V1UserInfo;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import okhttp3.Dispatcher;

/**
 * TokenReviews ({@code authentication.k8s.io/v1}) and SubjectAccessReviews
 * ({@code authorization.k8s.io/v1}) through the official client's asynchronous calls, so no
 * event-loop or worker thread waits on the API server. Each call is bounded by
 * {@link #TIMEOUT}, as kube-apiserver's webhook clients are.
 */
final class KubeReviews implements TokenReviewer, AccessReviewer {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** OkHttp allows 5 concurrent calls per host by default; reviews of a busy minute need more. */
    private static final int MAX_CONCURRENT = 64;

    private final AuthenticationV1Api authentication;
    private final AuthorizationV1Api authorization;

    /** Takes over {@code client}: its HTTP client is replaced by one with the reviews' timeout and concurrency. */
    KubeReviews(ApiClient client) {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(MAX_CONCURRENT);
        dispatcher.setMaxRequestsPerHost(MAX_CONCURRENT);
        client.setHttpClient(client.getHttpClient().newBuilder().dispatcher(dispatcher).callTimeout(TIMEOUT)
                .readTimeout(TIMEOUT).build());
        this.authentication = new AuthenticationV1Api(client);
        this.authorization = new AuthorizationV1Api(client);
    }

    @Override
    public Future<TokenResult> review(String token) {
        Promise<TokenResult> promise = Promise.promise();
        Context context = Vertx.currentContext();
        V1TokenReview body = new V1TokenReview().apiVersion("authentication.k8s.io/v1").kind("TokenReview")
                .spec(new V1TokenReviewSpec().token(token));
        try {
            authentication.createTokenReview(body).executeAsync(new Callback<>("TokenReview", context, promise, KubeReviews::token));
        } catch (ApiException e) {
            return Future.failedFuture(new ReviewException("TokenReview", e));
        }
        return promise.future();
    }

    @Override
    public Future<Decision> review(UserInfo user, RequestAttributes attributes) {
        Promise<Decision> promise = Promise.promise();
        Context context = Vertx.currentContext();
        try {
            authorization.createSubjectAccessReview(subjectAccessReview(user, attributes))
                    .executeAsync(new Callback<>("SubjectAccessReview", context, promise, KubeReviews::decision));
        } catch (ApiException e) {
            return Future.failedFuture(new ReviewException("SubjectAccessReview", e));
        }
        return promise.future();
    }

    /** The review kube-apiserver's delegating authorizer would send for this request. */
    static V1SubjectAccessReview subjectAccessReview(UserInfo user, RequestAttributes a) {
        V1SubjectAccessReviewSpec spec = new V1SubjectAccessReviewSpec().user(user.name()).groups(user.groups());
        if (!user.uid().isEmpty()) {
            spec.uid(user.uid());
        }
        if (!user.extra().isEmpty()) {
            spec.extra(new HashMap<>(user.extra()));
        }
        if (a.resourceRequest()) {
            spec.resourceAttributes(new V1ResourceAttributes().verb(a.verb()).group(a.group()).version(a.version())
                    .resource(a.resource()).subresource(a.subresource()).namespace(a.namespace()).name(a.name()));
        } else {
            spec.nonResourceAttributes(new V1NonResourceAttributes().verb(a.verb()).path(a.path()));
        }
        return new V1SubjectAccessReview().apiVersion("authorization.k8s.io/v1").kind("SubjectAccessReview")
                .spec(spec);
    }

    private static TokenResult token(V1TokenReview review) {
        V1TokenReviewStatus status = review.getStatus();
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated()) || status.getUser() == null
                || status.getUser().getUsername() == null || status.getUser().getUsername().isEmpty()) {
            return new TokenResult(false, null, status == null || status.getError() == null ? "" : status.getError());
        }
        V1UserInfo u = status.getUser();
        Map<String, List<String>> extra = u.getExtra() == null ? Map.of() : u.getExtra();
        return new TokenResult(true, new UserInfo(u.getUsername(), u.getUid(),
                u.getGroups() == null ? List.of() : u.getGroups(), extra), "");
    }

    private static Decision decision(V1SubjectAccessReview review) {
        V1SubjectAccessReviewStatus status = review.getStatus();
        if (status == null) {
            return new Decision(false, "");
        }
        String reason = status.getReason() == null ? "" : status.getReason();
        return new Decision(Boolean.TRUE.equals(status.getAllowed()) && !Boolean.TRUE.equals(status.getDenied()),
                reason);
    }

    /** A review that could not be made; its message has the status code, never a response body. */
    static final class ReviewException extends Exception {
        private static final long serialVersionUID = 1L;

        ReviewException(String what, ApiException e) {
            super(what + " failed: " + (e.getCode() != 0 ? "HTTP " + e.getCode()
                    : e.getCause() != null ? e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage()
                    : "no response"));
        }
    }

    /** Completes a promise from OkHttp's thread on the Vert.x context the review was started on. */
    private static final class Callback<T, R> implements ApiCallback<T> {
        private final String what;
        private final Context context;
        private final Promise<R> promise;
        private final java.util.function.Function<T, R> convert;

        Callback(String what, Context context, Promise<R> promise, java.util.function.Function<T, R> convert) {
            this.what = what;
            this.context = context;
            this.promise = promise;
            this.convert = convert;
        }

        @Override
        public void onFailure(ApiException e, int statusCode, Map<String, List<String>> responseHeaders) {
            complete(() -> promise.fail(new ReviewException(what, e)));
        }

        @Override
        public void onSuccess(T result, int statusCode, Map<String, List<String>> responseHeaders) {
            R converted;
            try {
                converted = convert.apply(result);
            } catch (RuntimeException e) {
                complete(() -> promise.fail(e));
                return;
            }
            complete(() -> promise.complete(converted));
        }

        @Override
        public void onUploadProgress(long bytesWritten, long contentLength, boolean done) {
        }

        @Override
        public void onDownloadProgress(long bytesRead, long contentLength, boolean done) {
        }

        private void complete(Runnable r) {
            if (context != null) {
                context.runOnContext(v -> r.run());
            } else {
                r.run();
            }
        }
    }
}
