package io.gpuscale.adapter;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.adapter.cluster.ClusterFileException;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.adapter.hpa.HpaDecision;
import io.gpuscale.adapter.hpa.HpaMetric;
import io.gpuscale.adapter.hpa.HpaPod;
import io.gpuscale.adapter.hpa.HpaScale;
import io.gpuscale.adapter.hpa.ReplicaCalculator;
import io.gpuscale.adapter.selector.LabelSelector;
import io.gpuscale.common.tls.TrustAll;
import io.gpuscale.common.cli.CommandFailure;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLHandshakeException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code gpuscale-adapter hpa}: what a HorizontalPodAutoscaler with a Pods metric would decide
 * right now. It asks a running adapter exactly what the HPA controller asks, takes the pods from a
 * cluster snapshot or the live cluster, and applies the controller's replica formula. Whatever
 * stops it from answering (an adapter that is down or not trusted, a cluster that cannot be
 * listed) is one line on stderr and exit status 2.
 */
@Command(name = "hpa", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show what an HPA scaling on a Pods metric would decide now, from a running adapter.")
final class HpaPreview implements Callable<Integer> {
    @Option(names = "--server", required = true, paramLabel = "URL",
            description = "The adapter, e.g. https://127.0.0.1:6443.")
    String server;

    @Option(names = "--cluster", paramLabel = "FILE",
            description = "Take the pods from this cluster snapshot (a v1 List of Nodes, Pods, ResourceQuotas).")
    Path cluster;

    @Option(names = "--kubeconfig", paramLabel = "PATH",
            description = "Take the pods from the live cluster through this kubeconfig instead of --cluster.")
    Path kubeconfig;

    @Option(names = "--namespace", required = true, paramLabel = "NS",
            description = "The namespace of the scale target's pods.")
    String namespace;

    @Option(names = "--selector", required = true, paramLabel = "SELECTOR",
            description = "The scale target's pod selector, e.g. app=llm-server.")
    String selector;

    @Option(names = "--metric", defaultValue = "nvidia_gpu_utilization_percent", paramLabel = "NAME",
            description = "The Pods metric the HPA scales on (default: ${DEFAULT-VALUE}).")
    String metric;

    @Option(names = "--target", required = true, paramLabel = "QUANTITY",
            description = "The target averageValue, e.g. 70.")
    String target;

    @Option(names = "--min-replicas", defaultValue = "1", paramLabel = "N",
            description = "The HPA's minReplicas (default: ${DEFAULT-VALUE}).")
    int minReplicas;

    @Option(names = "--max-replicas", defaultValue = "10", paramLabel = "N",
            description = "The HPA's maxReplicas (default: ${DEFAULT-VALUE}).")
    int maxReplicas;

    @Option(names = "--timeout", defaultValue = "10s", paramLabel = "DURATION",
            description = "How long to wait for the adapter, and for the cluster with --kubeconfig "
                    + "(default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--insecure-skip-tls-verify",
            description = "Accept the adapter's certificate without checking it (the adapter's self-signed one).")
    boolean insecure;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if ((cluster == null) == (kubeconfig == null)) {
            throw new IllegalArgumentException(cluster == null ? "give the pods: --cluster FILE or --kubeconfig PATH"
                    : "--cluster and --kubeconfig exclude each other");
        }
        if (minReplicas < 1 || maxReplicas < minReplicas) {
            throw new IllegalArgumentException("invalid replica bounds: --min-replicas " + minReplicas
                    + " must be at least 1 and at most --max-replicas " + maxReplicas);
        }
        Duration wait = Flags.wrap("--timeout", () -> AdapterConfig.parseDuration(timeout));
        URI base = Flags.wrap("--server", () -> AdapterConfig.parseUrl(server));
        LabelSelector sel = Flags.wrap("--selector", () -> LabelSelector.parse(selector));
        long targetMilli = milli(target, "--target");
        List<HpaPod> pods = cluster != null ? snapshotPods(sel) : livePods(sel, wait);
        if (pods.isEmpty()) {
            throw new CommandFailure("no pod in namespace " + namespace + " matches " + selector);
        }
        Map<String, Long> values = ask(base, wait);
        HpaDecision d = new ReplicaCalculator().decide(HpaScale.of(pods.size(), minReplicas, maxReplicas),
                new HpaMetric.Pods(metric, targetMilli, values, pods));
        spec.commandLine().getOut().println(d.explanation());
        spec.commandLine().getOut().flush();
        return 0;
    }

    private List<HpaPod> snapshotPods(LabelSelector sel) {
        if (!Files.isRegularFile(cluster)) {
            throw new IllegalArgumentException("invalid value for --cluster: no readable file " + cluster);
        }
        try {
            return SnapshotClusterView.load(cluster).pods(namespace).stream()
                    .filter(p -> sel.matches(p.labels())).map(HpaPod::of).toList();
        } catch (ClusterFileException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** One list of the namespace's pods, as the HPA controller groups them (phase, Ready, deletion). */
    private List<HpaPod> livePods(LabelSelector sel, Duration wait) {
        if (!Files.isRegularFile(kubeconfig)) {
            throw new IllegalArgumentException("invalid value for --kubeconfig: no readable file " + kubeconfig);
        }
        ApiClient client = Flags.apiClient(new AdapterConfig.Kubeconfig(kubeconfig), "--kubeconfig");
        client.setReadTimeout((int) wait.toMillis());
        client.setConnectTimeout((int) wait.toMillis());
        V1PodList list;
        try {
            list = new CoreV1Api(client).listNamespacedPod(namespace).labelSelector(selector).execute();
        } catch (ApiException e) {
            throw new CommandFailure("--kubeconfig: listing the pods of namespace " + namespace + " failed: "
                    + (e.getCode() == 0 ? rootCause(e) : "HTTP " + e.getCode() + statusMessage(e.getResponseBody())), e);
        }
        return list.getItems().stream().filter(p -> p.getMetadata() != null
                && sel.matches(p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels()))
                .map(HpaPreview::hpaPod).toList();
    }

    static HpaPod hpaPod(V1Pod pod) {
        String phase = pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Unknown"
                : pod.getStatus().getPhase();
        boolean ready = pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        return new HpaPod(pod.getMetadata().getName(), phase, ready, pod.getMetadata().getDeletionTimestamp() != null);
    }

    /** The adapter's answer to the HPA controller's question: pod name to value in milli-units. */
    private Map<String, Long> ask(URI base, Duration wait) {
        String path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + namespace + "/pods/*/" + metric
                + "?labelSelector=" + URLEncoder.encode(selector, StandardCharsets.UTF_8);
        int code;
        String body;
        try (Response response = client(wait).newCall(new Request.Builder().url(base + path)
                .header("Accept", "application/json").get().build()).execute()) {
            code = response.code();
            body = response.body().string();
        } catch (SSLHandshakeException e) {
            throw new CommandFailure("the adapter at " + base + " is not trusted: its TLS certificate does "
                    + "not verify (" + rootCause(e) + "); for the adapter's self-signed certificate add "
                    + "--insecure-skip-tls-verify", e);
        } catch (IOException e) {
            throw new CommandFailure("cannot ask the adapter at " + base + ": " + rootCause(e), e);
        }
        if (code != 200) {
            throw new CommandFailure("the adapter answered HTTP " + code + statusMessage(body));
        }
        try {
            Map<String, Long> values = new HashMap<>();
            for (JsonElement e : JsonParser.parseString(body).getAsJsonObject().getAsJsonArray("items")) {
                JsonObject item = e.getAsJsonObject();
                values.put(item.getAsJsonObject("describedObject").get("name").getAsString(),
                        milli(item.get("value").getAsString(), "value"));
            }
            return values;
        } catch (RuntimeException e) {
            throw new CommandFailure("the adapter's answer is not a MetricValueList with items of "
                    + "describedObject.name and value", e);
        }
    }

    /** ": MESSAGE" of a Kubernetes Status body, or "" when the body is none. */
    private static String statusMessage(String body) {
        try {
            JsonObject status = JsonParser.parseString(body).getAsJsonObject();
            return status.has("message") ? ": " + status.get("message").getAsString() : "";
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** What went wrong at the bottom, as one line: refused, timed out, unknown host, else the innermost message. */
    private static String rootCause(Throwable e) {
        Throwable innermost = e;
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.net.ConnectException) {
                return "connection refused";
            }
            if (c instanceof java.io.InterruptedIOException) { // a socket or a whole-call timeout
                return "timed out";
            }
            if (c instanceof java.net.UnknownHostException) {
                return "unknown host " + c.getMessage();
            }
            innermost = c;
        }
        String m = innermost.getMessage();
        return (m == null || m.isBlank() ? innermost.getClass().getSimpleName() : m).replaceAll("\\s*\\R\\s*", " ");
    }

    private static long milli(String quantity, String what) {
        try {
            return new Quantity(quantity).getNumber().multiply(BigDecimal.valueOf(1000)).longValue();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + ": '" + quantity + "' is not a quantity");
        }
    }

    private OkHttpClient client(Duration wait) {
        OkHttpClient.Builder b = new OkHttpClient.Builder().connectTimeout(wait).callTimeout(wait);
        if (insecure) {
            try {
                b.sslSocketFactory(TrustAll.context().getSocketFactory(), TrustAll.trustManager())
                        .hostnameVerifier((host, session) -> true);
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("no TLS context: " + e.getMessage(), e);
            }
        }
        return b.build();
    }
}
