package io.gpuscale.adapter;

import io.gpuscale.common.Durations;
import io.gpuscale.adapter.advisor.AdvisorOptions;
import io.gpuscale.adapter.advisor.http.AdvisorService;
import io.gpuscale.adapter.api.ApiOptions;
import io.gpuscale.adapter.http.ServerLimits;
import io.gpuscale.adapter.auth.AuthOptions;
import io.gpuscale.adapter.auth.ClientCertificateGate;
import io.gpuscale.adapter.http.ApiRecorder;
import io.gpuscale.adapter.auth.AuthRecorder;
import io.gpuscale.adapter.auth.DelegatedGate;
import io.gpuscale.adapter.http.RequestGate;
import io.gpuscale.adapter.cluster.ClusterFileException;
import io.gpuscale.adapter.cluster.ClusterView;
import io.gpuscale.adapter.cluster.InformerClusterView;
import io.gpuscale.adapter.cluster.SchedulingView;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.monitoring.AdapterMetrics;
import io.gpuscale.adapter.monitoring.MetricsServer;
import io.gpuscale.adapter.scrape.AgentScraper;
import io.gpuscale.adapter.scrape.ScrapeRecorder;
import io.gpuscale.adapter.scrape.AgentTarget;
import io.gpuscale.adapter.scrape.AgentTargets;
import io.gpuscale.adapter.metrics.ServedMetric;
import io.gpuscale.adapter.scrape.DcgmTranslation;
import io.gpuscale.adapter.scrape.EndpointSliceTargets;
import io.gpuscale.adapter.scrape.ScrapeLimits;
import io.gpuscale.adapter.scrape.ScrapeOptions;
import io.gpuscale.adapter.scrape.StaticAgentTargets;
import io.gpuscale.adapter.store.MetricStore;
import io.gpuscale.adapter.prometheus.PrometheusMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.gpuscale.adapter.tls.ServingCertificate;
import java.io.PrintWriter;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import io.gpuscale.common.HostPort;
import io.gpuscale.common.Logging;
import io.gpuscale.common.cli.UsageErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar gpuscale-adapter.jar}: the cluster service's entry point. */
@Command(name = "gpuscale-adapter", mixinStandardHelpOptions = true, versionProvider = AdapterMain.Version.class,
        subcommands = {AdapterMain.Serve.class, HpaPreview.class, ExplainCommand.class},
        description = "GPU metrics for Kubernetes: custom.metrics.k8s.io and external.metrics.k8s.io.")
public final class AdapterMain implements Callable<Integer> {
    static {
        Logging.install(); // before anything touches java.util.logging
    }

