package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's 2.42) loads the PrometheusRule's groups and scrapes two simulated
 * agents (with their simulated pods) and the adapter jar's own /metrics, under the job names the
 * ServiceMonitors give them. Then every dashboard query returns data, every rule evaluates without
 * error, and every metric name the rules and the dashboard use is one Prometheus has, except the
 * few exported by others (below).
 */
class MonitoringPrometheusIT {
    /**
     * Names the rules or the dashboard use that this test's targets cannot export. Each has its
     * reason; nothing else may be missing.
     */
    private static final Map<String, String> EXPORTED_ELSEWHERE = Map.of(
            // kube-apiserver's own metric (GpuscaleMetricsAPIServiceUnavailable); no API server here
            "aggregator_unavailable_apiservice", "kube-apiserver",
            // the agent exports it from the first Xid error on; the simulation has none. Its alert
            // has promtool unit tests (tests/gpu.yaml) and the name is the agent's (docs/metrics.md).
            "nvidia_gpu_xid_errors_total", "only after an Xid error");

    @TempDir
    static Path dir;

    private static final List<Agent> agents = new ArrayList<>();
    private static Process adapter;
    private static Process prometheus;
    private static String prometheusUrl;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        Path noSocket = dir.resolve("no-kubelet.sock"); // simulated GPUs come with simulated pods
        Map<String, String> agentSources = new LinkedHashMap<>();
        agentSources.put("mainpc", "sim:rtx4090@steady:80");
        agentSources.put("pc2", "sim:rtx3060@steady:30");
        StringBuilder agentTargets = new StringBuilder();
        List<String> agentUrls = new ArrayList<>();
        for (Map.Entry<String, String> e : agentSources.entrySet()) {
            Agent agent = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource(e.getValue()), e.getKey(),
                    Duration.ofMillis(500), AgentConfig.DEFAULT_NVML_LIBRARY,
                    new AgentConfig.Pods(true, noSocket, dir, null)));
            agents.add(agent);
            agentUrls.add("http://127.0.0.1:" + agent.port() + "/metrics");
            // what the ServiceMonitor's relabelings add: node and agent_pod
            agentTargets.append("""
                      - targets: ['127.0.0.1:%d']
                        labels: {node: %s, agent_pod: gpuscale-agent-%s, service: gpuscale-agent, endpoint: metrics}
                    """.formatted(agent.port(), e.getKey(), e.getKey()));
        }

        int adapterMetricsPort = freePort();
        String jar = System.getProperty("adapter.jar",
                Manifests.repo().resolve("adapter/target/gpuscale-adapter.jar").toString());
        assertThat(Path.of(jar)).as("the adapter's shaded jar (mvn package builds it)").isRegularFile();
        adapter = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar,
                "serve", "--authentication-mode=None", "--authorization-mode=AlwaysAllow",
                "--bind-address=127.0.0.1", "--secure-port=0",
                "--cluster", Manifests.repo().resolve("deploy/examples/demo-cluster.yaml").toString(),
                "--agents", String.join(",", agentUrls), "--scrape-interval=1s",
                "--metrics-bind-address=127.0.0.1:" + adapterMetricsPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("adapter.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();

        MonitoringRules.writeRuleFile(dir);
        int prometheusPort = freePort();
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files: [%s]
                scrape_configs:
                  # as servicemonitors.yaml: the job is the Service's name, the agent's labels win
                  - job_name: gpuscale-agent
                    honor_labels: true
                    static_configs:
                %s
                  - job_name: gpuscale-adapter
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                        labels: {namespace: gpuscale-system, pod: gpuscale-adapter-0, service: gpuscale-adapter, endpoint: metrics}
                """.formatted(MonitoringRules.RULE_FILE, agentTargets.toString().indent(4).stripTrailing(),
                adapterMetricsPort));
        prometheus = new ProcessBuilder(MonitoringRules.prometheus(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        prometheusUrl = "http://127.0.0.1:" + prometheusPort;
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : new Process[] {prometheus, adapter}) {
            if (p != null) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        agents.forEach(Agent::close);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static JsonObject get(String pathAndQuery) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(prometheusUrl + pathAndQuery))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return JsonParser.parseString(r.body()).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            return null; // not up yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static JsonObject query(String promql) {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    private static int resultCount(JsonObject answer) {
        if (answer == null || !"success".equals(answer.get("status").getAsString())) {
            return -1;
        }
        JsonElement result = answer.getAsJsonObject("data").get("result");
        return result.isJsonArray() ? result.getAsJsonArray().size() : 1;
    }

    /** What is still not as it should be; empty once every query has data and every rule ran cleanly. */
    private static List<String> notYet() {
        List<String> missing = new ArrayList<>();
        for (MonitoringDashboard.Query q : MonitoringDashboard.queries()) {
            JsonObject answer = query(q.evaluable());
            if (resultCount(answer) <= 0) {
                missing.add(q.where() + ": " + q.evaluable() + " -> " + answer);
            } else if (q.label() != null && !answer.toString().contains("\"" + q.label() + "\":")) {
                missing.add(q.where() + ": no label " + q.label() + " on " + q.evaluable());
            }
        }
        JsonObject rules = get("/api/v1/rules");
        if (rules == null) {
            missing.add("Prometheus /api/v1/rules does not answer");
            return missing;
        }
        int seen = 0;
        for (JsonElement g : rules.getAsJsonObject("data").getAsJsonArray("groups")) {
            for (JsonElement r : g.getAsJsonObject().getAsJsonArray("rules")) {
                JsonObject rule = r.getAsJsonObject();
                seen++;
                String name = rule.get("name").getAsString();
                if (!"ok".equals(rule.get("health").getAsString())) {
                    missing.add("rule " + name + ": health " + rule.get("health") + " " + rule.get("lastError"));
                } else if (rule.get("lastEvaluation").getAsString().startsWith("0001-")) {
                    missing.add("rule " + name + ": not evaluated yet");
                }
            }
        }
        if (seen != MonitoringRules.rules().size()) {
            missing.add("Prometheus loaded " + seen + " rules, not " + MonitoringRules.rules().size());
        }
        // A first scrape of a cold JVM may time out: its alert is pending until the next succeeds.
        JsonObject alerts = query("ALERTS");
        if (resultCount(alerts) != 0) {
            missing.add("alerts pending or firing: " + alerts);
        }
        return missing;
    }

    private static String log(String name) {
        try {
            String text = Files.readString(dir.resolve(name));
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no " + name + ")";
        }
    }

    /** One generous deadline for Prometheus, the adapter's JVM and a few scrapes; then the checks. */
    private static synchronized void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<String> missing = notYet();
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            missing = notYet();
        }
        assertThat(missing).as("after 60 s; prometheus.log:\n%s\nadapter.log:\n%s", log("prometheus.log"),
                log("adapter.log")).isEmpty();
    }

    @Test
    void everyDashboardQueryHasDataAndEveryRuleEvaluatesCleanly() throws Exception {
        awaitReady();
        // and every alert expression as a query of its own: no error, whatever the result
        for (MonitoringRules.Rule rule : MonitoringRules.rules()) {
            JsonObject answer = query(rule.expr());
            assertThat(answer).as("%s: %s", rule.name(), rule.expr()).isNotNull();
            assertThat(answer.get("status").getAsString()).as("%s: %s -> %s", rule.name(), rule.expr(), answer)
                    .isEqualTo("success");
        }
    }

    @Test
    void everyMetricNameInTheRulesAndTheDashboardExists() throws Exception {
        awaitReady();
        JsonArray values = get("/api/v1/label/__name__/values").getAsJsonArray("data");
        Set<String> known = new TreeSet<>();
        values.forEach(v -> known.add(v.getAsString()));
        Map<String, String> used = new LinkedHashMap<>();
        for (MonitoringRules.Rule rule : MonitoringRules.rules()) {
            PromQl.metricNames(rule.expr()).forEach(n -> used.putIfAbsent(n, "rule " + rule.name()));
        }
        for (MonitoringDashboard.Query q : MonitoringDashboard.queries()) {
            PromQl.metricNames(q.evaluable()).forEach(n -> used.putIfAbsent(n, q.where()));
        }
        assertThat(used).containsKeys("nvidia_gpu_up", "nvidia_gpu_pod_utilization_percent", "up",
                "gpuscale_adapter_reading_age_seconds", "gpuscale_agent_pod_resources_up");
        List<String> unknown = new ArrayList<>();
        used.forEach((name, where) -> {
            if (!known.contains(name) && !EXPORTED_ELSEWHERE.containsKey(name)) {
                unknown.add(name + " (" + where + ")");
            }
        });
        assertThat(unknown).as("metric names no target exports; Prometheus has %s", known).isEmpty();
        assertThat(used.keySet()).as("the allow-list names only what is used").containsAll(EXPORTED_ELSEWHERE.keySet());
        assertThat(known).as("the allow-list names only what this test cannot produce")
                .doesNotContainAnyElementsOf(EXPORTED_ELSEWHERE.keySet());
    }

    @Test
    void theAdapterReportsBothAgentsUpAndFreshData() throws Exception {
        awaitReady();
        JsonObject up = query("gpuscale_adapter_target_up{job=\"gpuscale-adapter\"} == 1");
        assertThat(resultCount(up)).as("%s", up).isEqualTo(2);
        JsonObject fresh = query("gpuscale_adapter_reading_age_seconds < gpuscale_adapter_max_age_seconds");
        assertThat(resultCount(fresh)).as("%s", fresh).isEqualTo(1);
        // a healthy install: no alert even pending (every alert waits minutes before it fires)
        JsonObject alerts = query("ALERTS");
        assertThat(resultCount(alerts)).as("no alert pending or firing on a healthy install: %s", alerts).isZero();
    }
}
