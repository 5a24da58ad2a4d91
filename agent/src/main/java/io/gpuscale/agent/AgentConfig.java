package io.gpuscale.agent;

import io.gpuscale.agent.sim.SimGpu;
import io.gpuscale.agent.sim.SimSpec;
import io.gpuscale.common.Durations;
import io.gpuscale.common.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The agent's whole configuration, validated once at start. Defaults live here and nowhere else.
 *
 * @param listenHost address to bind, e.g. {@code 0.0.0.0}
 * @param listenPort TCP port, 0 for any free one
 * @param source where GPU readings come from
 * @param nodeName Kubernetes node name, put on every series
 * @param interval time between samples
 * @param nvmlLibrary file name or path of the NVML library
 * @param pods where pod attribution comes from
 * @param tls the serving certificate for HTTPS, or null for plain HTTP
 */
public record AgentConfig(
        String listenHost,
        int listenPort,
        Source source,
        String nodeName,
        Duration interval,
        String nvmlLibrary,
        Pods pods,
        Tls tls) {

    public static final String DEFAULT_LISTEN = "0.0.0.0:9410";
    public static final String DEFAULT_SOURCE = "nvml";
    public static final String DEFAULT_INTERVAL = "1s";
    public static final String DEFAULT_NVML_LIBRARY = "libnvidia-ml.so.1";
    static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    static final Duration MAX_INTERVAL = Duration.ofMinutes(5);

    public AgentConfig {
        Objects.requireNonNull(listenHost);
        Objects.requireNonNull(source);
        Objects.requireNonNull(nodeName);
        Objects.requireNonNull(interval);
        Objects.requireNonNull(nvmlLibrary);
        Objects.requireNonNull(pods);
    }

    /** Without pod attribution options: the defaults. */
    public AgentConfig(String listenHost, int listenPort, Source source, String nodeName, Duration interval,
            String nvmlLibrary) {
        this(listenHost, listenPort, source, nodeName, interval, nvmlLibrary, Pods.defaults());
    }

    /** Plain HTTP. */
    public AgentConfig(String listenHost, int listenPort, Source source, String nodeName, Duration interval,
            String nvmlLibrary, Pods pods) {
        this(listenHost, listenPort, source, nodeName, interval, nvmlLibrary, pods, null);
    }

    /**
     * {@code --tls-cert-file} and {@code --tls-private-key-file}: serve {@code /metrics} over HTTPS.
     *
     * @param certificateFile PEM certificate chain
     * @param keyFile PEM private key; both re-read when they change
     */
    public record Tls(Path certificateFile, Path keyFile) {
        public Tls {
            Objects.requireNonNull(certificateFile);
            Objects.requireNonNull(keyFile);
        }
    }

    /** The scheme the agent serves. */
    public String scheme() {
        return tls == null ? "http" : "https";
    }

    /**
     * Where the agent learns which pod holds which GPU.
     *
     * @param enabled false to serve GPU series without pod labels
     * @param podResourcesSocket the kubelet's PodResources socket
     * @param procRoot where {@code <pid>/cgroup} files are read ({@code /proc} with {@code hostPID})
     * @param kubeconfig credentials for listing this node's pods; null for the in-cluster service
     *     account when running in a pod, else no pod list
     */
    public record Pods(boolean enabled, Path podResourcesSocket, Path procRoot, Path kubeconfig) {
        public static final String DEFAULT_SOCKET = "/var/lib/kubelet/pod-resources/kubelet.sock";
        public static final String DEFAULT_PROC_ROOT = "/proc";

        public static Pods defaults() {
            return new Pods(true, Path.of(DEFAULT_SOCKET), Path.of(DEFAULT_PROC_ROOT), null);
        }
    }

    /** Where readings come from: the driver, or simulated GPUs. */
    public sealed interface Source {
        String kind();
    }

    public record Nvml() implements Source {
        @Override
        public String kind() {
            return "nvml";
        }
    }

    public record Sim(List<SimGpu> gpus) implements Source {
        public Sim {
            gpus = List.copyOf(gpus);
        }

        @Override
        public String kind() {
            return "sim";
        }
    }

    /** {@code nvml}, {@code sim} or {@code sim:PROFILE[xCOUNT][@PATTERN],...}. */
    public static Source parseSource(String text) {
        if (text.equals("nvml")) {
            return new Nvml();
        }
        if (text.equals("sim")) {
            return new Sim(SimSpec.parse(SimSpec.DEFAULT));
        }
        if (text.startsWith("sim:")) {
            return new Sim(SimSpec.parse(text.substring(4)));
        }
        throw new IllegalArgumentException("'" + text + "' is not a source (use nvml, sim, or sim:PROFILE,...)");
    }

    /** {@code HOST:PORT}, {@code :PORT} or {@code [IPv6]:PORT}. */
    public static HostPort parseListen(String text) {
        return HostPort.parse(text, "0.0.0.0:9410 or :9410");
    }

    public static Duration parseInterval(String text) {
        Duration d = Durations.parse(text);
        if (d.compareTo(MIN_INTERVAL) < 0 || d.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("interval " + text + " is out of range (100ms to 5m)");
        }
        return d;
    }

    /** A node name must be a DNS subdomain, as Kubernetes requires of Node objects. */
    public static String checkNodeName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(
                    "no node name: pass --node-name or set NODE_NAME (the DaemonSet sets it from spec.nodeName)");
        }
        if (name.length() > 253 || !name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")) {
            throw new IllegalArgumentException("'" + name + "' is not a valid node name (lower-case DNS subdomain)");
        }
        return name;
    }

}
