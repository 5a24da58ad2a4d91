package io.gpuscale.adapter.auth;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A stand-in for the parts of kube-apiserver an extension apiserver's delegated authentication
 * and authorization use, on a random loopback port: list and watch of
 * {@code kube-system/extension-apiserver-authentication} (one JSON event a line on a chunked
 * response, as the official client reads a watch), TokenReviews answered from a table of tokens,
 * and SubjectAccessReviews answered by a policy. It keeps every review it received, so tests can
 * tell a cached answer from a new review.
 */
final class AuthApiStandIn implements AutoCloseable {
    private static final String CONFIGMAPS = "/api/v1/namespaces/kube-system/configmaps";

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final Map<String, JsonObject> tokens = new ConcurrentHashMap<>();
    private final List<JsonObject> tokenReviews = new ArrayList<>();
    private final List<JsonObject> accessReviews = new ArrayList<>();
    private final List<String> watchEvents = new ArrayList<>();
    private final Set<HttpServerResponse> watchers = new HashSet<>();
    private volatile Predicate<JsonObject> policy = spec -> false;
    private volatile boolean reviewsFail;
    private JsonObject configMap;
    private long resourceVersion = 1;

    AuthApiStandIn() {
        this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").await();
    }

    /** A client of this server, without credentials (it checks none). */
    ApiClient client() {
        return new ClientBuilder().setBasePath("http://127.0.0.1:" + server.actualPort()).build();
    }

    /** Creates or replaces the ConfigMap, telling open watches. */
    synchronized void putConfigMap(Map<String, String> data) {
        JsonObject d = new JsonObject();
        data.forEach(d::put);
        String type = configMap == null ? "ADDED" : "MODIFIED";
        configMap = new JsonObject().put("apiVersion", "v1").put("kind", "ConfigMap")
                .put("metadata", new JsonObject().put("namespace", "kube-system")
                        .put("name", "extension-apiserver-authentication")
                        .put("resourceVersion", String.valueOf(++resourceVersion)))
                .put("data", d);
        String event = new JsonObject().put("type", type).put("object", configMap).encode() + "\n";
        watchEvents.add(event);
        watchers.forEach(w -> w.write(event));
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

    synchronized int openWatches() {
        return watchers.size();
    }

    private synchronized void handle(HttpServerRequest request) {
        HttpServerResponse response = request.response().putHeader("Content-Type", "application/json");
        String path = request.path();
        if (path.equals(CONFIGMAPS) && request.method().name().equals("GET")) {
            configMaps(request, response);
            return;
        }
        if (path.equals("/apis/authentication.k8s.io/v1/tokenreviews") && request.method().name().equals("POST")) {
            request.body().onSuccess(b -> tokenReview(b.toJsonObject(), response));
            return;
        }
        if (path.equals("/apis/authorization.k8s.io/v1/subjectaccessreviews")
                && request.method().name().equals("POST")) {
            request.body().onSuccess(b -> accessReview(b.toJsonObject(), response));
            return;
        }
        response.setStatusCode(404).end(status(404, "NotFound").encode());
    }

    private void configMaps(HttpServerRequest request, HttpServerResponse response) {
        if (!"metadata.name=extension-apiserver-authentication".equals(request.getParam("fieldSelector"))) {
            response.setStatusCode(403).end(status(403, "Forbidden").encode());
            return;
        }
        if ("true".equals(request.getParam("watch"))) {
            long since = Long.parseLong(request.getParam("resourceVersion", "0"));
            response.setChunked(true).writeHead();
            for (String e : watchEvents) {
                long rv = Long.parseLong(new JsonObject(e).getJsonObject("object").getJsonObject("metadata")
                        .getString("resourceVersion"));
                if (rv > since) {
                    response.write(e);
                }
            }
            watchers.add(response);
            response.closeHandler(v -> forget(response));
            return;
        }
        JsonArray items = new JsonArray();
        if (configMap != null) {
            items.add(configMap);
        }
        response.end(new JsonObject().put("apiVersion", "v1").put("kind", "ConfigMapList")
                .put("metadata", new JsonObject().put("resourceVersion", String.valueOf(resourceVersion)))
                .put("items", items).encode());
    }

    private synchronized void forget(HttpServerResponse response) {
        watchers.remove(response);
    }

    private synchronized void tokenReview(JsonObject review, HttpServerResponse response) {
        JsonObject spec = review.getJsonObject("spec", new JsonObject());
        tokenReviews.add(spec);
        if (reviewsFail) {
            response.setStatusCode(500).end(status(500, "InternalError").encode());
            return;
        }
        JsonObject user = tokens.get(spec.getString("token", ""));
        JsonObject status = user != null ? new JsonObject().put("authenticated", true).put("user", user)
                : new JsonObject().put("authenticated", false).put("error", "invalid bearer token");
        response.end(review.copy().put("status", status).encode());
    }

    private synchronized void accessReview(JsonObject review, HttpServerResponse response) {
        JsonObject spec = review.getJsonObject("spec", new JsonObject());
        accessReviews.add(spec);
        if (reviewsFail) {
            response.setStatusCode(500).end(status(500, "InternalError").encode());
            return;
        }
        boolean allowed = policy.test(spec);
        // kube-apiserver's RBAC gives no reason when nothing matched, so neither does this
        JsonObject status = new JsonObject().put("allowed", allowed);
        response.end(review.copy().put("status", status).encode());
    }

    private static JsonObject status(int code, String reason) {
        return new JsonObject().put("apiVersion", "v1").put("kind", "Status").put("status", "Failure")
                .put("code", code).put("reason", reason);
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
