package io.gpuscale.adapter;

import io.gpuscale.adapter.advisor.AdvisorOptions;
import io.gpuscale.adapter.advisor.http.AdvisorService;
import io.gpuscale.adapter.http.ServerLimits;
import io.gpuscale.adapter.auth.AuthOptions;
import io.gpuscale.adapter.auth.ClientCertificateGate;
import io.gpuscale.adapter.monitoring.MetricsServer;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.gpuscale.common.HostPort;
import io.gpuscale.common.Logging;
import io.gpuscale.common.cli.LogOptions;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code serve}: the metrics APIs over HTTPS, as kube-aggregator proxies to them. Its flags, as
 * given, become one validated {@link AdapterConfig} in {@link #config(Environment)}: a bad one
 * stops the start with one line naming it (exit 2). What runs is wired in {@link AdapterProcess}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Serve custom.metrics.k8s.io (and optionally external.metrics.k8s.io) over HTTPS.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--bind-address", paramLabel = "IP", defaultValue = AdapterConfig.DEFAULT_BIND_ADDRESS,
            description = "Address to serve HTTPS on (default: ${DEFAULT-VALUE}).")
    String bindAddress;

    @Option(names = "--secure-port", paramLabel = "PORT", defaultValue = "" + AdapterConfig.DEFAULT_SECURE_PORT,
            description = "HTTPS port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int securePort;

    @Option(names = "--tls-cert-file", paramLabel = "FILE",
            description = "Serving certificate (PEM, chain allowed). Without it a self-signed one is generated "
                    + "at start for localhost, 127.0.0.1 and $POD_NAME/$POD_IP.")
    Path tlsCertFile;

    @Option(names = "--tls-private-key-file", paramLabel = "FILE",
            description = "Private key of --tls-cert-file (PEM). Both files are re-read when they change.")
    Path tlsKeyFile;

    @Option(names = "--max-request-header-bytes", paramLabel = "BYTES",
            defaultValue = "" + ServerLimits.DEFAULT_MAX_HEADER_BYTES,
            description = "Largest request headers accepted, 1024 to 1048576; more is a 431 (default: ${DEFAULT-VALUE}).")
    int maxRequestHeaderBytes;

    @Option(names = "--request-rate-per-client", paramLabel = "PER_SECOND",
            defaultValue = "" + (int) ServerLimits.DEFAULT_REQUESTS_PER_SECOND_PER_CLIENT,
            description = "Requests per second from one remote address (behind kube-apiserver: per apiserver), "
                    + "above it 429; 0 turns it off (default: ${DEFAULT-VALUE}).")
    double requestRatePerClient;

    @Option(names = "--request-burst-per-client", paramLabel = "REQUESTS",
            defaultValue = "" + ServerLimits.DEFAULT_BURST_PER_CLIENT,
            description = "Requests one remote address may send at once above --request-rate-per-client "
                    + "(default: ${DEFAULT-VALUE}).")
    int requestBurstPerClient;

    @Option(names = "--max-connections-per-client", paramLabel = "N",
            defaultValue = "" + ServerLimits.DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
            description = "Open connections from one remote address; 0 for no cap (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerClient;

    @Option(names = "--request-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "Time a client has to send a request's headers, and its body: slower clients are "
                    + "disconnected (default: ${DEFAULT-VALUE}).")
    String requestTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "120s",
            description = "A connection with no traffic for this long is closed (default: ${DEFAULT-VALUE}).")
    String idleTimeout;

    @Option(names = "--authentication-mode", paramLabel = "Delegated|None", defaultValue = "Delegated",
            description = "Delegated: the front proxy, client certificates and bearer tokens (TokenReview), as "
                    + "kube-apiserver's extension apiservers; None: every caller is system:anonymous "
                    + "(default: ${DEFAULT-VALUE}).")
    String authenticationMode;

    @Option(names = "--authorization-mode", paramLabel = "Delegated|AlwaysAllow", defaultValue = "Delegated",
            description = "Delegated: a SubjectAccessReview per request; AlwaysAllow: every request is allowed "
                    + "(default: ${DEFAULT-VALUE}).")
    String authorizationMode;

    @Option(names = "--authorization-cache-ttl", paramLabel = "DURATION", defaultValue = AuthOptions.DEFAULT_CACHE_TTL,
            description = "How long an allowing SubjectAccessReview is reused (default: ${DEFAULT-VALUE}).")
    String authorizationCacheTtl;

    @Option(names = "--authorization-denied-cache-ttl", paramLabel = "DURATION",
            description = "How long a denying SubjectAccessReview is reused (default: --authorization-cache-ttl).")
    String authorizationDeniedCacheTtl;

    @Option(names = "--authentication-token-cache-ttl", paramLabel = "DURATION",
            defaultValue = AuthOptions.DEFAULT_CACHE_TTL,
            description = "How long a TokenReview is reused, either outcome (default: ${DEFAULT-VALUE}).")
    String authenticationTokenCacheTtl;

    @Option(names = "--authorization-always-allow-paths", paramLabel = "PATH,...", split = ",",
            defaultValue = AuthOptions.DEFAULT_ALWAYS_ALLOW_PATHS,
            description = "Paths, and the paths below them, served without authorization (default: "
                    + "${DEFAULT-VALUE}).")
    List<String> alwaysAllowPaths;

    @Option(names = "--cluster", paramLabel = "FILE",
            description = "Cluster state from a snapshot file (a v1 List of Nodes, Pods, ResourceQuotas).")
    Path clusterFile;

    @Option(names = "--kubeconfig", paramLabel = "PATH",
            description = "Cluster state from informers through this kubeconfig (default: in-cluster).")
    Path kubeconfig;

    @Option(names = "--agents", paramLabel = "URL,...", split = ",",
            description = "Agents to scrape, e.g. http://10.0.0.5:9400/metrics.")
    List<String> agents;

    @Option(names = "--agent-service", paramLabel = "NS/NAME",
            description = "Scrape the agents behind this Service, found through its EndpointSlices.")
    String agentService;

    @Option(names = "--agent-ca-file", paramLabel = "FILE",
            description = "CA bundle (PEM) to verify agents served over HTTPS (https:// in --agents, or "
                    + "appProtocol: https on the --agent-service port); their certificates must name the address "
                    + "scraped (default: the JVM's trusted CAs).")
    Path agentCaFile;

    @Option(names = "--agent-watch", paramLabel = "true|false", arity = "1", defaultValue = "true",
            description = "Watch agents that allow it: each request is held until the agent's next sample, so "
                    + "readings arrive as they are taken (one request per agent per sample). false polls every "
                    + "agent once per --scrape-interval instead: less adapter CPU per agent, readings up to an "
                    + "interval older (default: ${DEFAULT-VALUE}).")
    boolean agentWatch;

    @Option(names = "--prometheus", paramLabel = "URL",
            description = "Read the agents' series from this Prometheus instead of scraping them.")
    String prometheus;

    @Option(names = "--prometheus-timeout", paramLabel = "DURATION",
            description = "With --prometheus: the most one query may take, connecting included, 100ms to 1m "
                    + "(default: " + AdapterConfig.DEFAULT_PROMETHEUS_TIMEOUT + ").")
    String prometheusTimeout;

    @Option(names = "--scrape-interval", paramLabel = "DURATION", defaultValue = AdapterConfig.DEFAULT_SCRAPE_INTERVAL,
            description = "Time between scrapes of each agent, 100ms to 5m (default: ${DEFAULT-VALUE}).")
    String scrapeInterval;

    @Option(names = "--max-age", paramLabel = "DURATION",
            description = "Readings older than this are not served as current (default: 3 x --scrape-interval).")
    String maxAge;

    @Option(names = "--enable-external-metrics",
            description = "Also serve external.metrics.k8s.io. Off by default: a cluster has one APIService per "
                    + "group version, and registering ours replaces KEDA's or Datadog's.")
    boolean externalMetrics;

    @Option(names = "--gpu-policy", paramLabel = "binpack|spread", defaultValue = "binpack",
            description = "Placement advisor: prefer GPU nodes already busy (binpack) or idle ones (spread) "
                    + "(default: ${DEFAULT-VALUE}).")
    String gpuPolicy;

    @Option(names = "--kube-version", paramLabel = "VERSION",
            description = "Placement advisor: word explanations as this kube-scheduler release does, e.g. 1.33 "
                    + "(default: the newest known).")
    String kubeVersion;

    @Option(names = "--scheduler-extender-port", paramLabel = "PORT",
            description = "Serve the kube-scheduler extender (POST /scheduler/filter, /scheduler/prioritize) over "
                    + "HTTPS on this port; 0 picks a free one (default: off). Unauthenticated unless "
                    + "--scheduler-extender-client-ca-file is given.")
    Integer schedulerExtenderPort;

    @Option(names = "--scheduler-extender-client-ca-file", paramLabel = "FILE",
            description = "CA bundle (PEM): the extender port asks for a client certificate and serves only "
                    + "requests whose certificate chains to it (401 otherwise; health checks stay open). "
                    + "Re-read when it changes.")
    Path schedulerExtenderClientCaFile;

    @Option(names = "--scheduler-extender-allowed-names", paramLabel = "CN,...", split = ",",
            description = "With --scheduler-extender-client-ca-file: the client certificate's CN must be one "
                    + "of these (403 otherwise) (default: any).")
    List<String> schedulerExtenderAllowedNames;

    @Option(names = "--metrics-bind-address", paramLabel = "HOST:PORT|off",
            defaultValue = AdapterConfig.DEFAULT_METRICS_BIND_ADDRESS,
            description = "Serve the adapter's own metrics (scrape health, data age, JVM) over plain HTTP at "
                    + "/metrics on this address; 0 as the port picks a free one, off serves none "
                    + "(default: ${DEFAULT-VALUE}).")
    String metricsBindAddress;

    @CommandLine.Mixin
    LogOptions log = new LogOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        AdapterConfig config = config();
        Logging.configure(config.logLevel(), config.logFormat());
        Adapter adapter;
        try {
            adapter = AdapterProcess.start(config, AdapterVersion.version());
        } catch (Adapter.ListenException | AdvisorService.ListenException | MetricsServer.ListenException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("gpuscale-adapter: " + e.getMessage());
            err.flush();
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            adapter.close();
            stopped.countDown();
            Logging.shutDown();
        }, "gpuscale-shutdown"));
        stopped.await();
        return 0;
    }

    /** The validated configuration, from these flags and this process's environment. */
    AdapterConfig config() {
        return config(Environment.current());
    }

    /**
     * The validated configuration: the one place flags and environment are read and checked.
     *
     * @throws IllegalArgumentException with one clear line naming the flag, for the first bad one
     */
    AdapterConfig config(Environment env) {
        AuthOptions auth = auth(env);
        if (securePort < 0 || securePort > 65535) {
            throw new IllegalArgumentException("invalid value for --secure-port: " + securePort
                    + " is not a port (0 to 65535)");
        }
        if (bindAddress.isBlank()) {
            throw new IllegalArgumentException("invalid value for --bind-address: must not be empty");
        }
        Duration every = wrap("--scrape-interval", () -> AdapterConfig.parseDuration(scrapeInterval));
        if (every.compareTo(AdapterConfig.MIN_SCRAPE_INTERVAL) < 0
                || every.compareTo(AdapterConfig.MAX_SCRAPE_INTERVAL) > 0) {
            throw new IllegalArgumentException("invalid value for --scrape-interval: '" + scrapeInterval
                    + "' is outside 100ms to 5m");
        }
        Duration age = maxAge == null ? every.multipliedBy(AdapterConfig.DEFAULT_MAX_AGE_INTERVALS)
                : wrap("--max-age", () -> AdapterConfig.parseDuration(maxAge));
        if (age.compareTo(every) < 0) {
            throw new IllegalArgumentException("invalid value for --max-age: '" + maxAge
                    + "' is shorter than --scrape-interval " + scrapeInterval + ": every reading would be stale");
        }
        if (agentCaFile != null) {
            requireFile("--agent-ca-file", agentCaFile);
        }
        java.util.logging.Level level = wrap("--log-level", () -> Logging.level(log.level));
        HostPort metricsAddress = metricsAddress();
        AdapterConfig.Tls tls = tls(env);
        AdapterConfig.ClusterSource cluster = cluster(env);
        AdapterConfig.MetricsSource metrics = metrics();
        ServerLimits limits = limits();
        AdapterConfig.Advisor advisor = advisor();
        Logging.Format format = wrap("--log-format", () -> Logging.format(log.format));
        return new AdapterConfig(bindAddress, securePort, tls, limits, cluster, metrics, every, age, agentCaFile,
                agentWatch, externalMetrics, auth, advisor, metricsAddress, level, format);
    }

    /** {@code --metrics-bind-address}: where to serve the adapter's own metrics, or null for {@code off}. */
    private HostPort metricsAddress() {
        if (metricsBindAddress.strip().equalsIgnoreCase("off")) {
            return null;
        }
        return wrap("--metrics-bind-address", () -> HostPort.parse(metricsBindAddress.strip(),
                AdapterConfig.DEFAULT_METRICS_BIND_ADDRESS + " or :9420, or off"));
    }

    /** The placement advisor's flags. */
    private AdapterConfig.Advisor advisor() {
        AdvisorOptions options = new AdvisorOptions(Flags.gpuPolicy(gpuPolicy), Flags.kubeVersion(kubeVersion),
                AdvisorOptions.DEFAULT_GPU_MAX_AGE);
        int port = schedulerExtenderPort == null ? AdapterConfig.EXTENDER_OFF : schedulerExtenderPort;
        if (schedulerExtenderPort != null && (port < 0 || port > 65535)) {
            throw new IllegalArgumentException("invalid value for --scheduler-extender-port: " + port
                    + " is not a port (0 to 65535)");
        }
        List<String> names = schedulerExtenderAllowedNames == null ? List.of()
                : schedulerExtenderAllowedNames.stream().map(String::strip).filter(n -> !n.isEmpty()).toList();
        if (schedulerExtenderClientCaFile == null) {
            if (!names.isEmpty()) {
                throw new IllegalArgumentException("--scheduler-extender-allowed-names needs "
                        + "--scheduler-extender-client-ca-file");
            }
            return new AdapterConfig.Advisor(options, port);
        }
        if (schedulerExtenderPort == null) {
            throw new IllegalArgumentException("--scheduler-extender-client-ca-file needs --scheduler-extender-port");
        }
        requireFile("--scheduler-extender-client-ca-file", schedulerExtenderClientCaFile);
        wrap("--scheduler-extender-client-ca-file", () -> {
            ClientCertificateGate.check(schedulerExtenderClientCaFile);
            return null;
        });
        return new AdapterConfig.Advisor(options, port, schedulerExtenderClientCaFile, names);
    }

    /** The authentication and authorization flags; delegating needs a Kubernetes API to ask. */
    private AuthOptions auth(Environment env) {
        AuthOptions.AuthenticationMode authn = wrap("--authentication-mode",
                () -> AuthOptions.AuthenticationMode.parse(authenticationMode));
        AuthOptions.AuthorizationMode authz = wrap("--authorization-mode",
                () -> AuthOptions.AuthorizationMode.parse(authorizationMode));
        Duration allowed = wrap("--authorization-cache-ttl", () -> AdapterConfig.parseDuration(authorizationCacheTtl));
        Duration denied = authorizationDeniedCacheTtl == null ? allowed
                : wrap("--authorization-denied-cache-ttl", () -> AdapterConfig.parseDuration(authorizationDeniedCacheTtl));
        Duration token = wrap("--authentication-token-cache-ttl",
                () -> AdapterConfig.parseDuration(authenticationTokenCacheTtl));
        AuthOptions auth = wrap("--authorization-always-allow-paths", () -> new AuthOptions(authn, authz, allowed,
                denied, token, alwaysAllowPaths.stream().map(String::strip).filter(p -> !p.isEmpty()).toList(),
                AuthOptions.DEFAULT_MAX_CACHE_ENTRIES));
        if (auth.delegatesAnything() && kubeconfig == null && !env.inCluster()) {
            throw new IllegalArgumentException("--authentication-mode=" + authn.flag() + " --authorization-mode="
                    + authz.flag() + " ask the Kubernetes API: give --kubeconfig PATH or run in a cluster, or serve "
                    + "everyone with --authentication-mode=None --authorization-mode=AlwaysAllow");
        }
        return auth;
    }

    private ServerLimits limits() {
        Duration request = wrap("--request-timeout", () -> AdapterConfig.parseDuration(requestTimeout));
        Duration idle = wrap("--idle-timeout", () -> AdapterConfig.parseDuration(idleTimeout));
        try {
            return ServerLimits.DEFAULTS.withMaxHeaderBytes(maxRequestHeaderBytes)
                    .withRate(requestRatePerClient, requestBurstPerClient)
                    .withMaxConnectionsPerClient(maxConnectionsPerClient)
                    .withRequestTimeout(request)
                    .withIdleTimeout(idle);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid request limits: " + e.getMessage(), e);
        }
    }

    /** The certificate files, or a self-signed one for localhost and the pod's name and address. */
    private AdapterConfig.Tls tls(Environment env) {
        if ((tlsCertFile == null) != (tlsKeyFile == null)) {
            throw new IllegalArgumentException("--tls-cert-file and --tls-private-key-file go together");
        }
        if (tlsCertFile != null) {
            requireFile("--tls-cert-file", tlsCertFile);
            requireFile("--tls-private-key-file", tlsKeyFile);
            return new AdapterConfig.CertificateFiles(tlsCertFile, tlsKeyFile);
        }
        return new AdapterConfig.SelfSigned(ServingCertificate.defaultHosts(env.podName(), env.podIp()));
    }

    private AdapterConfig.ClusterSource cluster(Environment env) {
        if (clusterFile != null && kubeconfig != null) {
            throw new IllegalArgumentException("--cluster and --kubeconfig exclude each other");
        }
        if (clusterFile != null) {
            requireFile("--cluster", clusterFile);
            return new AdapterConfig.SnapshotFile(clusterFile);
        }
        if (kubeconfig != null) {
            requireFile("--kubeconfig", kubeconfig);
            return new AdapterConfig.Kubeconfig(kubeconfig);
        }
        if (!env.inCluster()) {
            throw new IllegalArgumentException("no cluster to read: give --cluster FILE or --kubeconfig PATH "
                    + "(or run in a cluster)");
        }
        return new AdapterConfig.InCluster();
    }

    private AdapterConfig.MetricsSource metrics() {
        int given = (agents != null ? 1 : 0) + (agentService != null ? 1 : 0) + (prometheus != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException(given == 0
                    ? "no metrics source: give --agents URL,..., --agent-service NS/NAME or --prometheus URL"
                    : "--agents, --agent-service and --prometheus exclude each other");
        }
        if (prometheusTimeout != null && prometheus == null) {
            throw new IllegalArgumentException("--prometheus-timeout needs --prometheus");
        }
        if (agents != null) {
            List<URI> urls = new ArrayList<>();
            for (String a : agents) {
                urls.add(wrap("--agents", () -> AdapterConfig.parseUrl(a)));
            }
            return new AdapterConfig.StaticAgents(urls);
        }
        if (agentService != null) {
            return wrap("--agent-service", () -> AdapterConfig.parseService(agentService));
        }
        URI url = wrap("--prometheus", () -> AdapterConfig.parseUrl(prometheus));
        String timeoutText = prometheusTimeout == null ? AdapterConfig.DEFAULT_PROMETHEUS_TIMEOUT : prometheusTimeout;
        Duration timeout = wrap("--prometheus-timeout", () -> AdapterConfig.parseDuration(timeoutText));
        if (timeout.compareTo(AdapterConfig.MIN_PROMETHEUS_TIMEOUT) < 0
                || timeout.compareTo(AdapterConfig.MAX_PROMETHEUS_TIMEOUT) > 0) {
            throw new IllegalArgumentException("invalid value for --prometheus-timeout: '" + prometheusTimeout
                    + "' is outside 100ms to 1m");
        }
        return new AdapterConfig.Prometheus(url, timeout);
    }

    private static void requireFile(String flag, Path file) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("invalid value for " + flag + ": no readable file " + file);
        }
    }

    private static <T> T wrap(String flag, Supplier<T> parse) {
        return Flags.wrap(flag, parse);
    }
}
