package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.common.testing.PrometheusServer;
import java.io.File;
import java.io.IOException;
import java.net.URLEncoder;
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
 * ServiceMonitors give them. The test sends the adapter's API an HPA's request (200, with values),
 * one over its rate limit (429), over-large headers (431) and an over-large body (413). Then every
 * dashboard query returns data, every rule evaluates without error, and every metric name the rules
 * and the dashboard use is one Prometheus has, except the few exported by others (below). The
 * adapter runs with authentication and authorization off (no kube-apiserver here): its auth series
 * exist at zero; denials are counted in the adapter's DelegatedGateIT.
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
    private static int adapterApiPort;
    private static boolean trafficSent;
    private static PrometheusServer prometheus;

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

        int adapterMetricsPort = PrometheusServer.freePort();
        adapterApiPort = PrometheusServer.freePort();
        String jar = System.getProperty("adapter.jar",
                Manifests.repo().resolve("adapter/target/gpuscale-adapter.jar").toString());
        assertThat(Path.of(jar)).as("the adapter's shaded jar (mvn package builds it)").isRegularFile();
        adapter = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar,
                "serve", "--authentication-mode=None", "--authorization-mode=AlwaysAllow",
                "--bind-address=127.0.0.1", "--secure-port=" + adapterApiPort,
                "--request-rate-per-client=1", "--request-burst-per-client=1",
                "--cluster", Manifests.repo().resolve("deploy/examples/demo-cluster.yaml").toString(),
                "--agents", String.join(",", agentUrls), "--scrape-interval=1s",
                "--metrics-bind-address=127.0.0.1:" + adapterMetricsPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("adapter.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();

        MonitoringRules.writeRuleFile(dir);
        prometheus = PrometheusServer.start(dir, """
                  # as servicemonitors.yaml: the job is the Service's name, the agent's labels win
                  - job_name: gpuscale-agent
                    honor_labels: true
                    static_configs:
                %s
                  - job_name: gpuscale-adapter
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                        labels: {namespace: gpuscale-system, pod: gpuscale-adapter-0, service: gpuscale-adapter, endpoint: metrics}
                """.formatted(agentTargets.toString().indent(4).stripTrailing(), adapterMetricsPort),
                dir.resolve(MonitoringRules.RULE_FILE));
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        for (Process p : new Process[] {adapter}) {
            if (p != null) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        agents.forEach(Agent::close);
    }


    private static JsonObject get(String pathAndQuery) {
        String body = prometheus.get(pathAndQuery);
        try {
            return body == null ? null : JsonParser.parseString(body).getAsJsonObject();
        } catch (RuntimeException e) {
            return null; // not up yet
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

    /** A request over TLS (the adapter's self-signed certificate is not checked); the status code, or -1. */
    private static int adapterApi(String request) {
        try {
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            try (java.net.Socket socket = tls.getSocketFactory().createSocket("127.0.0.1", adapterApiPort)) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
                String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                        StandardCharsets.ISO_8859_1)).readLine();
                return status == null ? -1 : Integer.parseInt(status.split(" ")[1]);
            }
        } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
            return -1; // not up yet
        }
    }

    /**
     * Once the adapter answers an HPA's request with values (200): one more at once (429, the burst
     * is 1), over-large headers (431), an over-large body (413). False until the 200 came.
     */
    private static boolean sendTraffic() {
        if (trafficSent) {
            return true;
        }
        String nodeUtil = "GET /apis/custom.metrics.k8s.io/v1beta2/nodes/mainpc/nvidia_gpu_utilization_percent "
                + "HTTP/1.1\r\nHost: adapter\r\nConnection: close\r\n\r\n";
        if (adapterApi(nodeUtil) != 200) {
            return false;
        }
        assertThat(adapterApi(nodeUtil)).as("a second request within the burst of 1").isEqualTo(429);
        assertThat(adapterApi("GET /apis HTTP/1.1\r\nHost: adapter\r\nX-Big: " + "a".repeat(40_000)
                + "\r\n\r\n")).as("over-large headers").isEqualTo(431);
        assertThat(adapterApi("POST /advisor/v1/explain HTTP/1.1\r\nHost: adapter\r\nContent-Type: "
                + "application/json\r\nContent-Length: 900000000\r\n\r\n")).as("an over-large body").isEqualTo(413);
        trafficSent = true;
        return true;
    }

    /** What is still not as it should be; empty once every query has data and every rule ran cleanly. */
    private static List<String> notYet() {
        List<String> missing = new ArrayList<>();
        if (!sendTraffic()) {
            missing.add("the adapter has not answered GET .../nodes/mainpc/nvidia_gpu_utilization_percent with 200");
        }
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
        assertThat(missing).as("after 60 s; prometheus.log:\n%s\nadapter.log:\n%s", prometheus.log(),
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
                "gpuscale_adapter_reading_age_seconds", "gpuscale_agent_pod_resources_up",
                "gpuscale_adapter_api_served_value_age_seconds_bucket", "gpuscale_adapter_api_refusals_total",
                "gpuscale_adapter_auth_denials_total", "gpuscale_adapter_scrape_failures_total");
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
        // what the test sent, as Prometheus has it from the adapter's own metrics
        for (String series : List.of("gpuscale_adapter_api_refusals_total{reason=\"rate_limit\"}",
                "gpuscale_adapter_api_refusals_total{reason=\"headers_too_large\"}",
                "gpuscale_adapter_api_refusals_total{reason=\"body_too_large\"}",
                "gpuscale_adapter_api_requests_total{code=\"200\",resource=\"nodes\",scope=\"single\"}",
                "gpuscale_adapter_api_requests_total{code=\"413\",resource=\"explain\"}",
                "gpuscale_adapter_api_served_value_age_seconds_count")) {
            JsonObject counted = query(series + " >= 1");
            assertThat(resultCount(counted)).as("%s: %s", series, counted).isEqualTo(1);
        }
        // a healthy install: no alert even pending (every alert waits minutes before it fires)
        JsonObject alerts = query("ALERTS");
        assertThat(resultCount(alerts)).as("no alert pending or firing on a healthy install: %s", alerts).isZero();
    }
}
