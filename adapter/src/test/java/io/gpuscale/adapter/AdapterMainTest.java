package io.gpuscale.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class AdapterMainTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = AdapterMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    private Path cluster() throws Exception {
        Path f = dir.resolve("cluster.yaml");
        Files.writeString(f, "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n"
                + "  metadata:\n    name: mainpc\n");
        return f;
    }

    private List<String> serve(String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("serve", "--authentication-mode=None",
                "--authorization-mode=AlwaysAllow", "--cluster", cluster().toString(),
                "--agents", "http://127.0.0.1:9400/metrics"));
        args.addAll(List.of(more));
        return args;
    }

    private AdapterConfig config(List<String> args) {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
        return serve.config();
    }

    private static void assertOneLineUsageError(Result r, String contains) {
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("gpuscale-adapter: ").contains(contains).endsWith("\n");
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void agentWatchCanBeTurnedOffAndTakesOnlyABoolean() throws Exception {
        assertThat(config(serve("--agent-watch=false")).agentWatch()).isFalse();
        assertThat(config(serve("--agent-watch", "true")).agentWatch()).isTrue();
        assertOneLineUsageError(run(serve("--agent-watch=sometimes").toArray(String[]::new)), "--agent-watch");
    }

    @Test
    void defaultsComeFromOnePlace() throws Exception {
        AdapterConfig c = config(serve());
        assertThat(c.securePort()).isEqualTo(6443);
        assertThat(c.bindAddress()).isEqualTo("0.0.0.0");
        assertThat(c.scrapeInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.maxAge()).isEqualTo(Duration.ofSeconds(6));
        assertThat(c.externalMetrics()).isFalse();
        assertThat(c.agentWatch()).isTrue();
        assertThat(c.tls()).isInstanceOf(AdapterConfig.SelfSigned.class);
        assertThat(((AdapterConfig.SelfSigned) c.tls()).hosts()).contains("localhost", "127.0.0.1");
        assertThat(c.cluster()).isInstanceOf(AdapterConfig.SnapshotFile.class);
        assertThat(c.metrics()).isEqualTo(new AdapterConfig.StaticAgents(
                List.of(java.net.URI.create("http://127.0.0.1:9400/metrics"))));
    }

    @Test
    void inAPodTheEnvironmentNamesTheClusterAndTheCertificateHosts() {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs("--agents", "http://127.0.0.1:9400/metrics");
        AdapterConfig c = serve.config(new Environment("10.96.0.1", "gpuscale-adapter-7f9c", "10.1.2.3"));
        assertThat(c.cluster()).isEqualTo(new AdapterConfig.InCluster());
        assertThat(c.kubeconfig()).isNull();
        assertThat(c.auth().delegatesAnything()).isTrue();
        assertThat(((AdapterConfig.SelfSigned) c.tls()).hosts()).contains("gpuscale-adapter-7f9c", "10.1.2.3");
        assertThatThrownBy(() -> serve.config(Environment.none())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ask the Kubernetes API");
    }

    @Test
    void maxAgeFollowsTheScrapeIntervalUnlessGiven() throws Exception {
        assertThat(config(serve("--scrape-interval", "500ms")).maxAge()).isEqualTo(Duration.ofMillis(1500));
        assertThat(config(serve("--max-age", "1m")).maxAge()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config(serve("--enable-external-metrics")).externalMetrics()).isTrue();
    }

    @Test
    void delegatedAuthIsTheDefaultAndNeedsAKubernetesApiOutsideACluster() throws Exception {
        assertOneLineUsageError(run("serve", "--cluster", cluster().toString(), "--agents", "http://a:1/metrics"),
                "--authentication-mode=Delegated --authorization-mode=Delegated ask the Kubernetes API");
        assertOneLineUsageError(run("serve", "--authentication-mode=Delegated", "--authorization-mode=AlwaysAllow",
                "--cluster", cluster().toString(), "--agents", "http://a:1/metrics"), "ask the Kubernetes API");
        assertOneLineUsageError(run("serve", "--authentication-mode=Token", "--authorization-mode=AlwaysAllow",
                "--cluster", cluster().toString(), "--agents", "http://a:1/metrics"),
                "invalid value for --authentication-mode: 'Token' is not Delegated or None");
        assertOneLineUsageError(run("serve", "--authentication-mode=None", "--authorization-mode=RBAC",
                "--cluster", cluster().toString(), "--agents", "http://a:1/metrics"),
                "'RBAC' is not Delegated or AlwaysAllow");
        assertOneLineUsageError(run(serve("--authorization-cache-ttl=soon").toArray(String[]::new)),
                "--authorization-cache-ttl");
        assertOneLineUsageError(run(serve("--authorization-always-allow-paths=healthz").toArray(String[]::new)),
                "'healthz' is not an absolute path");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "--secure-port=70000|is not a port",
        "--secure-port=x|--secure-port",
        "--scrape-interval=2|is not a duration",
        "--scrape-interval=10m|outside 100ms to 5m",
        "--max-age=1s|shorter than --scrape-interval",
        "--max-age=soon|--max-age",
        "--tls-cert-file=/nonexistent.pem|go together",
        "--no-such-flag|no-such-flag",
        "--log-level=verbose|invalid value for --log-level: 'verbose' is not a level (debug, info, warn, error)",
        "--log-level=|invalid value for --log-level",
        "--log-format=yaml|invalid value for --log-format: 'yaml' is not a log format (text, json)",
        "--log-format=|invalid value for --log-format: '' is not a log format (text, json)",
        "--metrics-bind-address=9420|invalid value for --metrics-bind-address: '9420' is not HOST:PORT",
        "--metrics-bind-address=0.0.0.0:http|invalid value for --metrics-bind-address: '0.0.0.0:http' has no valid port",
        "--metrics-bind-address=:70000|invalid value for --metrics-bind-address: port 70000 is out of range",
        "--metrics-bind-address=on|invalid value for --metrics-bind-address: 'on' is not HOST:PORT",
    })
    void badFlagsAreOneLineAndExit2(String flag, String message) throws Exception {
        assertOneLineUsageError(run(serve(flag).toArray(String[]::new)), message);
    }

    @Test
    void sourcesAreCheckedAndExclusive() throws Exception {
        Path c = cluster();
        String[] base = {"serve", "--authentication-mode=None", "--authorization-mode=AlwaysAllow"};
        assertOneLineUsageError(run(concat(base, "--cluster", c.toString())), "no metrics source");
        assertOneLineUsageError(run(concat(base, "--cluster", c.toString(), "--agents", "ftp://x/metrics")),
                "is not an http(s) URL");
        assertOneLineUsageError(run(concat(base, "--cluster", c.toString(), "--agent-service", "no-slash")),
                "NAMESPACE/NAME");
        assertOneLineUsageError(run(concat(base, "--cluster", c.toString(), "--agents", "http://a:1/metrics",
                "--prometheus", "http://p:9090")), "exclude each other");
        assertOneLineUsageError(run(concat(base, "--cluster", dir.resolve("missing.yaml").toString(), "--agents",
                "http://a:1/metrics")), "no readable file");
        assertOneLineUsageError(run(concat(base, "--cluster", c.toString(), "--kubeconfig", c.toString(), "--agents",
                "http://a:1/metrics")), "exclude each other");
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "apiVersion: v1\nkind: List\nitems:\n- kind: Gadget\n");
        assertOneLineUsageError(run(concat(base, "--cluster", broken.toString(), "--agents", "http://a:1/metrics")),
                "--cluster");
    }

    @Test
    void thePrometheusQueryTimeoutIsAFlagWithBoundsThatNeedsPrometheus() throws Exception {
        List<String> base = List.of("serve", "--authentication-mode=None", "--authorization-mode=AlwaysAllow",
                "--cluster", cluster().toString(), "--prometheus", "http://prometheus.monitoring:9090");
        assertThat(config(base).metrics()).isEqualTo(new AdapterConfig.Prometheus(
                java.net.URI.create("http://prometheus.monitoring:9090"), Duration.ofSeconds(10)));
        List<String> longer = new ArrayList<>(base);
        longer.add("--prometheus-timeout=7500ms");
        assertThat(((AdapterConfig.Prometheus) config(longer).metrics()).timeout()).isEqualTo(Duration.ofMillis(7500));

        for (String[] bad : new String[][] {
            {"--prometheus-timeout=2", "invalid value for --prometheus-timeout: '2' is not a duration"},
            {"--prometheus-timeout=", "invalid value for --prometheus-timeout: empty duration"},
            {"--prometheus-timeout=50ms", "invalid value for --prometheus-timeout: '50ms' is outside 100ms to 1m"},
            {"--prometheus-timeout=2m", "invalid value for --prometheus-timeout: '2m' is outside 100ms to 1m"},
        }) {
            List<String> args = new ArrayList<>(base);
            args.add(bad[0]);
            assertOneLineUsageError(run(args.toArray(String[]::new)), bad[1]);
        }
        assertOneLineUsageError(run(serve("--prometheus-timeout=5s").toArray(String[]::new)),
                "--prometheus-timeout needs --prometheus");
        assertThat(run("serve", "--help").out()).contains("--prometheus-timeout=DURATION", "100ms to 1m (default: 10s)");
    }

    @Test
    void logLevelAndMetricsAddressDefaultsAndForms() throws Exception {
        AdapterConfig defaults = config(serve());
        assertThat(defaults.logLevel()).isEqualTo(java.util.logging.Level.INFO);
        assertThat(defaults.logFormat()).isEqualTo(io.gpuscale.common.Logging.Format.TEXT);
        assertThat(defaults.metricsAddress()).isEqualTo(new io.gpuscale.common.HostPort("0.0.0.0", 9420));
        assertThat(config(serve("--log-level=DEBUG")).logLevel()).isEqualTo(java.util.logging.Level.FINE);
        assertThat(config(serve("--log-level", "warn")).logLevel()).isEqualTo(java.util.logging.Level.WARNING);
        assertThat(config(serve("--log-level", "error")).logLevel()).isEqualTo(java.util.logging.Level.SEVERE);
        assertThat(config(serve("--metrics-bind-address=off")).metricsAddress()).isNull();
        assertThat(config(serve("--metrics-bind-address=OFF")).metricsAddress()).isNull();
        assertThat(config(serve("--metrics-bind-address=:9999")).metricsAddress())
                .isEqualTo(new io.gpuscale.common.HostPort("0.0.0.0", 9999));
        assertThat(config(serve("--metrics-bind-address=[::1]:0")).metricsAddress())
                .isEqualTo(new io.gpuscale.common.HostPort("::1", 0));
        Result help = run("serve", "--help");
        assertThat(help.out()).contains("--metrics-bind-address=HOST:PORT|off", "default: 0.0.0.0:9420",
                "--log-level=LEVEL", "debug, info, warn or error (default: info)",
                "--log-format=text|json", "(default: text)");
    }

    @Test
    void aBusyMetricsPortIsOneLineAndExit1() throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            Result r = run(serve("--secure-port=0", "--metrics-bind-address=127.0.0.1:" + busy.getLocalPort())
                    .toArray(String[]::new));
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).startsWith("gpuscale-adapter: cannot serve /metrics on 127.0.0.1:"
                    + busy.getLocalPort() + ": ");
            assertThat(r.err().strip().lines()).hasSize(1);
        }
    }

    @Test
    void agentDiscoveryThroughTheApiNeedsAnApiServer() throws Exception {
        assertOneLineUsageError(run("serve", "--authentication-mode=None", "--authorization-mode=AlwaysAllow",
                "--cluster", cluster().toString(), "--agent-service", "gpuscale-system/gpuscale-agent"),
                "--agent-service discovers agents through the Kubernetes API");
    }

    @Test
    void aCommandIsRequiredAndHelpWorks() {
        assertOneLineUsageError(run(), "a command is required: serve");
        Result help = run("serve", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--authentication-mode", "--enable-external-metrics", "--max-age");
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
