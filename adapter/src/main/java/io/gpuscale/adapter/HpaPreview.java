package io.gpuscale.adapter;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.adapter.hpa.HpaDecision;
import io.gpuscale.adapter.hpa.HpaMetric;
import io.gpuscale.adapter.hpa.HpaPod;
import io.gpuscale.adapter.hpa.HpaScale;
import io.gpuscale.adapter.hpa.ReplicaCalculator;
import io.gpuscale.adapter.selector.LabelSelector;
import io.gpuscale.adapter.tls.TrustAll;
import io.kubernetes.client.custom.Quantity;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code gpuscale-adapter hpa}: what a HorizontalPodAutoscaler with a Pods metric would decide
 * right now. It asks a running adapter exactly what the HPA controller asks, takes the pods from a
 * cluster snapshot, and applies the controller's replica formula.
 */
@Command(name = "hpa", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show what an HPA scaling on a Pods metric would decide now, from a running adapter.")
final class HpaPreview implements Callable<Integer> {
    @Option(names = "--server", required = true, paramLabel = "URL", description = "The adapter, e.g. https://127.0.0.1:6443.")
    String server;

    @Option(names = "--cluster", required = true, paramLabel = "FILE", description = "Cluster snapshot with the pods.")
    Path cluster;

    @Option(names = "--namespace", required = true, paramLabel = "NS")
    String namespace;

    @Option(names = "--selector", required = true, paramLabel = "SELECTOR", description = "The scale target's pod selector.")
    String selector;

    @Option(names = "--metric", defaultValue = "nvidia_gpu_utilization_percent", paramLabel = "NAME")
    String metric;

    @Option(names = "--target", required = true, paramLabel = "QUANTITY", description = "The target averageValue, e.g. 70.")
    String target;

    @Option(names = "--min-replicas", defaultValue = "1")
    int minReplicas;

    @Option(names = "--max-replicas", defaultValue = "10")
    int maxReplicas;

    @Option(names = "--insecure-skip-tls-verify", description = "Accept the adapter's self-signed certificate.")
    boolean insecure;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LabelSelector sel = LabelSelector.parse(selector);
        long targetMilli = milli(target, "--target");
        List<HpaPod> pods = SnapshotClusterView.load(cluster).pods(namespace).stream()
                .filter(p -> sel.matches(p.labels())).map(HpaPod::of).toList();
        if (pods.isEmpty()) {
            throw new IllegalArgumentException("no pod in namespace " + namespace + " matches " + selector);
        }
        String path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + namespace + "/pods/*/" + metric
                + "?labelSelector=" + URLEncoder.encode(selector, StandardCharsets.UTF_8);
        HttpResponse<String> response = client().send(HttpRequest.newBuilder(URI.create(server + path))
                .timeout(Duration.ofSeconds(10)).header("Accept", "application/json").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        JsonObject body = JsonParser.parseString(response.body()).getAsJsonObject();
        if (response.statusCode() != 200) {
            throw new IllegalArgumentException("the adapter answered " + response.statusCode() + ": "
                    + (body.has("message") ? body.get("message").getAsString() : response.body()));
        }
        Map<String, Long> values = new HashMap<>();
        for (JsonElement e : body.getAsJsonArray("items")) {
            JsonObject item = e.getAsJsonObject();
            values.put(item.getAsJsonObject("describedObject").get("name").getAsString(),
                    milli(item.get("value").getAsString(), "value"));
        }
        HpaDecision d = new ReplicaCalculator().decide(HpaScale.of(pods.size(), minReplicas, maxReplicas),
                new HpaMetric.Pods(metric, targetMilli, values, pods));
        spec.commandLine().getOut().println(d.explanation());
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static long milli(String quantity, String what) {
        try {
            return new Quantity(quantity).getNumber().multiply(BigDecimal.valueOf(1000)).longValue();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + ": '" + quantity + "' is not a quantity");
        }
    }

    private HttpClient client() throws Exception {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (insecure) {
            b.sslContext(TrustAll.context());
        }
        return b.build();
    }
}
