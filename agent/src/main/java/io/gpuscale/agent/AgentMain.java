package io.gpuscale.agent;

import io.gpuscale.common.Durations;
import io.gpuscale.common.HostPort;
import io.gpuscale.common.Logging;
import io.gpuscale.common.cli.LogOptions;
import io.gpuscale.common.cli.UsageErrors;
import io.gpuscale.common.log.LogFields;
import java.io.PrintWriter;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar gpuscale-agent.jar}: the node agent's entry point. */
@Command(name = "gpuscale-agent", mixinStandardHelpOptions = true, versionProvider = AgentMain.Version.class,
        sortOptions = false,
        description = "Reads GPU telemetry through NVML and serves it as Prometheus metrics.")
public final class AgentMain implements Callable<Integer> {
    static {
        Logging.install(); // before anything touches java.util.logging
    }

    private static final Logger LOG = System.getLogger(AgentMain.class.getName());

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = AgentConfig.DEFAULT_LISTEN,
            description = "Address to serve /metrics, /healthz and /readyz on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--tls-cert-file", paramLabel = "FILE",
            description = "Serve over HTTPS with this certificate (PEM), re-read when it changes (default: plain HTTP).")
    String tlsCertFile;

    @Option(names = "--tls-private-key-file", paramLabel = "FILE",
            description = "Private key of --tls-cert-file (PEM).")
    String tlsKeyFile;

    @Option(names = "--source", paramLabel = "nvml|sim[:PROFILE,...]", defaultValue = AgentConfig.DEFAULT_SOURCE,
            description = "Where readings come from: the NVIDIA driver (nvml), or simulated GPUs, "
                    + "e.g. sim:rtx4090,rtx3060 or sim:h100x8@ramp:5m (default: ${DEFAULT-VALUE}).")
    String source;

    @Option(names = "--node-name", paramLabel = "NAME",
            description = "Kubernetes node name for the node label (default: $NODE_NAME, else the host name).")
    String nodeName;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = AgentConfig.DEFAULT_INTERVAL,
            description = "Time between samples, 100ms to 5m (default: ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--nvml-library", paramLabel = "PATH", defaultValue = AgentConfig.DEFAULT_NVML_LIBRARY,
            description = "NVML library to load, a file name on the loader path or a full path "
                    + "(default: ${DEFAULT-VALUE}, as the driver installs it).")
    String nvmlLibrary;

    @Option(names = "--pod-attribution", paramLabel = "true|false", defaultValue = "true", arity = "1",
            description = "Label GPU series with the pods that hold the GPUs (default: ${DEFAULT-VALUE}).")
    boolean podAttribution;

    @Option(names = "--pod-resources-socket", paramLabel = "PATH", defaultValue = AgentConfig.Pods.DEFAULT_SOCKET,
            description = "The kubelet's PodResources socket (default: ${DEFAULT-VALUE}).")
    String podResourcesSocket;

    @Option(names = "--proc-root", paramLabel = "PATH", defaultValue = AgentConfig.Pods.DEFAULT_PROC_ROOT,
            description = "Where to read GPU processes' cgroups, to split shared GPUs by pod; needs hostPID "
                    + "(default: ${DEFAULT-VALUE}).")
    String procRoot;

    @Option(names = "--kubeconfig", paramLabel = "PATH",
            description = "Credentials to list this node's pods (default: the pod's service account when in a "
                    + "cluster, else none). Its current context's server, CA, token or tokenFile, or client "
                    + "certificate are used; exec and auth-provider plugins are not supported.")
    String kubeconfig;

    @CommandLine.Mixin
    LogOptions log = new LogOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CountDownLatch stopped = new CountDownLatch(1);

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the agent until it is stopped; returns the exit code. */
    static int run(String[] args) {
        return run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new AgentMain());
        cmd.setOut(out);
        cmd.setErr(err);
        UsageErrors.install(cmd, AgentMain::usageLine);
        return cmd.execute(args);
    }

    private static String usageLine(String message) {
        return "gpuscale-agent: " + message + " (see --help)";
    }

    /** Builds the validated configuration; throws IllegalArgumentException with one clear line. */
    AgentConfig config() {
        HostPort hp = wrap("--listen", () -> AgentConfig.parseListen(listen));
        AgentConfig.Source src = wrap("--source", () -> AgentConfig.parseSource(source));
        Duration every = wrap("--interval", () -> AgentConfig.parseInterval(interval));
        String node = wrap("--node-name", () -> AgentConfig.checkNodeName(resolveNodeName()));
        wrap("--log-level", () -> Logging.level(log.level));
        wrap("--log-format", () -> Logging.format(log.format));
        if (nvmlLibrary.isBlank()) {
            throw new IllegalArgumentException("--nvml-library: must not be empty");
        }
        AgentConfig.Pods pods = new AgentConfig.Pods(podAttribution,
                wrap("--pod-resources-socket", () -> path(podResourcesSocket)),
                wrap("--proc-root", () -> path(procRoot)),
                kubeconfig == null ? null : wrap("--kubeconfig", () -> existingFile(kubeconfig)));
        return new AgentConfig(hp.host(), hp.port(), src, node, every, nvmlLibrary, pods, tls());
    }

    private AgentConfig.Tls tls() {
        if ((tlsCertFile == null) != (tlsKeyFile == null)) {
            throw new IllegalArgumentException("--tls-cert-file and --tls-private-key-file go together");
        }
        if (tlsCertFile == null) {
            return null;
        }
        return new AgentConfig.Tls(wrap("--tls-cert-file", () -> existingFile(tlsCertFile)),
                wrap("--tls-private-key-file", () -> existingFile(tlsKeyFile)));
    }

    private static Path path(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        return Path.of(text);
    }

    private static Path existingFile(String text) {
        Path p = path(text);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("no such file: " + text);
        }
        return p;
    }

    private String resolveNodeName() {
        if (nodeName != null) {
            return nodeName;
        }
        String env = System.getenv("NODE_NAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
        } catch (Exception e) {
            return "";
        }
    }

    private static <T> T wrap(String flag, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid value for " + flag + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws Exception {
        AgentConfig config = config();
        Logging.configure(Logging.level(log.level), Logging.format(log.format));
        Agent agent;
        try {
            agent = Agent.start(config);
        } catch (Agent.ListenException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("gpuscale-agent: " + e.getMessage());
            err.flush();
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
            Logging.shutDown();
        }, "gpuscale-shutdown"));
        String shown = config.listenHost().equals("0.0.0.0") ? "localhost" : config.listenHost();
        String base = config.scheme() + "://" + shown + ":" + agent.port();
        LOG.log(Level.INFO, "gpuscale agent serving", LogFields.of("node", config.nodeName(),
                "source", describe(config.source()), "interval", Durations.format(config.interval()),
                "metrics", base + "/metrics", "ready", base + "/readyz"));
        stopped.await();
        return 0;
    }

    private static String describe(AgentConfig.Source source) {
        if (source instanceof AgentConfig.Sim sim) {
            StringBuilder sb = new StringBuilder("sim[");
            for (int i = 0; i < sim.gpus().size(); i++) {
                sb.append(i == 0 ? "" : ",").append(sim.gpus().get(i).profile().key());
            }
            return sb.append(']').toString();
        }
        return source.kind();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = AgentMain.class.getPackage().getImplementationVersion();
            return new String[] {"gpuscale-agent " + (v == null ? "dev" : v)};
        }
    }
}
