package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.common.testing.Binaries;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/api.md cannot drift: the adapter jar is started as the document's setup block says (its two
 * simulated agents in this JVM, steady loads, so every value is fixed), and every example in the document
 * is run as written, through bash, with the real {@code kubectl} (a kubeconfig pointing at the adapter,
 * as kube-apiserver would proxy to it) and the real {@code curl}; {@code $ADAPTER}, {@code $EXTENDER} and
 * {@code $METRICS} are the adapter's ports here. Each answer must equal the output block
 * under the example, times and the platform aside.
 *
 * <p>{@code -Dgpuscale.regenerateApiDoc=true} writes the real answers into the output blocks instead.
 */
class ApiDocIT {
    private static final Path DOC = Manifests.repo().resolve("docs/api.md");
    private static final boolean REGENERATE = Boolean.getBoolean("gpuscale.regenerateApiDoc");
    private static final Pattern API = Pattern.compile("gpuscale adapter serving: https://127\\.0\\.0\\.1:(\\d+) ");
    private static final Pattern EXTENDER = Pattern.compile("scheduler extender serving: https://127\\.0\\.0\\.1:(\\d+)/");
    private static final Pattern METRICS = Pattern.compile("adapter metrics serving: http://127\\.0\\.0\\.1:(\\d+)/metrics");
    private static final String HPA_QUERY = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/*/"
            + "nvidia_gpu_utilization_percent?labelSelector=app%3Dllm-server";
    private static final String NODES_QUERY = "/apis/custom.metrics.k8s.io/v1beta2/nodes/*/nvidia_gpu_utilization_percent";

    @TempDir
    static Path home;

    private static ApiDoc doc;
    private static final List<Agent> agents = new ArrayList<>();
    private static Process adapter;
    private static final StringBuffer adapterLog = new StringBuffer();
    private static volatile int apiPort;
    private static volatile int extenderPort;
    private static volatile int metricsPort;
    private static String kubectl;
    private static String curl;

    @BeforeAll
    static void start() throws Exception {
        kubectl = Binaries.find("kubectl", "install kubectl (the Debian package kubernetes-client, or a release binary)");
        curl = Binaries.find("curl", "install curl (apt-get install curl)");
        doc = ApiDoc.parse(Files.readString(DOC));
        Map<String, String> agentUrls = new LinkedHashMap<>();
        List<String> serve = null;
        for (String command : doc.setupCommands()) {
            List<String> words = words(command);
            if (words.size() > 2 && words.get(0).equals("java") && words.get(2).endsWith("gpuscale-agent.jar")) {
                Agent agent = startAgent(words.subList(3, words.size()), command);
                agents.add(agent);
                agentUrls.put(value(words, "--listen", command), "http://127.0.0.1:" + agent.port() + "/metrics");
            } else if (words.size() > 3 && words.get(0).equals("java") && words.get(2).endsWith("gpuscale-adapter.jar")) {
                serve = words.subList(3, words.size());
            }
        }
        assertThat(agents).as("agents started by the setup block of %s", DOC).isNotEmpty();
        assertThat(serve).as("the adapter's command in the setup block of %s", DOC).isNotNull();
        adapter = startAdapter(serve, agentUrls);
        writeKubeconfig();
        awaitData();
    }

    @AfterAll
    static void stop() throws Exception {
        if (adapter != null) {
            adapter.destroy();
            if (!adapter.waitFor(20, TimeUnit.SECONDS)) {
                adapter.destroyForcibly();
            }
        }
        for (Agent a : agents) {
            a.close();
        }
    }

    /** A command's words as bash would split this simple kind of line (no quotes in the setup block). */
    private static List<String> words(String command) {
        String c = command.strip();
        if (c.endsWith("&")) {
            c = c.substring(0, c.length() - 1);
        }
        return Arrays.stream(c.strip().split("\\s+")).toList();
    }