    private static final Logger LOG = System.getLogger(AdapterMain.class.getName());

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        return run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new AdapterMain());
        cmd.setOut(out);
        cmd.setErr(err);
        UsageErrors.install(cmd, AdapterMain::usageLine, m -> "gpuscale-adapter: " + m.replaceAll("\\s*\\R\\s*", " "));
        return cmd.execute(args);
    }

    private static String usageLine(String message) {
        return "gpuscale-adapter: " + message.replaceAll("\\s*\\R\\s*", " ") + " (see --help)";
    }

    /** Without a subcommand: say which ones there are. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("gpuscale-adapter: a command is required: serve, hpa or explain (see --help)");
        err.flush();
        return 2;
    }

    /** {@code --metrics-bind-address} when not given. */
    static final String DEFAULT_METRICS_BIND_ADDRESS = "0.0.0.0:9420";

    /** {@code serve}: the metrics APIs over HTTPS, as kube-aggregator proxies to them. */
    @Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Serve custom.metrics.k8s.io (and optionally external.metrics.k8s.io) over HTTPS.")
    static final class Serve implements Callable<Integer> {
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
                defaultValue = DEFAULT_METRICS_BIND_ADDRESS,
                description = "Serve the adapter's own metrics (scrape health, data age, JVM) over plain HTTP at "
                        + "/metrics on this address; 0 as the port picks a free one, off serves none "
                        + "(default: ${DEFAULT-VALUE}).")
        String metricsBindAddress;

        @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
                description = "debug, info, warn or error (default: ${DEFAULT-VALUE}).")
        String logLevel;

        @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "text",
                description = "Log lines as text (time, level, logger, message, key=value context) or as one JSON "
                        + "object each (default: ${DEFAULT-VALUE}).")
        String logFormat;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        private final CountDownLatch stopped = new CountDownLatch(1);

        /** Builds the validated configuration; throws IllegalArgumentException with one clear line. */
        AdapterConfig config() {
            checkAuthModes();
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
            logLevel();
            metricsAddress();
            return new AdapterConfig(bindAddress, securePort, tls(), cluster(), metrics(), every, age, externalMetrics,
                    limits(), agentCaFile, agentWatch);
        }

        /** {@code --log-level}, validated; throws IllegalArgumentException with one clear line. */
        java.util.logging.Level logLevel() {
            return wrap("--log-level", () -> Logging.level(logLevel));
        }

        /**
         * {@code --metrics-bind-address}, validated: where to serve the adapter's own metrics, or null
         * for {@code off}; throws IllegalArgumentException with one clear line.
         */
        HostPort metricsAddress() {
            if (metricsBindAddress.strip().equalsIgnoreCase("off")) {
                return null;
            }
            return wrap("--metrics-bind-address", () -> HostPort.parse(metricsBindAddress.strip(),
                    DEFAULT_METRICS_BIND_ADDRESS + " or :9420, or off"));
        }

        /** The placement advisor's flags, validated; throws IllegalArgumentException with one clear line. */
        AdapterConfig.Advisor advisorConfig() {
            AdvisorOptions options = new AdvisorOptions(ExplainCommand.gpuPolicy(gpuPolicy),
                    Flags.kubeVersion(kubeVersion), AdvisorOptions.DEFAULT_GPU_MAX_AGE);
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

        private void checkAuthModes() {
            authConfig();
        }

        /** The authentication and authorization flags, validated; throws IllegalArgumentException with one clear line. */
        AuthOptions authConfig() {
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
            if (auth.delegatesAnything() && kubeconfig == null && System.getenv("KUBERNETES_SERVICE_HOST") == null) {
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

        private AdapterConfig.Tls tls() {
            if ((tlsCertFile == null) != (tlsKeyFile == null)) {
                throw new IllegalArgumentException("--tls-cert-file and --tls-private-key-file go together");
            }
            if (tlsCertFile != null) {
                requireFile("--tls-cert-file", tlsCertFile);
                requireFile("--tls-private-key-file", tlsKeyFile);
                return new AdapterConfig.CertificateFiles(tlsCertFile, tlsKeyFile);
            }
            return new AdapterConfig.SelfSigned(
                    ServingCertificate.defaultHosts(System.getenv("POD_NAME"), System.getenv("POD_IP")));
        }

        private AdapterConfig.ClusterSource cluster() {
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
            if (System.getenv("KUBERNETES_SERVICE_HOST") == null) {
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

        @Override
        public Integer call() throws Exception {
            AdapterConfig config = config();
            AdapterConfig.Advisor advising = advisorConfig();
            AuthOptions auth = authConfig();
            HostPort metricsAddress = metricsAddress();
            Logging.configure(logLevel(), wrap("--log-format", () -> Logging.format(logFormat)));
            ServingCertificate certificate = certificate(config.tls());
            ClusterView cluster = clusterView(config.cluster());
            AdapterMetrics self = metricsAddress != null ? new AdapterMetrics() : null;
            ApiRecorder apiRecorder = self != null ? self.api() : ApiRecorder.NONE;
            MetricsFeed feed = metricsFeed(config, cluster, self != null ? self.scraping() : ScrapeRecorder.NONE);
            List<AutoCloseable> owned = new ArrayList<>(feed.owned());
            if (cluster instanceof AutoCloseable closeable) {
                owned.add(closeable);
            }
            RequestGate gate = DelegatedGate.create(auth, kubeconfig, self != null ? self.auth() : AuthRecorder.NONE);
            if (gate instanceof AutoCloseable closeableGate) {
                owned.add(closeableGate);
            }
            ApiOptions options = new ApiOptions(config.maxAge(), ApiOptions.DEFAULT_WINDOW_SECONDS,
                    config.externalMetrics(), Version.version());
            Adapter adapter;
            AdvisorService advisor;
            RequestGate extenderGate = RequestGate.ALLOW_ALL;
            if (advising.extenderEnabled() && advising.extenderAuthenticated()) {
                ClientCertificateGate caGate = wrap("--scheduler-extender-client-ca-file", () -> ClientCertificateGate
                        .start(advising.extenderClientCaFile(), "--scheduler-extender-client-ca-file",
                                advising.extenderAllowedNames(), ClientCertificateGate.DEFAULT_POLL));
                owned.add(caGate);
                extenderGate = caGate;
            }
            try {
                if (self != null) {
                    owned.add(self);
                    if (feed.scraper() != null) {
                        self.watchScraping(feed.scraper()::health, feed.store()::snapshots, config.maxAge(),
                                Clock.systemUTC());
                    }
                    if (cluster instanceof InformerClusterView informers) {
                        self.watchCluster(informers::stats);
                    }
                    MetricsServer metricsServer = MetricsServer.start(metricsAddress, self::scrape);
                    owned.add(0, metricsServer);
                    LOG.log(Level.INFO, "adapter metrics serving: http://{0}:{1,number,#}/metrics",
                            metricsAddress.host(), metricsServer.port());
                }
                advisor = AdvisorService.start((SchedulingView) cluster, feed.metrics(), advising.options(),
                        config.bindAddress(), advising.extenderEnabled() ? advising.extenderPort()
                                : AdapterConfig.EXTENDER_OFF, certificate, extenderGate, apiRecorder);
                owned.add(0, advisor);
                if (self != null && advisor.gpuLoads() != null) {
                    self.watchGpuLoads(advisor.gpuLoads());
                }
                adapter = Adapter.start(config.bindAddress(), config.securePort(), certificate, config.limits(),
                        advisor.restEndpoints(), gate, feed.metrics(), cluster,
                        options, feed.blocking(), apiRecorder, owned.toArray(AutoCloseable[]::new));
                if (advisor.extenderPort() >= 0) {
                    LOG.log(Level.INFO, "scheduler extender serving: https://{0}:{1,number,#}/scheduler/filter and "
                            + "/scheduler/prioritize, {2}", config.bindAddress(), advisor.extenderPort(),
                            extenderGate == RequestGate.ALLOW_ALL ? "unauthenticated" : extenderGate.toString());
                    if (extenderGate == RequestGate.ALLOW_ALL) {
                        LOG.log(Level.WARNING, "SCHEDULER EXTENDER WITHOUT AUTHENTICATION: anyone who reaches port "
                                + "{0,number,#} can ask about the cluster''s nodes, taints and GPU load; give "
                                + "--scheduler-extender-client-ca-file to require kube-scheduler''s client certificate",
                                advisor.extenderPort());
                    }
                }
            } catch (Adapter.ListenException | AdvisorService.ListenException | MetricsServer.ListenException e) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("gpuscale-adapter: " + e.getMessage());
                err.flush();
                owned.forEach(AdapterMain::closeQuietly);
                return 1;
            }
            if (config.tls() instanceof AdapterConfig.CertificateFiles files) {
                adapter.watchCertificateFiles(files.certificate(), files.privateKey());
                advisor.watchCertificateFiles(files.certificate(), files.privateKey());
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                adapter.close();
                stopped.countDown();
                Logging.shutDown();
            }, "gpuscale-shutdown"));
            DelegatedGate.warnAboutModes(auth, adapter.port());
            LOG.log(Level.INFO, "gpuscale adapter serving: https://{0}:{1,number,#} custom.metrics.k8s.io "
                    + "v1beta2,v1beta1{2} max-age={3} certificate={4}", config.bindAddress(), adapter.port(),
                    config.externalMetrics() ? " and external.metrics.k8s.io v1beta1" : "",
                    Durations.format(config.maxAge()), config.tls() instanceof AdapterConfig.SelfSigned ? "self-signed"
                            : ((AdapterConfig.CertificateFiles) config.tls()).certificate());
            stopped.await();
            return 0;
        }
    }

    /** The serving certificate a configuration names, or a fresh self-signed one. */
    static ServingCertificate certificate(AdapterConfig.Tls tls) {
        if (tls instanceof AdapterConfig.CertificateFiles files) {
            return ServingCertificate.fromFiles(files.certificate(), files.privateKey());
        }
        return ServingCertificate.selfSigned(((AdapterConfig.SelfSigned) tls).hosts(), Clock.systemUTC());
    }

    /** The cluster view a configuration names. */
    static ClusterView clusterView(AdapterConfig.ClusterSource source) {
        if (source instanceof AdapterConfig.SnapshotFile f) {
            try {
                return SnapshotClusterView.load(f.file());
            } catch (ClusterFileException e) {
                throw new IllegalArgumentException("invalid value for --cluster: " + e.getMessage(), e);
            }
        }
        String flag = source instanceof AdapterConfig.Kubeconfig ? "--kubeconfig" : "in-cluster configuration";
        try {
            InformerClusterView view = new InformerClusterView(Flags.apiClient(source, flag));
            view.start();
            return view;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }

    /**
     * Where readings come from, whether reading them may block, and what to close at the end.
     *
     * @param metrics what the API reads
     * @param blocking whether a read may block on the network (the Prometheus backend)
     * @param owned scrapers and clients to close after the server stops
     * @param scraper the agents' scraper, for the adapter's own metrics; null when reading a Prometheus
     * @param store what the scraper fills; null when reading a Prometheus
     */
    record MetricsFeed(GpuMetrics metrics, boolean blocking, List<AutoCloseable> owned, AgentScraper scraper,
            MetricStore store) {
    }

    /** The readings a configuration names, with whatever feeds them started, telling {@code recorder} about scrapes. */
    static MetricsFeed metricsFeed(AdapterConfig config, ClusterView cluster, ScrapeRecorder recorder) {
        if (config.metrics() instanceof AdapterConfig.Prometheus prometheus) {
            // Every read is an HTTP query: the API runs it on worker threads (blocking = true).
            return new MetricsFeed(new PrometheusMetrics(prometheus.url().toString(), prometheus.timeout()), true,
                    List.of(), null, null);
        }
        AgentTargets targets;
        if (config.metrics() instanceof AdapterConfig.StaticAgents agents) {
            List<AgentTarget> list = new ArrayList<>();
            agents.urls().forEach(u -> list.add(new AgentTarget(u.toString(), null)));
            targets = new StaticAgentTargets(list);
        } else {
            AdapterConfig.AgentService service = (AdapterConfig.AgentService) config.metrics();
            targets = new EndpointSliceTargets(Flags.apiClient(config.cluster(), "--agent-service"), service.namespace(),
                    service.name(), "metrics");
        }
        MetricStore store = new MetricStore();
        // One scraping lane per core the JVM sees, at most 4 (each lane keeps its own string tables,
        // and 4 cores scrape far more agents than one replica should): bodies are parsed in parallel.
        int lanes = Math.min(4, Runtime.getRuntime().availableProcessors());
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(lanes).setWorkerPoolSize(1));
        Duration timeout = config.scrapeInterval().multipliedBy(3).dividedBy(4);
        AgentScraper scraper = new AgentScraper(vertx, targets, store,
                new ScrapeOptions(config.scrapeInterval(), timeout, ScrapeLimits.DEFAULTS, config.agentCaFile(),
                        config.agentWatch()),
                scrapedFamilies(), lanes, recorder);
        targets.start();
        scraper.start();
        AutoCloseable stopVertx = () -> vertx.close().toCompletionStage().toCompletableFuture()
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        return new MetricsFeed(store, false, List.of(scraper, targets, stopVertx), scraper, store);
    }
    /**
     * What agents are asked for: the series the store keeps, the GPU models, the agent's sample time,
     * and dcgm-exporter's fields (which dcgm-exporter serves anyway: it has no filter).
     */
    public static Set<String> scrapedFamilies() {
        Set<String> families = new TreeSet<>(List.of("nvidia_gpu_info", "gpuscale_agent_last_sample_timestamp_seconds"));
        for (ServedMetric m : ServedMetric.all()) {
            if (m.gpuSeries() != null) {
                families.add(m.gpuSeries());
            }
            if (m.podSeries() != null) {
                families.add(m.podSeries());
            }
        }
        families.addAll(DcgmTranslation.translatedNames().keySet());
        return families;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "close failed", e);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        static String version() {
            String v = AdapterMain.class.getPackage().getImplementationVersion();
            return v == null ? "v0.0.0-dev" : "v" + v;
        }

        @Override
        public String[] getVersion() {
            return new String[] {"gpuscale-adapter " + version()};
        }
    }
}
