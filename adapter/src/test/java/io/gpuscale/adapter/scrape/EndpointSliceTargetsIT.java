package io.gpuscale.adapter.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.scrape.EndpointSlices.Endpoint;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.common.testing.KubeApiStandIn;
import io.kubernetes.client.util.ClientBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Live discovery through the official client's informer against a stand-in API server. */
class EndpointSliceTargetsIT {
    private KubeApiStandIn api;
    private EndpointSliceTargets targets;

    @BeforeEach
    void start() {
        api = new KubeApiStandIn();
        targets = new EndpointSliceTargets(new ClientBuilder().setBasePath(api.url()).build(), "gpuscale",
                "gpuscale-agent", "metrics");
    }

    @AfterEach
    void stop() {
        targets.close();
        api.close();
    }

    @Test
    void readyEndpointsOfTheAgentServiceBecomeTargetsWithTheirNodes() {
        api.put(EndpointSlices.slice("gpuscale", "agent-abc", "gpuscale-agent", "IPv4", "metrics", 9410,
                new Endpoint("10.42.0.7", "mainpc", true), new Endpoint("10.42.1.9", "pc2", null),
                new Endpoint("10.42.2.3", "starting", false)));
        api.put(EndpointSlices.slice("gpuscale", "other-svc", "something-else", "IPv4", "metrics", 9410,
                new Endpoint("10.42.0.99", "mainpc", true)));
        api.put(EndpointSlices.slice("elsewhere", "agent-xyz", "gpuscale-agent", "IPv4", "metrics", 9410,
                new Endpoint("10.43.0.1", "mainpc", true)));
        targets.start();

        List<AgentTarget> found = Eventually.await(Duration.ofSeconds(20), "the informer to list the slices",
                () -> targets.synced() && !targets.current().isEmpty() ? targets.current() : null);
        assertThat(found).containsExactly(new AgentTarget("http://10.42.0.7:9410/metrics", "mainpc"),
                new AgentTarget("http://10.42.1.9:9410/metrics", "pc2"));
        assertThat(api.paths()).allMatch(p -> p.equals("/apis/discovery.k8s.io/v1/namespaces/gpuscale/endpointslices"));
    }

    @Test
    void watchedChangesReachTheTargets() {
        targets.start();
        Eventually.await(Duration.ofSeconds(20), "the informer to sync and watch", () -> targets.synced() && api.openWatches() > 0);
        assertThat(targets.current()).isEmpty();

        api.put(EndpointSlices.slice("gpuscale", "agent-abc", "gpuscale-agent", "IPv4", "metrics", 9410,
                new Endpoint("10.42.0.7", "mainpc", true)));
        Eventually.await(Duration.ofSeconds(20), "the added agent",
                () -> targets.current().equals(List.of(new AgentTarget("http://10.42.0.7:9410/metrics", "mainpc"))));

        api.put(EndpointSlices.slice("gpuscale", "agent-abc", "gpuscale-agent", "IPv4", "metrics", 9410,
                new Endpoint("10.42.0.7", "mainpc", false), new Endpoint("10.42.1.9", "pc2", true)));
        Eventually.await(Duration.ofSeconds(20), "the not-ready agent gone and the new one in",
                () -> targets.current().equals(List.of(new AgentTarget("http://10.42.1.9:9410/metrics", "pc2"))));

        api.delete("endpointslices", "gpuscale", "agent-abc");
        Eventually.await(Duration.ofSeconds(20), "no agents", () -> targets.current().isEmpty());
    }

    @Test
    void aDualStackNodeIsScrapedOnceOverIpv4AndIpv6AddressesAreBracketed() {
        api.put(EndpointSlices.slice("gpuscale", "agent-v6", "gpuscale-agent", "IPv6", "metrics", 9410,
                new Endpoint("fd00::7", "mainpc", true), new Endpoint("fd00::9", "v6only", true)));
        api.put(EndpointSlices.slice("gpuscale", "agent-v4", "gpuscale-agent", "IPv4", "metrics", 9410,
                new Endpoint("10.42.0.7", "mainpc", true)));
        api.put(EndpointSlices.slice("gpuscale", "agent-other-port", "gpuscale-agent", "IPv4", "http", 8080,
                new Endpoint("10.42.5.5", "wrongport", true)));
        targets.start();

        List<AgentTarget> found = Eventually.await(Duration.ofSeconds(20), "both nodes",
                () -> targets.current().size() == 2 ? targets.current() : null);
        assertThat(found).containsExactly(new AgentTarget("http://10.42.0.7:9410/metrics", "mainpc"),
                new AgentTarget("http://[fd00::9]:9410/metrics", "v6only"));
    }
}
