package io.gpuscale.adapter.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.adapter.metrics.ReadingsUnavailableException;
import io.gpuscale.common.testing.LogCapture;
import io.gpuscale.common.testing.TestClock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Prometheus backend's own log of failed queries: one line per kind a minute, then a count; never a secret. */
class PrometheusFailureLogIT {
    private static final String METRIC = "nvidia_gpu_utilization_percent";
    private static final String LOGGER = PrometheusMetrics.class.getName();

    private Vertx vertx;
    private HttpServer server;
    private final AtomicInteger queries = new AtomicInteger();
    private final TestClock clock = new TestClock(Instant.parse("2026-12-03T10:00:00Z"));

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        // A Prometheus that refuses every query, as one does when it is overloaded.
        server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            queries.incrementAndGet();
            req.response().setStatusCode(503).putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("status", "error").put("errorType", "unavailable")
                            .put("error", "too many concurrent queries").encode());
        })).listen(0, "127.0.0.1").await();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    @Test
    void aRefusedQueryIsLoggedOnceWithThePrometheusUrlThenCountedWithTheNextLine() {
        String url = "http://127.0.0.1:" + server.actualPort() + "/prometheus";
        PrometheusMetrics backend = new PrometheusMetrics(url, Duration.ofSeconds(30), System::nanoTime, clock);
        try (LogCapture log = LogCapture.open()) {
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> backend.node(METRIC, "n1"))
                        .isInstanceOf(ReadingsUnavailableException.class)
                        .hasMessageContaining("Prometheus answered HTTP 503: unavailable: too many concurrent queries");
            }
            assertThat(queries).hasValue(3);
            List<String> lines = ours(log);
            assertThat(lines).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("WARNING " + LOGGER + ": Prometheus query failed (HTTP 503 unavailable)")
                    .contains("prometheus=" + url, "too many concurrent queries")
                    .doesNotContain("more like it"));

            clock.advance(Duration.ofSeconds(61));
            assertThatThrownBy(() -> backend.node(METRIC, "n1")).isInstanceOf(ReadingsUnavailableException.class);
            assertThat(ours(log)).hasSize(2).last().asString()
                    .contains("Prometheus query failed (HTTP 503 unavailable)", "(and 2 more like it in the last 60s)");
        }
    }

    @Test
    void anUnreachablePrometheusIsItsOwnKindAndItsUrlIsLoggedWithoutCredentialsOrQuery() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        PrometheusMetrics nowhere = new PrometheusMetrics("http://127.0.0.1:" + closed + "/?tenant=secret-tenant",
                Duration.ofSeconds(5), System::nanoTime, clock);
        PrometheusMetrics refusing = new PrometheusMetrics("http://127.0.0.1:" + server.actualPort(),
                Duration.ofSeconds(30), System::nanoTime, clock);
        try (LogCapture log = LogCapture.open()) {
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> nowhere.gpus(METRIC)).isInstanceOf(ReadingsUnavailableException.class);
            }
            assertThatThrownBy(() -> refusing.pod(METRIC, "n1", "ml", "train-0"))
                    .isInstanceOf(ReadingsUnavailableException.class);
            List<String> lines = ours(log);
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).contains("Prometheus query failed (unreachable)",
                    "prometheus=http://127.0.0.1:" + closed + "/").doesNotContain("secret-tenant");
            assertThat(lines.get(1)).contains("Prometheus query failed (HTTP 503 unavailable)");
        }
    }

    @Test
    void theLoggedUrlKeepsSchemeHostPortAndPathOnly() {
        assertThat(PrometheusMetrics.logged(java.net.URI.create("https://admin:hunter2@prom.monitoring:9090/p?x=1#f")))
                .isEqualTo("https://prom.monitoring:9090/p");
        assertThat(PrometheusMetrics.logged(java.net.URI.create("http://[::1]"))).isEqualTo("http://[::1]");
    }

    private static List<String> ours(LogCapture log) {
        return log.aboveInfo().stream().filter(l -> l.contains(LOGGER)).toList();
    }
}
