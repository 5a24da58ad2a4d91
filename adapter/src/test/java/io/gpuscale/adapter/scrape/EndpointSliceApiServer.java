package io.gpuscale.adapter.scrape;

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
 * A stand-in for the API server's EndpointSlice list and watch on a random loopback port:
 * {@code GET /apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices} with a
 * {@code kubernetes.io/service-name=...} label selector, as a list (with a resource version) or a
 * watch ({@code watch=true}: the events after that version, then new ones, one JSON object a line
 * on a chunked response), as kube-apiserver serves them to the official Java client.
 */
final class EndpointSliceApiServer implements AutoCloseable {
    private static final String PREFIX = "/apis/discovery.k8s.io/v1/namespaces/";

    private record Event(long resourceVersion, String type, JsonObject slice) {
    }

    private record Watcher(HttpServerResponse response, String namespace, String selector) {
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final Map<String, JsonObject> slices = new LinkedHashMap<>();
    private final List<Event> history = new ArrayList<>();
    private final Set<Watcher> watchers = new HashSet<>();
    private final List<String> paths = new ArrayList<>();
    private long resourceVersion = 1;

    EndpointSliceApiServer() {
        this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").await();
    }

    String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    /** One endpoint: address, node, ready. */
    record Endpoint(String address, String node, Boolean ready) {
    }

    static JsonObject slice(String namespace, String name, String service, String addressType, String portName, int port,
            Endpoint... endpoints) {
        JsonArray eps = new JsonArray();
        for (Endpoint e : endpoints) {
            JsonObject ep = new JsonObject().put("addresses", new JsonArray().add(e.address())).put("nodeName", e.node());
            if (e.ready() != null) {
                ep.put("conditions", new JsonObject().put("ready", e.ready()));
            }
            eps.add(ep);
        }
        return new JsonObject().put("apiVersion", "discovery.k8s.io/v1").put("kind", "EndpointSlice")
                .put("metadata", new JsonObject().put("namespace", namespace).put("name", name)
                        .put("labels", new JsonObject().put("kubernetes.io/service-name", service)))
                .put("addressType", addressType)
                .put("endpoints", eps)
                .put("ports", new JsonArray().add(new JsonObject().put("name", portName).put("port", port).put("protocol", "TCP")));
    }

    synchronized void put(JsonObject slice) {
        JsonObject stored = slice.copy();
        String key = key(stored);
        stored.getJsonObject("metadata").put("resourceVersion", String.valueOf(++resourceVersion));
        String type = slices.containsKey(key) ? "MODIFIED" : "ADDED";
        slices.put(key, stored);
        publish(new Event(resourceVersion, type, stored));
    }

    synchronized void delete(String namespace, String name) {
        JsonObject removed = slices.remove(namespace + "/" + name);
        if (removed != null) {
            JsonObject last = removed.copy();
            last.getJsonObject("metadata").put("resourceVersion", String.valueOf(++resourceVersion));
            publish(new Event(resourceVersion, "DELETED", last));
        }
    }

    synchronized int openWatches() {
        return watchers.size();
    }

    synchronized List<String> paths() {
        return List.copyOf(paths);
    }

    private synchronized void handle(HttpServerRequest request) {
        paths.add(request.path());
        HttpServerResponse response = request.response().putHeader("Content-Type", "application/json");
        String path = request.path();
        if (!path.startsWith(PREFIX) || !path.endsWith("/endpointslices")) {
            response.setStatusCode(404).end(new JsonObject().put("kind", "Status").put("code", 404).encode());
            return;
        }
        String namespace = path.substring(PREFIX.length(), path.length() - "/endpointslices".length());
        String selector = request.getParam("labelSelector");
        if ("true".equals(request.getParam("watch"))) {
            long since = Long.parseLong(request.getParam("resourceVersion", "0"));
            Watcher watcher = new Watcher(response.setChunked(true), namespace, selector);
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
        JsonArray items = new JsonArray();
        slices.values().stream().filter(s -> selects(namespace, selector, s)).forEach(items::add);
        response.end(new JsonObject().put("apiVersion", "discovery.k8s.io/v1").put("kind", "EndpointSliceList")
                .put("metadata", new JsonObject().put("resourceVersion", String.valueOf(resourceVersion)))
                .put("items", items).encode());
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
        if (selects(watcher.namespace(), watcher.selector(), event.slice())) {
            watcher.response().write(new JsonObject().put("type", event.type()).put("object", event.slice()).encode() + "\n");
        }
    }

    /** Namespace and an equality selector {@code key=value}, as the adapter sends it. */
    private static boolean selects(String namespace, String selector, JsonObject slice) {
        JsonObject meta = slice.getJsonObject("metadata");
        if (!namespace.equals(meta.getString("namespace"))) {
            return false;
        }
        if (selector == null || selector.isEmpty()) {
            return true;
        }
        String[] kv = selector.split("=", 2);
        JsonObject labels = meta.getJsonObject("labels", new JsonObject());
        return kv.length == 2 && kv[1].equals(labels.getString(kv[0]));
    }

    private static String key(JsonObject slice) {
        JsonObject meta = slice.getJsonObject("metadata");
        return meta.getString("namespace") + "/" + meta.getString("name");
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
