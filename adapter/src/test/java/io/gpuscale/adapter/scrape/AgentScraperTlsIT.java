package io.gpuscale.adapter.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.store.MetricStore;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.common.testing.Eventually;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent serving HTTPS is scraped when the adapter is given the CA its certificate chains to
 * ({@code --agent-ca-file}), and is not when it is not; EndpointSlice discovery picks https for a
 * port marked {@code appProtocol: https}.
 */
class AgentScraperTlsIT {
    @TempDir
    Path dir;

    @Test
    void anHttpsAgentIsScrapedOnlyWithItsCa() throws Exception {
        // self-signed for localhost and 127.0.0.1, so it is its own CA
        ServingCertificate cert = ServingCertificate.selfSigned(List.of("localhost", "127.0.0.1"), Clock.systemUTC());
        Path certFile = Files.writeString(dir.resolve("tls.crt"), cert.certificatePem());
        Path keyFile = Files.writeString(dir.resolve("tls.key"), cert.privateKeyPem());
        Path other = Files.writeString(dir.resolve("other-ca.crt"), ServingCertificate.selfSigned(
                List.of("localhost", "127.0.0.1"), Clock.systemUTC()).certificatePem());
        Vertx vertx = Vertx.vertx();
        try (Agent agent = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:rtx4090"),
                "tlsnode", Duration.ofMillis(200), AgentConfig.DEFAULT_NVML_LIBRARY,
                new AgentConfig.Pods(false, Path.of("/nonexistent"), Path.of("/proc"), null),
                new AgentConfig.Tls(certFile, keyFile)))) {
            Eventually.await(Duration.ofSeconds(30), "the agent's first sample",
                    () -> agent.snapshot().gpus().isEmpty() ? null : true);
            String url = "https://127.0.0.1:" + agent.port() + "/metrics";
            StaticAgentTargets targets = new StaticAgentTargets(List.of(new AgentTarget(url, null)));

            MetricStore trusted = new MetricStore();
            try (AgentScraper scraper = new AgentScraper(vertx, targets, trusted,
                    new ScrapeOptions(Duration.ofSeconds(10), Duration.ofSeconds(30), ScrapeLimits.DEFAULTS, certFile))) {
                scraper.scrapeOnce().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                assertThat(scraper.health().get(url).failures()).as(String.valueOf(scraper.health().get(url).lastError())).isZero();
            }
            assertThat(trusted.node("nvidia_gpu_utilization_percent", "tlsnode")).hasSize(1);

            MetricStore untrusted = new MetricStore();
            try (AgentScraper scraper = new AgentScraper(vertx, targets, untrusted,
                    new ScrapeOptions(Duration.ofSeconds(10), Duration.ofSeconds(5), ScrapeLimits.DEFAULTS, other))) {
                scraper.scrapeOnce().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                assertThat(scraper.health().get(url).failures()).isEqualTo(1);
            }
            assertThat(untrusted.node("nvidia_gpu_utilization_percent", "tlsnode")).isEmpty();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anEndpointSlicePortMarkedHttpsIsScrapedOverHttps() {
        V1EndpointSlice tls = new V1EndpointSlice().addressType("IPv4")
                .addPortsItem(new DiscoveryV1EndpointPort().name("metrics").port(9410).appProtocol("https"))
                .addEndpointsItem(new V1Endpoint().addAddressesItem("10.0.0.5").nodeName("mainpc"));
        V1EndpointSlice plain = new V1EndpointSlice().addressType("IPv4")
                .addPortsItem(new DiscoveryV1EndpointPort().name("metrics").port(9410))
                .addEndpointsItem(new V1Endpoint().addAddressesItem("10.0.0.6").nodeName("pc2"));
        assertThat(EndpointSliceTargets.targets(List.of(tls, plain), "metrics")).extracting(AgentTarget::url)
                .containsExactly("http://10.0.0.6:9410/metrics", "https://10.0.0.5:9410/metrics");
    }
}
