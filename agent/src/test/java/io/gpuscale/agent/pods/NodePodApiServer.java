package io.gpuscale.agent.pods;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A stand-in for the Kubernetes API server's pod list and watch, on a random loopback port:
 * {@code GET /api/v1/pods} with a {@code spec.nodeName} field selector, as a list (with a
 * resource version) or as a watch ({@code watch=true}: the events after that version, then new
 * ones as they happen, one JSON object a line on a chunked response), as kube-apiserver serves
 * them: lists in pages ({@code limit}, {@code continue}), and ERROR 410 for a watch from a
 * version older than the last {@link #compact()}.
 */
final class NodePodApiServer implements AutoCloseable {
    private record Event(long resourceVersion, String type, JsonObject pod) {
    }

    private record Watcher(HttpServerResponse response, String nodeName) {
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final Map<String, JsonObject> pods = new LinkedHashMap<>();
    private final List<Event> history = new ArrayList<>();
    private final Set<Watcher> watchers = new HashSet<>();
    private final boolean honourFieldSelector;
    private final List<String> uris = new ArrayList<>();
    private final List<String> authorizations = new ArrayList<>();
    private final boolean tls;
    private long resourceVersion = 1;
    /** Watches from before this version are answered with an ERROR 410 event (as after etcd compaction). */
    private long oldestWatchable;
    private boolean failing;
    private int requests;

    /**
     * @param honourFieldSelector false to act like a server that ignores field selectors and
     *     sends every node's pods
     */
    NodePodApiServer(boolean honourFieldSelector) {
        this(honourFieldSelector, null);
    }

    /**
     * @param tls HTTPS settings (server certificate, and client certificates to require), or
     *     null for plain HTTP
     */
    NodePodApiServer(boolean honourFieldSelector, io.vertx.core.http.HttpServerOptions tls) {
        this.honourFieldSelector = honourFieldSelector;
        this.tls = tls != null;
        this.server = vertx.createHttpServer(tls == null ? new io.vertx.core.http.HttpServerOptions() : tls)
                .requestHandler(this::handle).listen(0, "127.0.0.1").await();
    }

    String url() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + server.actualPort();
    }

    /** The Authorization header of every request, in order (empty for none). */
    synchronized List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    static JsonObject pod(String namespace, String name, String uid, String nodeName, String phase) {
        return new JsonObject()
                .put("apiVersion", "v1")
                .put("kind", "Pod")
                .put("metadata", new JsonObject().put("namespace", namespace).put("name", name).put("uid", uid)
                        .put("labels", new JsonObject().put("app", name))
                        .put("annotations", new JsonObject().put("note", "x".repeat(512))))
                .put("spec", new JsonObject().put("nodeName", nodeName).put("containers", new JsonArray()
                        .add(new JsonObject().put("name", "main").put("image", "cuda:12"))))
                .put("status", new JsonObject().put("phase", phase));
    }

    /** Creates the pod, or replaces the one of the same namespace and name. */
    synchronized void put(JsonObject pod) {
        JsonObject stored = pod.copy();
        String key = key(stored);
        stored.getJsonObject("metadata").put("resourceVersion", String.valueOf(++resourceVersion));
        String type = pods.containsKey(key) ? "MODIFIED" : "ADDED";
        pods.put(key, stored);
        publish(new Event(resourceVersion, type, stored));
    }

    synchronized void delete(String namespace, String name) {
        JsonObject removed = pods.remove(namespace + "/" + name);
        if (removed != null) {
            JsonObject last = removed.copy();
            last.getJsonObject("metadata").put("resourceVersion", String.valueOf(++resourceVersion));
            publish(new Event(resourceVersion, "DELETED", last));
        }
    }

    /** While failing, every request is answered 503 and open watches are cut. */
    synchronized void failing(boolean failing) {
        this.failing = failing;
        if (failing) {
            for (Watcher w : watchers) {
                w.response().reset();
            }
            watchers.clear();
        }
    }

    synchronized int openWatches() {
        return watchers.size();
    }

    synchronized int requests() {
        return requests;
    }

    /** Every request's path and query, in order. */
    synchronized List<String> uris() {
        return List.copyOf(uris);
    }

    /**
     * Forgets the history up to now, as etcd's compaction does: a watch from an older version
     * gets an ERROR event with a 410 (Expired) status and ends; open watches are cut the same way.
     */
    synchronized void compact() {
        oldestWatchable = resourceVersion;
        for (Watcher w : watchers) {
            w.response().end(expired());
        }
        watchers.clear();
    }

    private static String expired() {
        return new JsonObject().put("type", "ERROR").put("object", status(410, "Expired", "too old resource version"))
                .encode() + "\n";
    }

    private synchronized void handle(HttpServerRequest request) {
        requests++;
        uris.add(request.uri());
        authorizations.add(request.getHeader("Authorization") == null ? "" : request.getHeader("Authorization"));
        HttpServerResponse response = request.response().putHeader("Content-Type", "application/json");
        if (failing) {
            response.setStatusCode(503).end(status(503, "ServiceUnavailable", "the stand-in is failing").encode());
            return;
        }
        if (!request.path().equals("/api/v1/pods")) {
            response.setStatusCode(404).end(status(404, "NotFound", request.path()).encode());
            return;
        }
        String nodeName = nodeName(request.getParam("fieldSelector"));
        if ("true".equals(request.getParam("watch"))) {
            long since = Long.parseLong(request.getParam("resourceVersion", "0"));
            Watcher watcher = new Watcher(response.setChunked(true), nodeName);
            response.writeHead();
            if (since < oldestWatchable) {
                response.end(expired());
                return;
            }
            for (Event e : history) {
                if (e.resourceVersion() > since) {
                    send(watcher, e);
                }
            }
            watchers.add(watcher);
            response.closeHandler(v -> forget(watcher));
            return;
        }
        List<JsonObject> selected = pods.values().stream().filter(p -> selects(nodeName, p)).toList();
        // Pages as kube-apiserver cuts them: limit items, then a continue token (here: the offset).
        int from = Integer.parseInt(request.getParam("continue", "0"));
        int limit = Integer.parseInt(request.getParam("limit", "0"));
        int to = limit > 0 ? Math.min(selected.size(), from + limit) : selected.size();
        JsonArray items = new JsonArray();
        selected.subList(Math.min(from, to), to).forEach(items::add);
        JsonObject meta = new JsonObject().put("resourceVersion", String.valueOf(resourceVersion));
        if (to < selected.size()) {
            meta.put("continue", String.valueOf(to));
        }
        response.end(new JsonObject().put("apiVersion", "v1").put("kind", "PodList")
                .put("metadata", meta).put("items", items).encode());
    }

    private synchronized void forget(Watcher watcher) {
        watchers.remove(watcher);
    }

    private void publish(Event event) {
        history.add(event);
        for (Watcher w : watchers) {
            send(w, event);
        }
    }

    private void send(Watcher watcher, Event event) {
        if (selects(watcher.nodeName(), event.pod())) {
            watcher.response().write(new JsonObject().put("type", event.type()).put("object", event.pod()).encode() + "\n");
        }
    }

    private boolean selects(String nodeName, JsonObject pod) {
        return !honourFieldSelector || nodeName == null
                || nodeName.equals(pod.getJsonObject("spec").getString("nodeName"));
    }

    private static String nodeName(String fieldSelector) {
        String prefix = "spec.nodeName=";
        return fieldSelector != null && fieldSelector.startsWith(prefix) ? fieldSelector.substring(prefix.length()) : null;
    }

    private static String key(JsonObject pod) {
        JsonObject meta = pod.getJsonObject("metadata");
        return meta.getString("namespace") + "/" + meta.getString("name");
    }

    private static JsonObject status(int code, String reason, String message) {
        return new JsonObject().put("apiVersion", "v1").put("kind", "Status").put("status", "Failure")
                .put("code", code).put("reason", reason).put("message", message);
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
