package io.gpuscale.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's package, on the PATH) for integration tests: started on a free
 * loopback port with the scrape configs a test gives, its data and log in the test's directory.
 */
public final class PrometheusServer implements AutoCloseable {
    /** Prometheus and promtool come from one package. */
    public static final String HOW_TO_INSTALL = "apt-get install -y prometheus (.ci/run does this; Debian's package is 2.42)";

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();

    private final Process process;
    private final String url;
    private final Path log;

    private PrometheusServer(Process process, String url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    /**
     * Starts Prometheus scraping every second.
     *
     * @param dir where the configuration, the TSDB and {@code prometheus.log} go
     * @param scrapeConfigs the YAML list under {@code scrape_configs:}, each item starting with
     *        {@code - job_name:} and indented by two spaces
     * @param ruleFiles rule files to load (none for most tests)
     */
    public static PrometheusServer start(Path dir, String scrapeConfigs, Path... ruleFiles) throws IOException {
        int port = freePort();
        StringBuilder yaml = new StringBuilder("""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                """);
        if (ruleFiles.length > 0) {
            yaml.append("rule_files:\n");
            for (Path f : ruleFiles) {
                yaml.append("  - '").append(f.toAbsolutePath()).append("'\n");
            }
        }
        yaml.append("scrape_configs:\n").append(scrapeConfigs.stripTrailing()).append('\n');
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, yaml);
        Path log = dir.resolve("prometheus.log");
        Process p = new ProcessBuilder(prometheus(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new PrometheusServer(p, "http://127.0.0.1:" + port, log);
    }

    /** One static target per job: {@code "  - job_name: NAME\n    static_configs:\n      - targets: ['HOST:PORT']"}. */
    public static String staticJob(String job, String hostPort) {
        return "  - job_name: " + job + "\n    static_configs:\n      - targets: ['" + hostPort + "']\n";
    }

    public static String prometheus() {
        return Binaries.find("prometheus", HOW_TO_INSTALL);
    }

    public static String promtool() {
        return Binaries.find("promtool", HOW_TO_INSTALL);
    }

    /** The base URL, {@code http://127.0.0.1:PORT}. */
    public String url() {
        return url;
    }

    /**
     * The raw JSON answer of an instant query, or null while Prometheus is not answering yet (for
     * {@link Eventually}).
     */
    public String query(String promql) {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    /** The body of a GET on the HTTP API, or null while Prometheus is not answering yet. */
    public String get(String pathAndQuery) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + pathAndQuery))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What Prometheus wrote so far, for a failure message. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** A loopback port free at the time of the call. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
