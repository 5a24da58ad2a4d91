package io.gpuscale.common.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tests' kube-apiserver, on a random loopback port: list, watch and get of any kind of object
 * put into it, and create-only resources (reviews) answered by a function.
 *
 * <p>As kube-apiserver: {@code GET /api/v1[/namespaces/NS]/PLURAL} (or {@code /apis/GROUP/VERSION/...})
 * answers a list with a resource version; with {@code watch=true} the events after the given version,
 * then new ones as they happen, one JSON object a line on a chunked response; with
 * {@code allowWatchBookmarks=true} also the BOOKMARK events {@link #bookmark()} sends. One
 * resource-version counter for all kinds, as etcd has. Field selectors on {@code metadata.name},
 * {@code metadata.namespace} and {@code spec.nodeName}, and equality label selectors, are honoured. Lists are cut into pages when
 * asked ({@code limit}, {@code continue}), except a list at {@code resourceVersion=0}: that one, as
 * from kube-apiserver's watch cache, comes whole whatever the limit (unless {@link #pageEveryList()}).
 * A watch from a version older than the last {@link #compact()} gets the ERROR event with a 410 Status
 * that kube-apiserver sends.
 */
public final class KubeApiStandIn implements AutoCloseable {
    /** {@code /api/v1} or {@code /apis/G/V}, then an optional namespace, the plural, an optional name. */
    private static final Pattern PATH = Pattern.compile(
            "/(?:api/(v1)|apis/([^/]+)/([^/]+))(?:/namespaces/([^/]+))?/([^/]+)(?:/([^/]+))?");

    /** A kind this server stores: its plural, list kind and API group/version. */
    public record Kind(String kind, String plural, String apiVersion) {
        String listKind() {
            return kind + "List";
        }
    }

    private static final List<Kind> KNOWN = List.of(
            new Kind("Pod", "pods", "v1"),
            new Kind("Node", "nodes", "v1"),
            new Kind("ResourceQuota", "resourcequotas", "v1"),
            new Kind("ConfigMap", "configmaps", "v1"),
            new Kind("EndpointSlice", "endpointslices", "discovery.k8s.io/v1"));

    private record Event(long resourceVersion, Kind kind, String type, JsonObject object) {
    }

    private record Watcher(HttpServerResponse response, Kind kind, Selector selector, boolean bookmarks) {
    }

    /** Field and label selectors' equalities, and the namespace of the request path. */
    private record Selector(Map<String, String> fields, Map<String, String> labels) {
        static Selector of(String namespace, String fieldSelector, String labelSelector) {
            Map<String, String> f = equalities(fieldSelector);
            if (namespace != null) {
                f.put("metadata.namespace", namespace);
            }
            return new Selector(f, equalities(labelSelector));
        }

        private static Map<String, String> equalities(String selector) {
            Map<String, String> m = new HashMap<>();
            if (selector != null && !selector.isEmpty()) {
                for (String term : selector.split(",")) {
                    int eq = term.indexOf('=');
                    if (eq <= 0 || term.charAt(eq - 1) == '!') {
                        throw new IllegalArgumentException("only key=value selectors are served: " + term);
                    }
                    m.put(term.substring(0, eq), term.substring(eq + (term.startsWith("==", eq) ? 2 : 1)));
                }
            }
            return m;
        }

        boolean matches(JsonObject object, boolean honourFields) {
            for (Map.Entry<String, String> e : fields.entrySet()) {
                boolean namespaceOfPath = e.getKey().equals("metadata.namespace");
                if ((honourFields || namespaceOfPath) && !e.getValue().equals(field(object, e.getKey()))) {
                    return false;
                }
            }
            JsonObject have = object.getJsonObject("metadata").getJsonObject("labels", new JsonObject());
            return labels.entrySet().stream().allMatch(e -> e.getValue().equals(have.getString(e.getKey())));
        }

        private static String field(JsonObject object, String path) {
            String[] parts = path.split("\\.");
            JsonObject at = object;
            for (int i = 0; i < parts.length - 1 && at != null; i++) {
                at = at.getJsonObject(parts[i]);
            }
            return at == null ? null : at.getString(parts[parts.length - 1], "");
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final Map<Kind, Map<String, JsonObject>> objects = new LinkedHashMap<>();
    private final Map<String, Function<JsonObject, JsonObject>> creators = new HashMap<>();
    private final List<Event> history = new ArrayList<>();
    private final Set<Watcher> watchers = new HashSet<>();
    private final Map<String, Integer> lists = new HashMap<>();
    private final List<String> authorizations = new ArrayList<>();
    private final List<String> paths = new ArrayList<>();
    private final List<String> uris = new ArrayList<>();
    private final boolean tls;
    private long resourceVersion = 1;
    private long compactedAt;
    private int requests;
    private boolean honourFieldSelectors = true;
    private boolean continueTokensExpired;
    private boolean pageEveryList;
    private String rawListBody;
    private int failWith;
    private String requiredToken;
    private final Map<String, String> requiredFieldSelectors = new HashMap<>();

    /** Plain HTTP. */
    public KubeApiStandIn() {
        this(null);
    }

    /** With {@code tls}: HTTPS with these settings (the server certificate, client certificates to require). */
    public KubeApiStandIn(HttpServerOptions tls) {
        KNOWN.forEach(k -> objects.put(k, new LinkedHashMap<>()));
        this.tls = tls != null;
        this.server = vertx.createHttpServer(tls == null ? new HttpServerOptions() : tls)
                .requestHandler(this::handle).listen(0, "127.0.0.1").await();
    }

    /** {@code http://127.0.0.1:PORT} (https with TLS). */
    public String url() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + server.actualPort();
    }

    public int port() {
        return server.actualPort();
    }

    /** Also serves this kind (the known ones: pods, nodes, resourcequotas, configmaps, endpointslices). */
    public synchronized KubeApiStandIn serve(Kind kind) {
        objects.putIfAbsent(kind, new LinkedHashMap<>());
        return this;
    }

    /**
     * Answers {@code POST} to a create-only resource, such as
     * {@code /apis/authentication.k8s.io/v1/tokenreviews}: the function gets the posted object and
     * returns the answer (null: 500, as an overloaded server).
     */
    public synchronized KubeApiStandIn onCreate(String path, Function<JsonObject, JsonObject> answer) {
        creators.put(path, answer);
        return this;
    }

    /** Creates the object, or replaces the one of the same kind, namespace and name. */
    public synchronized void put(JsonObject object) {
        Kind kind = kindOf(object);
        JsonObject stored = object.copy();
        stored.getJsonObject("metadata").put("resourceVersion", String.valueOf(++resourceVersion));
        Map<String, JsonObject> ofKind = objects.get(kind);
        String type = ofKind.containsKey(key(stored)) ? "MODIFIED" : "ADDED";
        ofKind.put(key(stored), stored);
        publish(new Event(resourceVersion, kind, type, stored));
    }

    /** Deletes the object of that plural, namespace (null for cluster-scoped kinds) and name. */
    public synchronized void delete(String plural, String namespace, String name) {
        Kind kind = objects.keySet().stream().filter(k -> k.plural().equals(plural)).findFirst().orElseThrow();
        JsonObject removed = objects.get(kind).remove((namespace == null ? "" : namespace) + "/" + name);
        if (removed != null) {
            JsonObject last = removed.copy();
            last.getJsonObject("metadata").put("resourceVersion", String.valueOf(++resourceVersion));
            publish(new Event(resourceVersion, kind, "DELETED", last));
        }
    }

    /** Sends a BOOKMARK at the current resource version to every watch that allows them. */
    public synchronized void bookmark() {
        for (Watcher w : watchers) {
            if (w.bookmarks()) {
                JsonObject object = new JsonObject().put("kind", w.kind().kind()).put("apiVersion", w.kind().apiVersion())
                        .put("metadata", new JsonObject().put("resourceVersion", String.valueOf(resourceVersion)));
                w.response().write(new JsonObject().put("type", "BOOKMARK").put("object", object).encode() + "\n");
            }
        }
    }

    /**
     * Forgets the history so far, as etcd's compaction does: a watch from an older version, and
     * every open watch, gets an ERROR event with a 410 (Expired) Status and ends.
     */
    public synchronized void compact() {
        history.clear();
        compactedAt = resourceVersion;
        watchers.forEach(w -> w.response().end(expired(compactedAt - 1)));
        watchers.clear();
    }

    private String expired(long since) {
        JsonObject gone = new JsonObject(status(410, "Expired", "too old resource version: " + since + " (" + compactedAt + ")"));
        return new JsonObject().put("type", "ERROR").put("object", gone).encode() + "\n";
    }

    /** Cuts every open watch, as an API server restart or a load balancer would. */
    public synchronized void cutWatches() {
        watchers.forEach(w -> w.response().reset());
        watchers.clear();
    }

    /** While {@code code} is not 0, every request is answered with that status (a 503, a 500) and open watches are cut. */
    public synchronized void failWith(int code) {
        this.failWith = code;
        if (code != 0) {
            cutWatches();
        }
    }

    /** From now on, requests without {@code Authorization: Bearer TOKEN} are answered 401 (null: no check). */
    public synchronized void requireToken(String token) {
        this.requiredToken = token;
    }

    /**
     * Lists and watches of this plural without exactly this field selector are answered 403, as RBAC
     * answers a client allowed only named objects ({@code resourceNames}).
     */
    public synchronized KubeApiStandIn onlyWithFieldSelector(String plural, String fieldSelector) {
        requiredFieldSelectors.put(plural, fieldSelector);
        return this;
    }

    /** The Authorization headers received, in order ("" where there was none). */
    public synchronized List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    /** Every request's path and query, in order. */
    public synchronized List<String> uris() {
        return List.copyOf(uris);
    }

    /** The paths of the requests received, in order. */
    public synchronized List<String> paths() {
        return List.copyOf(paths);
    }

    /** false: act like a server that ignores field selectors (but not the namespace of the path). */
    public synchronized void honourFieldSelectors(boolean honour) {
        this.honourFieldSelectors = honour;
    }

    /** From now on, a list page asked for by continue token is answered 410 Gone, as after etcd compaction. */
    public synchronized void expireContinueTokens() {
        continueTokensExpired = true;
    }

    /** From now on, lists at {@code resourceVersion=0} are cut into pages too, as without a watch cache. */
    public synchronized void pageEveryList() {
        pageEveryList = true;
    }

    /** From now on, every list is answered 200 with exactly this body (null: the real lists again). */
    public synchronized void answerListsWith(String body) {
        rawListBody = body;
    }

    public synchronized int openWatches() {
        return watchers.size();
    }

    /** Requests received, of any kind. */
    public synchronized int requests() {
        return requests;
    }

    /** Lists (not watches) received of this plural. */
    public synchronized int lists(String plural) {
        return lists.getOrDefault(plural, 0);
    }

    private synchronized void handle(HttpServerRequest request) {
        requests++;
        String authorization = request.getHeader("Authorization");
        authorizations.add(authorization == null ? "" : authorization);
        paths.add(request.path());
        uris.add(request.uri());
        HttpServerResponse response = request.response().putHeader("Content-Type", "application/json");
        if (failWith != 0) {
            response.setStatusCode(failWith).end(status(failWith, failWith == 503 ? "ServiceUnavailable" : "InternalError",
                    "the stand-in is failing"));
            return;
        }
        if (requiredToken != null && !("Bearer " + requiredToken).equals(authorization)) {
            response.setStatusCode(401).end(status(401, "Unauthorized", "Unauthorized"));
            return;
        }
        if (request.method() == HttpMethod.POST) {
            Function<JsonObject, JsonObject> creator = creators.get(request.path());
            if (creator == null) {
                response.setStatusCode(405).end(status(405, "MethodNotAllowed", "not creatable: " + request.path()));
                return;
            }
            request.body().onSuccess(b -> create(creator, b.toJsonObject(), response));
            return;
        }
        Matcher m = PATH.matcher(request.path());
        Kind kind = m.matches() ? kindOf(m.group(1) != null ? m.group(1) : m.group(2) + "/" + m.group(3), m.group(5)) : null;
        if (kind == null || request.method() != HttpMethod.GET) {
            response.setStatusCode(404).end(status(404, "NotFound", request.path()));
            return;
        }
        String namespace = m.group(4);
        if (m.group(6) != null) {
            JsonObject one = objects.get(kind).get((namespace == null ? "" : namespace) + "/" + m.group(6));
            response.setStatusCode(one == null ? 404 : 200).end(one == null ? status(404, "NotFound", m.group(6)) : one.encode());
            return;
        }
        String required = requiredFieldSelectors.get(kind.plural());
        if (required != null && !required.equals(request.getParam("fieldSelector"))) {
            response.setStatusCode(403).end(status(403, "Forbidden", kind.plural() + " is forbidden"));
            return;
        }
        Selector selector;
        try {
            selector = Selector.of(namespace, request.getParam("fieldSelector"), request.getParam("labelSelector"));
        } catch (IllegalArgumentException e) {
            response.setStatusCode(400).end(status(400, "BadRequest", e.getMessage()));
            return;
        }
        if ("true".equals(request.getParam("watch"))) {
            watch(request, response, kind, selector);
        } else {
            list(request, response, kind, selector);
        }
    }

    private synchronized void create(Function<JsonObject, JsonObject> creator, JsonObject posted, HttpServerResponse response) {
        JsonObject answer = creator.apply(posted);
        if (answer == null) {
            response.setStatusCode(500).end(status(500, "InternalError", "the stand-in is failing"));
        } else {
            response.setStatusCode(201).end(answer.encode());
        }
    }

    private void watch(HttpServerRequest request, HttpServerResponse response, Kind kind, Selector selector) {
        long since = Long.parseLong(request.getParam("resourceVersion", "0"));
        Watcher watcher = new Watcher(response.setChunked(true), kind, selector,
                "true".equals(request.getParam("allowWatchBookmarks")));
        response.writeHead();
        if (since != 0 && since < compactedAt) {
            response.end(expired(since));
            return;
        }
        for (Event e : history) {
            if (e.resourceVersion() > since) {
                send(watcher, e);
            }
        }
        watchers.add(watcher);
        response.closeHandler(v -> forget(watcher));
    }

    private void list(HttpServerRequest request, HttpServerResponse response, Kind kind, Selector selector) {
        lists.merge(kind.plural(), 1, Integer::sum);
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
        if (rawListBody != null) {
            response.end(rawListBody);
            return;
        }
        List<JsonObject> all = objects.get(kind).values().stream()
                .filter(o -> selector.matches(o, honourFieldSelectors)).toList();
        // Pages as the API server cuts them: limit=N, then continue=<token> (here the next offset).
        int from = continueToken == null ? 0 : Integer.parseInt(continueToken);
        boolean fromWatchCache = "0".equals(request.getParam("resourceVersion")) && !pageEveryList;
        int limit = fromWatchCache ? 0 : Integer.parseInt(request.getParam("limit", "0"));
        int to = limit > 0 ? Math.min(all.size(), from + limit) : all.size();
        JsonArray items = new JsonArray();
        all.subList(from, to).forEach(items::add);
        JsonObject meta = new JsonObject().put("resourceVersion", String.valueOf(resourceVersion));
        if (to < all.size()) {
            meta.put("continue", String.valueOf(to));
        }
        response.end(new JsonObject().put("apiVersion", kind.apiVersion()).put("kind", kind.listKind())
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
        if (watcher.kind().equals(event.kind()) && watcher.selector().matches(event.object(), honourFieldSelectors)) {
            watcher.response().write(new JsonObject().put("type", event.type()).put("object", event.object()).encode() + "\n");
        }
    }

    private Kind kindOf(JsonObject object) {
        String kind = object.getString("kind");
        return objects.keySet().stream().filter(k -> k.kind().equals(kind)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not served: " + kind + " (serve(Kind) first)"));
    }

    private Kind kindOf(String apiVersion, String plural) {
        return objects.keySet().stream().filter(k -> k.apiVersion().equals(apiVersion) && k.plural().equals(plural))
                .findFirst().orElse(null);
    }

    private static String key(JsonObject object) {
        JsonObject meta = object.getJsonObject("metadata");
        return meta.getString("namespace", "") + "/" + meta.getString("name");
    }

    /** A Kubernetes {@code Status} document, encoded. */
    public static String status(int code, String reason, String message) {
        return new JsonObject().put("apiVersion", "v1").put("kind", "Status").put("status", "Failure")
                .put("code", code).put("reason", reason).put("message", message).encode();
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
