package io.gpuscale.adapter.auth;

import io.gpuscale.common.testing.KubeApiStandIn;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The kube-apiserver stand-in set up for an extension apiserver's delegated authentication and
 * authorization: {@code kube-system/extension-apiserver-authentication} to list and watch (by name
 * only, as the adapter's RBAC allows), TokenReviews answered from a table of tokens, and
 * SubjectAccessReviews answered by a policy. It keeps every review it received, so tests can tell
 * a cached answer from a new review.
 */
final class AuthApiStandIn implements AutoCloseable {
    private final KubeApiStandIn api = new KubeApiStandIn()
            .onlyWithFieldSelector("configmaps", "metadata.name=extension-apiserver-authentication")
            .onCreate("/apis/authentication.k8s.io/v1/tokenreviews", this::tokenReview)
            .onCreate("/apis/authorization.k8s.io/v1/subjectaccessreviews", this::accessReview);
    private final Map<String, JsonObject> tokens = new ConcurrentHashMap<>();
    private final List<JsonObject> tokenReviews = new ArrayList<>();
    private final List<JsonObject> accessReviews = new ArrayList<>();
    private volatile Predicate<JsonObject> policy = spec -> false;
    private volatile boolean reviewsFail;

    /** A client of this server, without credentials (it checks none). */
    ApiClient client() {
        return new ClientBuilder().setBasePath(api.url()).build();
    }

    /** Creates or replaces the ConfigMap, telling open watches. */
    void putConfigMap(Map<String, String> data) {
        JsonObject d = new JsonObject();
        data.forEach(d::put);
        api.put(new JsonObject().put("apiVersion", "v1").put("kind", "ConfigMap")
                .put("metadata", new JsonObject().put("namespace", "kube-system")
                        .put("name", "extension-apiserver-authentication"))
                .put("data", d));
    }

    /** The token authenticates this user with these groups. */
    void addToken(String token, String user, String... groups) {
        tokens.put(token, new JsonObject().put("username", user).put("uid", "uid-" + user)
                .put("groups", new JsonArray(List.of((Object[]) groups))));
    }

    /** Decides SubjectAccessReviews from their spec. */
    void policy(Predicate<JsonObject> allowed) {
        this.policy = allowed;
    }

    /** Makes every review answer 500, as an overloaded API server does. */
    void reviewsFail(boolean fail) {
        this.reviewsFail = fail;
    }

    synchronized List<JsonObject> accessReviews() {
        return List.copyOf(accessReviews);
    }

    synchronized int tokenReviews() {
        return tokenReviews.size();
    }

    /** The tokens of every TokenReview received, in order. */
    synchronized List<String> reviewedTokens() {
        return tokenReviews.stream().map(r -> r.getString("token")).toList();
    }

    int openWatches() {
        return api.openWatches();
    }

    private synchronized JsonObject tokenReview(JsonObject review) {
        JsonObject spec = review.getJsonObject("spec", new JsonObject());
        tokenReviews.add(spec);
        if (reviewsFail) {
            return null;
        }
        JsonObject user = tokens.get(spec.getString("token", ""));
        JsonObject status = user != null ? new JsonObject().put("authenticated", true).put("user", user)
                : new JsonObject().put("authenticated", false).put("error", "invalid bearer token");
        return review.copy().put("status", status);
    }

    private synchronized JsonObject accessReview(JsonObject review) {
        JsonObject spec = review.getJsonObject("spec", new JsonObject());
        accessReviews.add(spec);
        if (reviewsFail) {
            return null;
        }
        // kube-apiserver's RBAC gives no reason when nothing matched, so neither does this
        return review.copy().put("status", new JsonObject().put("allowed", policy.test(spec)));
    }

    @Override
    public void close() {
        api.close();
    }
}
