package io.gpuscale.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.metrics.AgentMetrics;
import io.gpuscale.agent.metrics.ExpositionRenderer;
import io.gpuscale.agent.metrics.GpuExpositionWriter;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.agent.snapshot.SourceStatus;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.agent.testing.Gpus;
import io.gpuscale.common.testing.LogCapture;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} with {@code name[]}, {@code since} and {@code wait}, over real HTTP against the
 * agent's server, with the samples published by the test.
 */
class MetricsWatchIT {
    private static final DriverInfo DRIVER = new DriverInfo("580.95.05", "13.580.95.05", "13.0");
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(DEADLINE).build();

    private Vertx vertx;
    private AgentMetrics metrics;
    private ExpositionRenderer renderer;
    private Publication publication;
    private AgentHttpServer server;
    private String base;
    private long generation;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        metrics = new AgentMetrics("nvml");
        renderer = new ExpositionRenderer(new GpuExpositionWriter("gpu-node-1"), metrics);
        publication = new Publication(new Published(renderer.exposition(NodeSnapshot.initial("gpu-node-1", "nvml"))));
        publish(1_000);
        server = new AgentHttpServer(vertx, publication, Clock.systemUTC(), Duration.ofSeconds(1));
        base = "http://127.0.0.1:" + server.start("127.0.0.1", 0) + "/metrics";
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        metrics.close();
    }

    /** Publishes a sample taken at {@code millis}, as the sampler does. */
    private void publish(long millis) {
        metrics.sampleTaken(millis, Duration.ofMillis(1), true);
        publication.publish(new Published(renderer.exposition(new NodeSnapshot(++generation, millis, "gpu-node-1",
                SourceStatus.up("nvml"), DRIVER, List.of(Gpus.busy(0, 40 + (int) generation), Gpus.busy(1, 7))))));
    }

    private static HttpResponse<byte[]> get(String url, String... headers) {
        return send(url, headers).join();
    }

    private static CompletableFuture<HttpResponse<byte[]>> send(String url, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return CLIENT.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static String sampleTime(HttpResponse<byte[]> r) {
        return r.headers().firstValue("Gpuscale-Sample-Time").orElse("(none)");
    }

    /** The families a body holds, from its TYPE lines. */
    private static TreeSet<String> families(String body) {
        TreeSet<String> names = new TreeSet<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                names.add(line.split(" ")[2]);
            }
        }
        return names;
    }

    private void awaitHeld(int n) {
        Eventually.await(DEADLINE, n + " held requests", () -> server.heldRequests() == n ? true : null);
    }

    @Test
    void everyAnswerSaysWhichSampleItsBodyHolds() {
        HttpResponse<byte[]> r = get(base);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(sampleTime(r)).isEqualTo("1000");
        assertThat(text(r)).contains("nvidia_gpu_utilization_percent{node=\"gpu-node-1\",gpu=\"0\"")
                .contains("gpuscale_agent_last_sample_timestamp_seconds 1.0");
        publish(2_000);
        assertThat(sampleTime(get(base))).isEqualTo("2000");
        assertThat(sampleTime(get(base, "Accept-Encoding", "gzip"))).isEqualTo("2000");
    }

    @Test
    void aWatchOnAnOlderSampleIsAnsweredAtOnce() {
        HttpResponse<byte[]> r = get(base + "?since=999");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(sampleTime(r)).isEqualTo("1000");
        assertThat(server.heldRequests()).isZero();
    }

    @Test
    void aHeldWatchIsAnsweredWithTheNextSample() {
        CompletableFuture<HttpResponse<byte[]>> watch = send(base + "?since=1000&wait=30000");
        awaitHeld(1);
        assertThat(watch).isNotDone();
        publish(2_000);
        HttpResponse<byte[]> r = watch.join();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(sampleTime(r)).isEqualTo("2000");
        assertThat(text(r)).contains("gpuscale_agent_last_sample_timestamp_seconds 2.0")
                .contains("nvidia_gpu_utilization_percent{node=\"gpu-node-1\",gpu=\"0\",uuid=\""
                        + Gpus.identity(0).uuid() + "\"} 42\n");
        assertThat(server.heldRequests()).isZero();
    }

    @Test
    void everyHeldWatchIsReleasedByTheSameSampleWithItsOwnFormat() throws IOException {
        CompletableFuture<HttpResponse<byte[]>> text = send(base + "?since=1000");
        CompletableFuture<HttpResponse<byte[]>> gzip = send(base + "?since=1000&name[]=nvidia_gpu_info",
                "Accept-Encoding", "gzip", "Accept", "application/openmetrics-text; version=1.0.0");
        awaitHeld(2);
        publish(2_000);
        assertThat(sampleTime(text.join())).isEqualTo("2000");
        HttpResponse<byte[]> g = gzip.join();
        assertThat(sampleTime(g)).isEqualTo("2000");
        assertThat(g.headers().firstValue("content-encoding")).hasValue("gzip");
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(g.body()))) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(families(body)).containsExactly("nvidia_gpu_info");
            assertThat(body).endsWith("# EOF\n");
        }
    }

    @Test
    void aWatchWithoutANewSampleIsAnsweredWhenItsWaitIsOver() {
        HttpResponse<byte[]> r = get(base + "?since=1000&wait=50");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(sampleTime(r)).isEqualTo("1000");
        assertThat(text(r)).contains("nvidia_gpu_up{");
        assertThat(server.heldRequests()).isZero();
    }

    @Test
    void waitZeroAnswersAtOnce() {
        assertThat(sampleTime(get(base + "?since=5000&wait=0"))).isEqualTo("1000");
    }

    @Test
    void aClosedWatchIsDroppedQuietly() throws Exception {
        try (LogCapture log = LogCapture.open()) {
            try (Socket s = new Socket("127.0.0.1", URI.create(base).getPort())) {
                s.getOutputStream().write(("GET /metrics?since=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                awaitHeld(1);
            }
            awaitHeld(0);
            publish(2_000);
            assertThat(get(base).statusCode()).isEqualTo(200);
            assertThat(log.aboveInfo()).isEmpty();
        }
    }

    @Test
    void heldWatchesAreBoundedAndTheRestAre503() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < AgentHttpServer.MAX_HELD; i++) {
                Socket s = new Socket("127.0.0.1", URI.create(base).getPort());
                sockets.add(s);
                OutputStream out = s.getOutputStream();
                out.write("GET /metrics?since=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            awaitHeld(AgentHttpServer.MAX_HELD);
            HttpResponse<byte[]> refused = get(base + "?since=1000");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(text(refused)).startsWith("503 Service Unavailable: already holding 128 watch requests");
            assertThat(get(base).statusCode()).as("a plain scrape still works").isEqualTo(200);
            publish(2_000);
            awaitHeld(0);
            String first = new String(sockets.get(0).getInputStream().readNBytes(15), StandardCharsets.US_ASCII);
            assertThat(first).isEqualTo("HTTP/1.1 200 OK");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void namesPickFamiliesInBothFormats() {
        String query = "?name[]=nvidia_gpu_info&name%5B%5D=gpuscale_agent_last_sample_timestamp_seconds"
                + "&name[]=nvidia_gpu_energy_joules_total&name[]=gpuscale_agent_sample_duration_seconds_count"
                + "&name[]=no_such_metric";
        String text = text(get(base + query));
        assertThat(families(text)).containsExactly("gpuscale_agent_last_sample_timestamp_seconds",
                "gpuscale_agent_sample_duration_seconds", "nvidia_gpu_energy_joules_total", "nvidia_gpu_info");
        assertThat(text).contains("nvidia_gpu_info{node=\"gpu-node-1\",gpu=\"1\"")
                .doesNotContain("nvidia_gpu_up").doesNotContain("jvm_");
        String om = text(get(base + query, "Accept", "application/openmetrics-text; version=1.0.0"));
        assertThat(families(om)).containsExactly("gpuscale_agent_last_sample_timestamp_seconds",
                "gpuscale_agent_sample_duration_seconds", "nvidia_gpu_energy_joules", "nvidia_gpu_info");
        assertThat(om).endsWith("# EOF\n");
    }

    @Test
    void unknownNamesOnlyGiveAnEmptyBody() {
        HttpResponse<byte[]> r = get(base + "?name[]=no_such_metric");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void noNamesServeEverything() {
        assertThat(families(text(get(base + "?since=1")))).isEqualTo(families(text(get(base))))
                .contains("nvidia_gpu_up", "jvm_memory_used_bytes", "gpuscale_agent_source_up");
    }

    @Test
    void badValuesAre400WithOneLineSaying() {
        for (String q : List.of("since=abc", "since=-1", "since=", "wait=-5", "wait=1e3", "since=1&since=2",
                "since=1&wait=+3")) {
            HttpResponse<byte[]> r = get(base + "?" + q);
            assertThat(r.statusCode()).as(q).isEqualTo(400);
            assertThat(text(r)).as(q).startsWith("400 Bad Request: ").endsWith("\n")
                    .satisfies(t -> assertThat(t.lines().count()).isEqualTo(1));
            assertThat(r.headers().firstValue("Gpuscale-Sample-Time")).as(q).isEmpty();
        }
        assertThat(text(get(base + "?since=abc")))
                .isEqualTo("400 Bad Request: since='abc' is not a number of milliseconds "
                        + "(a non-negative integer, epoch milliseconds)\n");
    }

    @Test
    void headAnswersTheHeadersAlone() throws Exception {
        HttpResponse<Void> r = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "?name[]=nvidia_gpu_info"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(DEADLINE).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Gpuscale-Sample-Time")).hasValue("1000");
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    }

    @Test
    void aLongWaitIsCappedAndStillReleasedByTheNextSample() {
        CompletableFuture<HttpResponse<byte[]>> watch = send(base + "?since=1000&wait=999999999");
        awaitHeld(1);
        publish(3_000);
        assertThat(sampleTime(watch.join())).isEqualTo("3000");
    }
}
