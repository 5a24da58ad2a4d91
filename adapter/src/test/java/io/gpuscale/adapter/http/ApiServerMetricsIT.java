package io.gpuscale.adapter.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.api.Fixtures;
import io.gpuscale.adapter.monitoring.AdapterMetrics;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API server's hooks feed the adapter's own metrics: requests by kind and code, the latency
 * histogram, refusals by reason (431, 413, 429), requests in flight back at zero, and the age of
 * the values served, all read from the Prometheus exposition as Prometheus would.
 */
class ApiServerMetricsIT {
    private static final String NODE_UTIL = "/apis/custom.metrics.k8s.io/v1beta2/nodes/mainpc/" + Fixtures.UTIL;
    private static final String ECHO = "/test/v1/echo";
    private static final ServerLimits LIMITS = ServerLimits.DEFAULTS.withMaxHeaderBytes(4096).withRate(0, 0);

    private static Vertx vertx;
    private static SSLContext trusting;
    private static AdapterMetrics metrics;
    private static ApiServer server;
    private static ApiServer limited;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        ServingCertificate certificate = ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null),
                Clock.systemUTC());
        trusting = TlsClients.trusting(certificate);
        PostEndpoint echo = new EchoEndpoint(ECHO, 16);
        metrics = new AdapterMetrics();
        Clock clock = Clock.fixed(Fixtures.NOW, ZoneOffset.UTC);
        server = ApiServer.start(vertx, Fixtures.api(true), List.of(echo), RequestGate.ALLOW_ALL, certificate, LIMITS,
                "127.0.0.1", 0, clock, false, metrics.api());
        limited = ApiServer.start(vertx, Fixtures.api(true), List.of(), RequestGate.ALLOW_ALL, certificate,
                LIMITS.withRate(1, 1), "127.0.0.1", 0, clock, false, metrics.api());
    }

    @AfterAll
    static void stop() throws Exception {
        for (ApiServer s : new ApiServer[] {server, limited}) {
            if (s != null) {
                s.close();
            }
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (metrics != null) {
            metrics.close();
        }
    }

    private static int send(ApiServer to, String request) throws IOException {
        return TlsClients.code(TlsClients.raw(trusting, to.port(), request));
    }

    @Test
    void requestsRefusalsAndServedAgesAreCounted() throws Exception {
        assertThat(send(server, "GET " + NODE_UTIL + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .isEqualTo(200);
        assertThat(send(server, "GET " + NODE_UTIL + " HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(8000)
                + "\r\n\r\n")).isEqualTo(431);
        assertThat(send(server, "POST " + ECHO + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"))
                .isEqualTo(413);
        assertThat(send(limited, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).isEqualTo(200);
        assertThat(send(limited, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).isEqualTo(429);

        String node = "group_version=\"custom.metrics.k8s.io/v1beta2\",resource=\"nodes\",scope=\"single\",verb=\"get\"";
        // the answer may reach the client a moment before the server's end-of-body handler has run
        Eventually.await(Duration.ofSeconds(30), "the five requests to be recorded", () -> metrics.scrape()
                .contains("gpuscale_adapter_api_requests_in_flight 0.0")
                && metrics.scrape().contains("gpuscale_adapter_api_requests_total{code=\"429\""));
        String text = metrics.scrape();
        assertThat(text)
                .contains("gpuscale_adapter_api_requests_total{code=\"200\"," + node + "} 1.0")
                .contains("gpuscale_adapter_api_request_duration_seconds_count{" + node + "} 1")
                .contains("gpuscale_adapter_api_request_duration_seconds_bucket{" + node + ",le=\"10.0\"} 1")
                .contains("gpuscale_adapter_api_requests_total{code=\"413\",group_version=\"test/v1\","
                        + "resource=\"echo\",scope=\"none\",verb=\"post\"} 1.0")
                .contains("gpuscale_adapter_api_requests_total{code=\"429\",group_version=\"\",resource=\"health\","
                        + "scope=\"none\",verb=\"get\"} 1.0")
                .contains("gpuscale_adapter_api_refusals_total{reason=\"headers_too_large\"} 1.0")
                .contains("gpuscale_adapter_api_refusals_total{reason=\"body_too_large\"} 1.0")
                .contains("gpuscale_adapter_api_refusals_total{reason=\"rate_limit\"} 1.0")
                .contains("gpuscale_adapter_api_refusals_total{reason=\"connection_limit\"} 0.0")
                // mainpc's value combines a reading 1.6 s old: one answer, in the 2 s bucket, not the 1 s one
                .contains("gpuscale_adapter_api_served_value_age_seconds_count 1")
                .contains("gpuscale_adapter_api_served_value_age_seconds_bucket{le=\"1.0\"} 0")
                .contains("gpuscale_adapter_api_served_value_age_seconds_bucket{le=\"2.0\"} 1");
    }
}