    private static String value(List<String> words, String flag, String command) {
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i).equals(flag) && i + 1 < words.size()) {
                return words.get(i + 1);
            }
            if (words.get(i).startsWith(flag + "=")) {
                return words.get(i).substring(flag.length() + 1);
            }
        }
        throw new AssertionError("docs/api.md setup: no " + flag + " in: " + command);
    }

    /** The agent the setup's line describes, in this JVM on a free port. */
    private static Agent startAgent(List<String> args, String command) throws Exception {
        List<String> known = List.of("--source", "--node-name", "--listen", "--interval");
        for (String a : args) {
            if (a.startsWith("--") && !known.contains(a.split("=", 2)[0])) {
                throw new AssertionError("docs/api.md setup: this test starts agents with " + known + " only, not " + a);
            }
        }
        Duration interval = args.stream().anyMatch(a -> a.startsWith("--interval"))
                ? AgentConfig.parseInterval(value(args, "--interval", command))
                : AgentConfig.parseInterval(AgentConfig.DEFAULT_INTERVAL);
        return Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource(value(args, "--source", command)),
                value(args, "--node-name", command), interval, AgentConfig.DEFAULT_NVML_LIBRARY));
    }

    /** The adapter jar with the setup's arguments; ports 0, the agents' URLs those of the agents started here. */
    private static Process startAdapter(List<String> serve, Map<String, String> agentUrls) throws Exception {
        String jar = System.getProperty("adapter.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new AssertionError("no adapter jar (system property adapter.jar: " + jar + "): run this test with "
                    + "failsafe after the package phase, e.g. mvn -pl deploy -am verify -Dit.test=ApiDocIT");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar));
        List<String> words = new ArrayList<>();
        for (String w : serve) {
            int eq = w.indexOf('=');
            if (w.startsWith("--") && eq > 0) {
                words.add(w.substring(0, eq));
                words.add(w.substring(eq + 1));
            } else {
                words.add(w);
            }
        }
        if (!words.contains("--metrics-bind-address") || !words.contains("--bind-address")) {
            throw new AssertionError("docs/api.md setup: give the adapter --bind-address 127.0.0.1 and "
                    + "--metrics-bind-address 127.0.0.1:PORT (the defaults listen on every interface)");
        }
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("--metrics-bind-address") && i + 1 < words.size()) {
                command.addAll(List.of(w, "127.0.0.1:0"));
                i++;
            } else if ((w.equals("--secure-port") || w.equals("--scheduler-extender-port")) && i + 1 < words.size()) {
                command.addAll(List.of(w, "0"));
                i++;
            } else if (w.equals("--agents") && i + 1 < words.size()) {
                List<String> urls = new ArrayList<>();
                for (String u : words.get(i + 1).split(",")) {
                    Matcher m = Pattern.compile("https?://([^/]+)/metrics").matcher(u);
                    String url = m.matches() ? agentUrls.get(m.group(1)) : null;
                    if (url == null) {
                        throw new AssertionError("docs/api.md setup: --agents names " + u
                                + ", which no agent of the setup listens on");
                    }
                    urls.add(url);
                }
                command.addAll(List.of(w, String.join(",", urls)));
                i++;
            } else {
                command.add(w);
            }
        }
        Process p = new ProcessBuilder(command).directory(Manifests.repo().toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    adapterLog.append(line).append('\n');
                    Matcher api = API.matcher(line);
                    if (api.find()) {
                        apiPort = Integer.parseInt(api.group(1));
                    }
                    Matcher ext = EXTENDER.matcher(line);
                    if (ext.find()) {
                        extenderPort = Integer.parseInt(ext.group(1));
                    }
                    Matcher metrics = METRICS.matcher(line);
                    if (metrics.find()) {
                        metricsPort = Integer.parseInt(metrics.group(1));
                    }
                }
            } catch (Exception e) {
                adapterLog.append("reading the adapter's output failed: ").append(e).append('\n');
            }
        }, "adapter-output");
        reader.setDaemon(true);
        reader.start();
        boolean extender = serve.stream().anyMatch(w -> w.startsWith("--scheduler-extender-port"));
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while ((apiPort == 0 || metricsPort == 0 || extender && extenderPort == 0) && p.isAlive()
                && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        assertThat(apiPort).as("the adapter's HTTPS port, from its log:\n%s", adapterLog).isPositive();
        assertThat(!extender || extenderPort > 0).as("the extender's port, from its log:\n%s", adapterLog).isTrue();
        assertThat(metricsPort).as("the metrics port, from its log:\n%s", adapterLog).isPositive();
        return p;
    }

    /** kubectl reaches the adapter as it would a cluster: a server, a token, no CA (the certificate is self-signed). */
    private static void writeKubeconfig() throws Exception {
        Files.writeString(home.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: adapter
                    cluster:
                      server: https://127.0.0.1:%d
                      insecure-skip-tls-verify: true
                users:
                  - name: reader
                    user:
                      token: any-token-will-do
                contexts:
                  - name: adapter
                    context:
                      cluster: adapter
                      user: reader
                current-context: adapter
                """.formatted(apiPort));
    }

    /** Until every agent has been scraped: the examples show every node and pod. */
    private static void awaitData() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String pods = "";
        String nodes = "";
        while (System.nanoTime() - deadline < 0) {
            pods = run("kubectl get --raw '" + HPA_QUERY + "'");
            nodes = run("kubectl get --raw '" + NODES_QUERY + "'");
            if (count(pods, "\"value\"") == agents.size() && count(nodes, "\"value\"") == agents.size()) {
                return;
            }
            LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        }
        throw new AssertionError("the adapter did not serve every agent's readings within 90s:\n" + pods + "\n" + nodes
                + "\nadapter log:\n" + adapterLog);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** Runs a command as the document's reader would: bash, in the repository, kubectl aimed at the adapter. */
    private static String run(String command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).directory(Manifests.repo().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.put("HOME", home.toString());
        env.put("KUBECONFIG", home.resolve("kubeconfig").toString());
        env.put("ADAPTER", "https://127.0.0.1:" + apiPort);
        env.put("EXTENDER", "https://127.0.0.1:" + extenderPort);
        env.put("METRICS", "http://127.0.0.1:" + metricsPort);
        env.put("PATH", Path.of(kubectl).getParent() + File.pathSeparator + Path.of(curl).getParent()
                + File.pathSeparator + env.getOrDefault("PATH", "/usr/bin:/bin"));
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish within 60s: " + command);
        }
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        return stdout.isEmpty() || stderr.isEmpty() ? stdout + stderr : stdout.stripTrailing() + "\n" + stderr;
    }

    @Test
    void everyExampleAnswersWhatTheDocumentShows() throws Exception {
        List<ApiDoc.Example> examples = doc.examples();
        assertThat(examples).as("examples in %s", DOC).hasSizeGreaterThan(10);
        List<String> outputs = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        for (ApiDoc.Example e : examples) {
            String raw = run(e.runnable());
            String shown = e.jq() ? ApiDoc.jq(raw) : raw;
            outputs.add(shown);
            if (!ApiDoc.normalize(shown).equals(ApiDoc.normalize(e.output()))) {
                mismatches.add("docs/api.md:" + e.commandLine() + ": $ " + e.command() + "\n--- the document shows:\n"
                        + e.output() + "\n--- the adapter answers:\n" + shown);
            }
        }
        if (REGENERATE) {
            Files.writeString(DOC, doc.withOutputs(outputs));
            return;
        }
        assertThat(mismatches).as("examples whose output differs from the adapter's real answer "
                + "(times, /version's platform and the GPU-load age are not compared; rewrite the outputs with "
                + "-Dgpuscale.regenerateApiDoc=true)").isEmpty();
    }

    /** Every kind of URL the adapter serves has at least one example. */
    @Test
    void everyServedUrlHasAnExample() {
        List<String> commands = doc.examples().stream().map(ApiDoc.Example::command).toList();
        // A path ending in a quote is asked exactly (discovery); the others are prefixes or query parts.
        List<String> needed = List.of(
                "/apis\"", "/apis/custom.metrics.k8s.io\"", "/apis/custom.metrics.k8s.io/v1beta2'",
                "/apis/custom.metrics.k8s.io/v1beta1'", "/apis/external.metrics.k8s.io\"",
                "/apis/external.metrics.k8s.io/v1beta1'",
                "/namespaces/demo/pods/*/nvidia_gpu_utilization_percent?labelSelector=",
                "/namespaces/demo/pods/llm-server-mainpc-0/", "metricLabelSelector=",
                "/nodes/pc2/", "/nodes/*/", "/namespaces/demo/metrics/",
                "/apis/external.metrics.k8s.io/v1beta1/namespaces/demo/nvidia_gpu_utilization_percent",
                "/apis/external.metrics.k8s.io/v1beta1/namespaces/demo/nvidia_gpu_idle_devices",
                "/advisor/v1/explain", "/scheduler/filter", "/scheduler/prioritize",
                "/healthz", "/livez", "/readyz", "/version", "/openapi/v2", "$METRICS/metrics");
        for (String n : needed) {
            assertThat(commands).as("an example in %s for %s", DOC, n).anyMatch(c -> c.contains(n));
        }
    }
}
