package io.gpuscale.adapter.cluster;

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
 * A stand-in for kube-apiserver's cluster-wide list and watch of pods, nodes and
 * resourcequotas, on a random loopback port: {@code GET /api/v1/<resource>} answers a list with
 * a resource version, or with {@code watch=true} the events after the given version and then
 * new ones as they happen, one JSON object a line on a chunked response, as the official Java
 * client reads them. One resource-version counter for all kinds, as etcd has. Lists are cut into
 * pages when asked ({@code limit}, {@code continue}), except, as kube-apiserver does with its
 * watch cache, a list at {@code resourceVersion=0}: that one comes whole, whatever the limit
 * (unless {@link #pageEveryList()}, as a server without watch cache).
 */
final class KubeApiStandIn implements AutoCloseable {
    private static final Map<String, String> LIST_KINDS =
            Map.of("pods", "PodList", "nodes", "NodeList", "resourcequotas", "ResourceQuotaList");

    /** {@code namespaces/NS/RESOURCE}: a list of one namespace (no watch). */
    private static final java.util.regex.Pattern NAMESPACED = java.util.regex.Pattern.compile("namespaces/([^/]+)/([^/]+)");

    private record Event(long resourceVersion, String resource, String type, JsonObject object) {
    }

    private record Watcher(HttpServerResponse response, String resource) {
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final Map<String, Map<String, JsonObject>> objects = new LinkedHashMap<>();
    private final List<Event> history = new ArrayList<>();
    private final Set<Watcher> watchers = new HashSet<>();
    private long resourceVersion = 1;
    private final Map<String, Integer> lists = new LinkedHashMap<>();
    private boolean continueTokensExpired;
    private boolean pageEveryList;
    private String rawListBody;

    KubeApiStandIn() {
        LIST_KINDS.keySet().forEach(r -> objects.put(r, new LinkedHashMap<>()));
        this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").await();
    }

    String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    static JsonObject pod(String namespace, String name, String nodeName, Map<String, String> labels) {
        JsonObject l = new JsonObject();
        labels.forEach(l::put);
        return new JsonObject()
                .put("apiVersion", "v1")
                .put("kind", "Pod")
                .put("metadata", new JsonObject().put("namespace", namespace).put("name", name).put("uid", "uid-" + name)
                        .put("labels", l)
                        .put("managedFields", new JsonArray().add(new JsonObject().put("manager", "kubectl")
                                .put("operation", "Update").put("apiVersion", "v1")
                                .put("fieldsType", "FieldsV1").put("fieldsV1", new JsonObject().put("f:metadata", new JsonObject()))))
                        .put("annotations", new JsonObject().put("note", "x".repeat(512))))
                .put("spec", new JsonObject().put("nodeName", nodeName).put("containers", new JsonArray()
                        .add(new JsonObject().put("name", "main").put("image", "cuda:12").put("resources",
                                new JsonObject().put("requests", new JsonObject().put("nvidia.com/gpu", "1"))))))
                .put("status", new JsonObject().put("phase", "Running"));
    }

    static JsonObject node(String name, int gpus) {
        return new JsonObject().put("apiVersion", "v1").put("kind", "Node")
                .put("metadata", new JsonObject().put("name", name).put("labels", new JsonObject().put("gpu", "yes")))
                .put("status", new JsonObject().put("allocatable", new JsonObject().put("nvidia.com/gpu", String.valueOf(gpus))));
    }

    static JsonObject quota(String namespace, String name, int gpus) {
        return new JsonObject().put("apiVersion", "v1").put("kind", "ResourceQuota")
                .put("metadata", new JsonObject().put("namespace", namespace).put("name", name))
                .put("spec", new JsonObject().put("hard", new JsonObject().put("requests.nvidia.com/gpu", String.valueOf(gpus))));
    }

    /** Creates the object, or replaces the one of the same kind, namespace and name. */
    synchronized void put(JsonObject object) {
        String resource = resource(object);
        JsonObject stored = object.copy();
        stored.getJsonObject("metadata").put("resourceVersion", String.valueOf(++resourceVersion));
        String type = objects.get(resource).containsKey(key(stored)) ? "MODIFIED" : "ADDED";
        objects.get(resource).put(key(stored), stored);
        publish(new Event(resourceVersion, resource, type, stored));
    }

    synchronized void delete(String resource, String namespace, String name) {
        JsonObject removed = objects.get(resource).remove(namespace + "/" + name);
        if (removed != null) {
            JsonObject last = removed.copy();
            last.getJsonObject("metadata").put("resourceVersion", String.valueOf(++resourceVersion));
            publish(new Event(resourceVersion, resource, "DELETED", last));
        }
    }

    /** Cuts every open watch, as an API server restart or a load balancer would. */
    synchronized void cutWatches() {
        watchers.forEach(w -> w.response().reset());
        watchers.clear();
    }

    synchronized int openWatches() {
        return watchers.size();
    }

    synchronized int lists(String resource) {
        return lists.getOrDefault(resource, 0);
    }

    private synchronized void handle(HttpServerRequest request) {
        HttpServerResponse response = request.response().putHeader("Content-Type", "application/json");
        String resource = request.path().startsWith("/api/v1/") ? request.path().substring("/api/v1/".length()) : "";
        String namespace = null;
        java.util.regex.Matcher namespaced = NAMESPACED.matcher(resource);
        if (namespaced.matches()) {
            namespace = namespaced.group(1);
            resource = namespaced.group(2);
        }
        if (!objects.containsKey(resource)) {
            response.setStatusCode(404).end(new JsonObject().put("apiVersion", "v1").put("kind", "Status")
                    .put("status", "Failure").put("code", 404).put("reason", "NotFound").encode());
            return;
        }
        if ("true".equals(request.getParam("watch"))) {
            long since = Long.parseLong(request.getParam("resourceVersion", "0"));
            Watcher watcher = new Watcher(response.setChunked(true), resource);
            response.writeHead();
            for (Event e : history) {
                if (e.resourceVersion() > since) {
                    send(watcher, e);
                }
            }
            watchers.add(watcher);
            response.closeHandler(v -> forget(watcher));
            return;
        }
        lists.merge(resource, 1, Integer::sum);
        String continueToken = request.getParam("continue");
        if (continueToken != null && request.getParam("resourceVersion") != null) {
            response.setStatusCode(400).end(status(400, "BadRequest",
                    "specifying resource version is not allowed when using continue"));
            return;
        }
        if (continueToken != null && continueTokensExpired) {
            response.setStatusCode(410).end(status(410, "Expired", "The provided continue parameter is too old"));
            return;
        }
        String ns = namespace;
        List<JsonObject> all = objects.get(resource).values().stream()
                .filter(o -> ns == null || ns.equals(o.getJsonObject("metadata").getString("namespace")))
                .toList();
        // Pages as the API server cuts them: limit=N, then continue=<token> (here the next offset).
        int from = continueToken == null ? 0 : Integer.parseInt(continueToken);
        if (rawListBody != null) {
            response.end(rawListBody);
            return;
        }
        boolean fromWatchCache = "0".equals(request.getParam("resourceVersion")) && !pageEveryList;
        int limit = fromWatchCache ? 0 : Integer.parseInt(request.getParam("limit", "0"));
        int to = limit > 0 ? Math.min(all.size(), from + limit) : all.size();
        JsonArray items = new JsonArray();
        all.subList(from, to).forEach(items::add);
        JsonObject meta = new JsonObject().put("resourceVersion", String.valueOf(resourceVersion));
        if (to < all.size()) {
            meta.put("continue", String.valueOf(to));
        }
        response.end(new JsonObject().put("apiVersion", "v1").put("kind", LIST_KINDS.get(resource))
                .put("metadata", meta).put("items", items).encode());
    }

    /** From now on, a list page asked for by continue token is answered 410 Gone, as after etcd compaction. */
    synchronized void expireContinueTokens() {
        continueTokensExpired = true;
    }

    /** From now on, lists at {@code resourceVersion=0} are cut into pages too, as without a watch cache. */
    synchronized void pageEveryList() {
        pageEveryList = true;
    }

    /** From now on, every list is answered 200 with exactly this body (null: the real lists again). */
    synchronized void answerListsWith(String body) {
        rawListBody = body;
    }

    private static String status(int code, String reason, String message) {
        return new JsonObject().put("apiVersion", "v1").put("kind", "Status").put("status", "Failure")
                .put("code", code).put("reason", reason).put("message", message).encode();
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

    private static void send(Watcher watcher, Event event) {
        if (watcher.resource().equals(event.resource())) {
            watcher.response().write(new JsonObject().put("type", event.type()).put("object", event.object()).encode() + "\n");
        }
    }

    private static String resource(JsonObject object) {
        return switch (object.getString("kind")) {
            case "Pod" -> "pods";
            case "Node" -> "nodes";
            case "ResourceQuota" -> "resourcequotas";
            default -> throw new IllegalArgumentException(object.getString("kind"));
        };
    }

    private static String key(JsonObject object) {
        JsonObject meta = object.getJsonObject("metadata");
        return meta.getString("namespace", "") + "/" + meta.getString("name");
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
