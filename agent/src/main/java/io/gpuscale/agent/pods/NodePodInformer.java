package io.gpuscale.agent.pods;

import io.gpuscale.agent.kube.ApiServerAccess;
import io.gpuscale.agent.kube.InCluster;
import io.gpuscale.agent.kube.Kubeconfig;
import io.gpuscale.common.log.LogFields;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The pods on this node, with their UIDs and phases, kept current by listing and watching
 * {@code /api/v1/pods?fieldSelector=spec.nodeName=<node>} as client-go's reflector does. The
 * kubelet's PodResources API names pods but gives no UID, and keeps listing pods that have
 * ended; this tells the agent which pod a cgroup belongs to and which pods are gone.
 *
 * <p>It lists the node's pods (in pages of {@value #PAGE_SIZE}, following {@code continue}),
 * then watches from the list's resource version with bookmarks and a {@code timeoutSeconds}
 * between 5 and 10 minutes, and watches again from the last version seen when the server ends
 * the watch. A 410 Gone (the version is too old) on a watch that worked leads to a fresh list at
 * once; a broken watch, and any failure, to a new list after a backoff of 1 s doubling to 30 s, with jitter. A silent connection is
 * noticed by read timeouts: 30 s for a list, the watch's own timeout plus a minute for a watch.
 * An outage is logged once, and its end once ({@link NodePodConnection}).
 *
 * <p>Pods are read as a stream of JSON tokens ({@link NodePodJson}) and only their name,
 * namespace, UID, node and phase are kept. All of this runs on one Vert.x event-loop context of
 * the agent's Vert.x, with its HTTP client: no thread of its own. Readers take an immutable
 * {@link NodePods} from {@link #current()}, rebuilt after each change.
 *
 * <p>Needs RBAC {@code list} and {@code watch} on {@code pods}.
 */
public final class NodePodInformer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NodePodInformer.class.getName());
    /** Pods asked for per list request; a node runs at most a few hundred. */
    static final int PAGE_SIZE = 500;
    /** A list is one bounded response; a server silent this long is not going to answer. */
    static final Duration LIST_READ_TIMEOUT = Duration.ofSeconds(30);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Watches ask the server to end them after 5 to 10 minutes (client-go's spread). */
    static final Duration MIN_WATCH = Duration.ofMinutes(5);
    /** A watch silent this long past the time the server should have ended it is a dead connection. */
    static final Duration WATCH_GRACE = Duration.ofMinutes(1);
    static final Duration BACKOFF_INITIAL = Duration.ofSeconds(1);
    static final Duration BACKOFF_MAX = Duration.ofSeconds(30);
    /** A watch that stayed open this long before it broke starts the backoff over. */
    static final Duration HEALTHY = Duration.ofMinutes(1);
    /** A watch ended by the server sooner than this, with no event, counts as a failure. */
    static final Duration TOO_SHORT = Duration.ofSeconds(1);
    /** A pod is at most 1.5 MB in etcd; a longer line is not a watch event. */
    static final int MAX_EVENT_BYTES = 8 << 20;

    private final String nodeName;
    private final ApiServerAccess access;
    private final Vertx vertx;
    private final Context context;
    private final HttpClientAgent http;
    private final String selector;
    private final NodePodConnection connection;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean synced;
    private volatile NodePods current = NodePods.empty();

    // Confined to the context.
    private final Map<String, NodePodJson.Pod> store = new HashMap<>();
    /** The resource version to watch from: the last list's, then each event's. */
    private String lastVersion = "";
    /** Set by a 410 Gone: the next list asks for the latest state, not for lastVersion. */
    private boolean versionExpired;
    private long backoffMillis = BACKOFF_INITIAL.toMillis();
    /** When the current watch was opened (System.nanoTime), or 0 when none is open. */
    private long watchOpenedNanos;
    /** Counts requests and abandoned ones: a callback of an older step is ignored. */
    private long step;
    private HttpClientRequest inFlight;
    private long timer = -1;

    /**
     * An informer over {@code access}'s API server; call {@link #start()} to begin.
     *
     * @param vertx the Vert.x whose event loop and HTTP client it uses (the agent's)
     * @param access the API server and credentials
     * @param nodeName this node's name, as in the pods' {@code spec.nodeName}
     */
    public NodePodInformer(Vertx vertx, ApiServerAccess access, String nodeName) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.access = Objects.requireNonNull(access, "access");
        if (nodeName == null || nodeName.isBlank()) {
            throw new IllegalArgumentException("the node name is required to watch this node's pods");
        }
        this.nodeName = nodeName;
        this.selector = "fieldSelector=" + encode("spec.nodeName=" + nodeName);
        this.connection = new NodePodConnection(nodeName, access.server());
        this.context = vertx.getOrCreateContext();
        this.http = vertx.createHttpClient(access.clientOptions());
    }

    /** An informer over the API server of the cluster this process runs in, as a pod. */
    public static NodePodInformer inCluster(Vertx vertx, String nodeName) throws IOException {
        return new NodePodInformer(vertx, InCluster.access(System.getenv(), InCluster.SERVICE_ACCOUNT), nodeName);
    }

    /** An informer over the API server and credentials of the current context of a kubeconfig. */
    public static NodePodInformer fromKubeconfig(Vertx vertx, Path kubeconfig, String nodeName) throws IOException {
        return new NodePodInformer(vertx, Kubeconfig.load(kubeconfig), nodeName);
    }

    /** Starts listing and watching, on the Vert.x event loop; returns at once. */
    public void start() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (started.compareAndSet(false, true)) {
            context.runOnContext(v -> list());
        }
    }

    /** True once the node's pods have been listed (it stays true through later outages). */
    public boolean synced() {
        return synced;
    }

    /** True from a failed list or watch until the next one that works. */
    public boolean apiServerDown() {
        return connection.down();
    }

    /** Failed list and watch requests since start. */
    public long failures() {
        return connection.failures();
    }

    /**
     * The node's pods as last listed and watched: empty before the first list, and kept as they
     * were while the API server cannot be reached. Cheap to call every sample.
     */
    public NodePods current() {
        return current;
    }

    /** Stops listing and watching: closes the watch and aborts a request in flight. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        context.runOnContext(v -> {
            abandon();
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
            http.close();
        });
    }

    // ---- list --------------------------------------------------------------------------------

    /** Lists from where client-go's reflector would: "0" (the cache) first, the last version later. */
    private void list() {
        if (closed) {
            return;
        }
        String version = versionExpired ? "" : synced ? lastVersion : "0";
        listPage(new HashMap<>(), version, null, true);
    }

    private void listPage(Map<String, NodePodJson.Pod> pods, String version, String continueToken, boolean paged) {
        StringBuilder uri = new StringBuilder("/api/v1/pods?").append(selector);
        if (paged) {
            uri.append("&limit=").append(PAGE_SIZE);
        }
        if (continueToken != null) {
            uri.append("&continue=").append(encode(continueToken));
        } else if (!version.isEmpty()) {
            uri.append("&resourceVersion=").append(encode(version));
        }
        send(uri.toString(), LIST_READ_TIMEOUT.toMillis(), response -> {
            long mine = step;
            response.body().onComplete(body -> listAnswered(mine, response, body, pods, version, continueToken));
        });
    }

    private void listAnswered(long mine, HttpClientResponse response, io.vertx.core.AsyncResult<Buffer> body,
            Map<String, NodePodJson.Pod> pods, String version, String continueToken) {
        {
            if (mine != step) {
                return;
            }
            if (body.failed()) {
                failed(body.cause());
                return;
            }
            if (response.statusCode() != 200) {
                ApiStatusException e = new ApiStatusException(response.statusCode(), body.result().toString(StandardCharsets.UTF_8));
                if (e.expired() && continueToken != null) {
                    listPage(new HashMap<>(), "", null, false); // the continue token expired: one full list
                } else if (e.expired() && !version.isEmpty()) {
                    versionExpired = true;
                    list();
                } else {
                    failed(e);
                }
                return;
            }
            NodePodJson.Page page;
            try {
                page = NodePodJson.page(body.result().getBytes());
            } catch (IOException | RuntimeException e) {
                failed(e);
                return;
            }
            for (NodePodJson.Pod pod : page.items()) {
                if (pod.namespace() != null && pod.name() != null) {
                    pods.put(pod.key(), pod);
                }
            }
            if (!page.continueToken().isEmpty()) {
                listPage(pods, version, page.continueToken(), true);
            } else {
                listed(pods, page.resourceVersion());
            }
        }
    }

    private void listed(Map<String, NodePodJson.Pod> pods, String version) {
        store.clear();
        store.putAll(pods);
        lastVersion = version;
        versionExpired = false;
        publish();
        synced = true;
        connection.succeeded();
        watch();
    }

    // ---- watch -------------------------------------------------------------------------------

    private void watch() {
        if (closed) {
            return;
        }
        long timeoutSeconds = MIN_WATCH.toSeconds() + ThreadLocalRandom.current().nextLong(MIN_WATCH.toSeconds());
        StringBuilder uri = new StringBuilder("/api/v1/pods?").append(selector)
                .append("&watch=true&allowWatchBookmarks=true&timeoutSeconds=").append(timeoutSeconds);
        if (!lastVersion.isEmpty()) {
            uri.append("&resourceVersion=").append(encode(lastVersion));
        }
        long idle = Duration.ofSeconds(timeoutSeconds).plus(WATCH_GRACE).toMillis();
        send(uri.toString(), idle, response -> {
            long mine = step;
            if (response.statusCode() != 200) {
                response.body().onComplete(body -> {
                    if (mine != step) {
                        return;
                    }
                    ApiStatusException e = new ApiStatusException(response.statusCode(),
                            body.succeeded() ? body.result().toString(StandardCharsets.UTF_8) : "");
                    if (e.expired()) {
                        versionExpired = true;
                    }
                    failed(e);
                });
                return;
            }
            connection.succeeded();
            long opened = System.nanoTime();
            watchOpenedNanos = opened;
            int[] events = {0};
            RecordParser lines = RecordParser.newDelimited("\n", line -> {
                if (mine == step && line.length() > 0) {
                    events[0]++;
                    onEvent(line, events[0] > 1 || System.nanoTime() - opened >= TOO_SHORT.toNanos());
                }
            });
            lines.maxRecordSize(MAX_EVENT_BYTES);
            lines.exceptionHandler(t -> {
                if (mine == step) {
                    failed(new IOException("a watch event over " + (MAX_EVENT_BYTES >> 20) + " MiB"));
                }
            });
            response.handler(lines);
            response.exceptionHandler(t -> {
                if (mine == step) {
                    broken(t); // the server answered, then the connection broke (a restart, a proxy): list again
                }
            });
            response.endHandler(v -> {
                if (mine != step) {
                    return;
                }
                long open = System.nanoTime() - opened;
                if (events[0] == 0 && open < TOO_SHORT.toNanos()) {
                    failed(new IOException("the API server ended the watch at once"));
                    return;
                }
                if (open >= HEALTHY.toNanos()) {
                    backoffMillis = BACKOFF_INITIAL.toMillis();
                }
                watchOpenedNanos = 0;
                step++;
                watch();
            });
        });
    }

    private void onEvent(Buffer line, boolean watchWorked) {
        NodePodJson.Event event;
        try {
            byte[] bytes = line.getBytes();
            event = NodePodJson.event(bytes, 0, bytes.length);
        } catch (IOException | RuntimeException e) {
            failed(e);
            return;
        }
        NodePodJson.Pod pod = event.pod();
        switch (event.type()) {
            case "ADDED", "MODIFIED" -> {
                if (pod.namespace() != null && pod.name() != null) {
                    store.put(pod.key(), pod);
                    publish();
                }
            }
            case "DELETED" -> {
                if (pod.namespace() != null && pod.name() != null && store.remove(pod.key()) != null) {
                    publish();
                }
            }
            case "BOOKMARK" -> {
                // only its resource version counts
            }
            case "ERROR" -> {
                ApiStatusException e = new ApiStatusException(event.code(),
                        (event.reason() == null ? "" : event.reason() + ": ") + (event.message() == null ? "" : event.message()));
                if (e.expired()) {
                    versionExpired = true;
                    if (watchWorked) {
                        // The watch fell behind after it worked: catch up with a fresh list now.
                        abandon();
                        watchOpenedNanos = 0;
                        list();
                        return;
                    }
                }
                failed(e);
                return;
            }
            default -> {
                return; // an event type of a later API version: nothing to keep
            }
        }
        if (event.resourceVersion() != null && !event.resourceVersion().isEmpty()) {
            lastVersion = event.resourceVersion();
        }
    }

    // ---- requests, failures ------------------------------------------------------------------

    /**
     * Sends a GET; {@code onResponse} runs on the context once its head arrived, unless the
     * request was abandoned by then. A request that cannot be sent counts as a failure.
     *
     */
    private void send(String uri, long idleMillis, io.vertx.core.Handler<HttpClientResponse> onResponse) {
        long mine = ++step;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
                .setHost(access.host()).setPort(access.port()).setSsl(access.tls())
                .setURI(access.pathPrefix() + uri)
                .setConnectTimeout(CONNECT_TIMEOUT.toMillis()).setIdleTimeout(idleMillis)
                .putHeader("Accept", "application/json").putHeader("User-Agent", "gpuscale-agent");
        try {
            String authorization = access.authorization();
            if (authorization != null) {
                options.putHeader("Authorization", authorization);
            }
        } catch (RuntimeException e) {
            failed(e);
            return;
        }
        http.request(options).compose(request -> {
            if (mine != step) {
                request.reset();
                return Future.<HttpClientResponse>failedFuture("abandoned");
            }
            inFlight = request;
            return request.send();
        }).onComplete(ar -> {
            if (mine != step) {
                return;
            }
            if (ar.failed()) {
                failed(ar.cause());
            } else {
                onResponse.handle(ar.result());
            }
        });
    }

    /** Makes the callbacks of the request in flight stale and aborts it. */
    private void abandon() {
        step++;
        HttpClientRequest request = inFlight;
        inFlight = null;
        if (request != null) {
            request.reset();
        }
    }

    /** Counts and logs a failure (once per outage), then lists again after the backoff. */
    private void failed(Throwable t) {
        abandon();
        if (closed) {
            return;
        }
        connection.failed(t);
        retryLater();
    }

    /**
     * An open watch broke: no failure of the API server yet (the next list tells), so nothing is
     * counted or logged above DEBUG; the next list still waits for the backoff, which grows until
     * a watch stays open a minute, so a watch that keeps breaking is no tight loop.
     */
    private void broken(Throwable t) {
        abandon();
        if (closed) {
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "the pod watch broke; listing again", LogFields.of("node", nodeName,
                "server", access.server(), "reason", NodePodConnection.describe(t)));
        retryLater();
    }

    private void retryLater() {
        if (watchOpenedNanos != 0 && System.nanoTime() - watchOpenedNanos >= HEALTHY.toNanos()) {
            backoffMillis = BACKOFF_INITIAL.toMillis();
        }
        watchOpenedNanos = 0;
        long delay = backoffMillis + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
        backoffMillis = Math.min(BACKOFF_MAX.toMillis(), backoffMillis * 2);
        timer = vertx.setTimer(delay, id -> {
            timer = -1;
            list();
        });
    }

    private void publish() {
        List<PodInfo> pods = new ArrayList<>(store.size());
        for (NodePodJson.Pod pod : store.values()) {
            pod.info(nodeName).ifPresent(pods::add);
        }
        current = NodePods.of(pods);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
