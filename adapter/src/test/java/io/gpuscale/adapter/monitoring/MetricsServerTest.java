package io.gpuscale.adapter.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.common.HostPort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private AdapterMetrics metrics;
    private MetricsServer server;

    @BeforeEach
    void start() throws Exception {
        metrics = new AdapterMetrics();
        server = MetricsServer.start(new HostPort("127.0.0.1", 0), metrics::scrape);
    }

    @AfterEach
    void stop() {
        server.close();
        metrics.close();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesThePrometheusTextFormatAtMetrics() throws Exception {
        HttpResponse<String> r = send("GET", "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue(MetricsServer.CONTENT_TYPE);
        assertThat(r.body()).contains("# TYPE jvm_memory_used_bytes gauge", "process_cpu_time_seconds_total ",
                "process_uptime_seconds ", "jvm_threads_live_threads ");
    }

    @Test
    void nothingElseIsServed() throws Exception {
        assertThat(send("GET", "/").statusCode()).isEqualTo(404);
        assertThat(send("GET", "/metricsx").statusCode()).isEqualTo(404);
        assertThat(send("GET", "/healthz").statusCode()).isEqualTo(404);
        HttpResponse<String> post = send("POST", "/metrics");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    }

    @Test
    void aBusyAddressIsAListenException() {
        assertThatThrownBy(() -> MetricsServer.start(new HostPort("127.0.0.1", server.port()), () -> ""))
                .isInstanceOf(MetricsServer.ListenException.class)
                .hasMessageStartingWith("cannot serve /metrics on 127.0.0.1:" + server.port() + ": ");
    }

    @Test
    void aFailingRenderIsA500() throws Exception {
        try (MetricsServer failing = MetricsServer.start(new HostPort("127.0.0.1", 0), () -> {
            throw new IllegalStateException("boom");
        })) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + failing.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(500);
        }
    }
}
