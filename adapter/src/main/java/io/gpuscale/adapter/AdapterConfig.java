package io.gpuscale.adapter;

import io.gpuscale.adapter.advisor.AdvisorOptions;
import io.gpuscale.adapter.api.ApiOptions;
import io.gpuscale.adapter.http.ServerLimits;
import io.gpuscale.adapter.auth.AuthOptions;
import io.gpuscale.common.Durations;
import io.gpuscale.common.HostPort;
import io.gpuscale.common.Logging;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Everything {@code serve} is told, validated: built once from the flags and the environment
 * ({@link ServeCommand#config}), and every default is here. What runs from it is wired in
 * {@link AdapterProcess}.
 *
 * @param bindAddress the address to serve on
 * @param securePort the HTTPS port
 * @param tls where the serving certificate comes from
 * @param limits request sizes, rates and deadlines of the HTTPS servers
 * @param cluster where cluster state comes from
 * @param metrics where GPU readings come from
 * @param scrapeInterval how often agents are scraped
 * @param maxAge readings older than this are not served as current
 * @param agentCaFile CA bundle that {@code https://} agents are verified against; null for the JVM's
 * @param agentWatch whether agents that can be watched are ({@code --agent-watch}); false polls every agent
 *     once per scrape interval
 * @param externalMetrics whether external.metrics.k8s.io is served
 * @param auth how callers are authenticated and authorized
 * @param advisor the placement advisor and its scheduler extender
 * @param metricsAddress where the adapter's own metrics are served; null for {@code off}
 * @param logLevel the gpuscale loggers' level
 * @param logFormat text or JSON log lines
 */
public record AdapterConfig(String bindAddress, int securePort, Tls tls, ServerLimits limits, ClusterSource cluster,
        MetricsSource metrics, Duration scrapeInterval, Duration maxAge, Path agentCaFile, boolean agentWatch,
        boolean externalMetrics, AuthOptions auth, Advisor advisor, HostPort metricsAddress,
        java.util.logging.Level logLevel, Logging.Format logFormat) {

    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
    public static final int DEFAULT_SECURE_PORT = 6443;
    public static final String DEFAULT_SCRAPE_INTERVAL = "2s";
    /** {@code --max-age} defaults to this many scrape intervals. */
    public static final int DEFAULT_MAX_AGE_INTERVALS = 3;
    public static final Duration MIN_SCRAPE_INTERVAL = Duration.ofMillis(100);
    public static final Duration MAX_SCRAPE_INTERVAL = Duration.ofMinutes(5);
    public static final String DEFAULT_PROMETHEUS_TIMEOUT = "10s";
    /**
     * {@code --prometheus-timeout} bounds: a query that fails in under 100 ms fails on any loaded
     * Prometheus, and one allowed more than a minute outlasts kube-apiserver's own deadline for the
     * request it serves (60 s).
     */
    public static final Duration MIN_PROMETHEUS_TIMEOUT = Duration.ofMillis(100);
    public static final Duration MAX_PROMETHEUS_TIMEOUT = Duration.ofMinutes(1);
    /** {@code --metrics-bind-address} when not given. */
    public static final String DEFAULT_METRICS_BIND_ADDRESS = "0.0.0.0:9420";

    /** How the metrics API answers, as this adapter {@code version}. */
    public ApiOptions apiOptions(String version) {
        return new ApiOptions(maxAge, ApiOptions.DEFAULT_WINDOW_SECONDS, externalMetrics, version);
    }

    /** The kubeconfig named by {@code --kubeconfig}; null where cluster state comes from elsewhere. */
    public Path kubeconfig() {
        return cluster instanceof Kubeconfig k ? k.file() : null;
    }

    /** The serving certificate: given files, or generated at start for these hosts. */
    public sealed interface Tls permits CertificateFiles, SelfSigned {
    }

    public record CertificateFiles(Path certificate, Path privateKey) implements Tls {
    }

    public record SelfSigned(List<String> hosts) implements Tls {
        public SelfSigned {
            hosts = List.copyOf(hosts);
        }
    }

    /** Where pods, nodes and quotas come from. */
    public sealed interface ClusterSource permits SnapshotFile, Kubeconfig, InCluster {
    }

    /** {@code --cluster FILE}: a snapshot, for offline use, the demo and tests. */
    public record SnapshotFile(Path file) implements ClusterSource {
    }

    /** {@code --kubeconfig PATH}: informers through that kubeconfig. */
    public record Kubeconfig(Path file) implements ClusterSource {
    }

    /** Informers through the pod's service account. */
    public record InCluster() implements ClusterSource {
    }

    /** Where GPU readings come from. */
    public sealed interface MetricsSource permits StaticAgents, AgentService, Prometheus {
    }

    /** {@code --agents URL,...}. */
    public record StaticAgents(List<URI> urls) implements MetricsSource {
        public StaticAgents {
            urls = List.copyOf(urls);
        }
    }

    /** {@code --agent-service NS/NAME}: the agents behind a Service, found through its EndpointSlices. */
    public record AgentService(String namespace, String name) implements MetricsSource {
    }

    /**
     * {@code --prometheus URL}.
     *
     * @param timeout {@code --prometheus-timeout}: the most one query may take, connecting included
     */
    public record Prometheus(URI url, Duration timeout) implements MetricsSource {
    }

    /** {@code --scheduler-extender-port} when not given: no extender server. */
    public static final int EXTENDER_OFF = -1;

    /**
     * The placement advisor's settings ({@code serve --gpu-policy --kube-version
     * --scheduler-extender-port --scheduler-extender-client-ca-file --scheduler-extender-allowed-names}).
     *
     * @param options how the advisor decides and words its answers
     * @param extenderPort the scheduler extender's HTTPS port; 0 picks a free one, {@link #EXTENDER_OFF} serves none
     * @param extenderClientCaFile {@code --scheduler-extender-client-ca-file}: the extender admits only client
     *        certificates from this bundle; null serves it unauthenticated
     * @param extenderAllowedNames {@code --scheduler-extender-allowed-names}: CNs admitted; empty for any
     */
    public record Advisor(AdvisorOptions options, int extenderPort,
            Path extenderClientCaFile, List<String> extenderAllowedNames) {
        public Advisor {
            extenderAllowedNames = List.copyOf(extenderAllowedNames);
        }

        /** Without client certificates. */
        public Advisor(AdvisorOptions options, int extenderPort) {
            this(options, extenderPort, null, List.of());
        }

        public boolean extenderEnabled() {
            return extenderPort != EXTENDER_OFF;
        }

        /** Whether the extender asks for and checks client certificates. */
        public boolean extenderAuthenticated() {
            return extenderClientCaFile != null;
        }
    }

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    /** Reads {@code 500ms}, {@code 2s}, {@code 1m30s}. */
    public static Duration parseDuration(String text) {
        return Durations.parse(text, "500ms, 2s, 1m");
    }

    /** An agent or Prometheus URL: http or https, with a host. */
    public static URI parseUrl(String text) {
        URI u;
        try {
            u = new URI(text.trim());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a URL");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
            throw new IllegalArgumentException("'" + text + "' is not an http(s) URL with a host");
        }
        return u;
    }

    /** {@code NS/NAME} of a Service. */
    public static AgentService parseService(String text) {
        int slash = text.indexOf('/');
        if (slash < 0 || text.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("'" + text + "' is not NAMESPACE/NAME");
        }
        String ns = text.substring(0, slash);
        String name = text.substring(slash + 1);
        if (!DNS_LABEL.matcher(ns).matches() || !DNS_LABEL.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + text + "': namespace and name must be DNS labels");
        }
        return new AgentService(ns, name);
    }
}
