package io.gpuscale.adapter;

import io.gpuscale.common.Durations;
import io.gpuscale.adapter.advisor.AdvisorOptions;
import io.gpuscale.adapter.advisor.ClusterIndex;
import io.gpuscale.adapter.advisor.Explanation;
import io.gpuscale.adapter.advisor.KubeVersion;
import io.gpuscale.adapter.advisor.NodeVerdict;
import io.gpuscale.adapter.advisor.PlacementAdvisor;
import io.gpuscale.adapter.advisor.io.ExplanationJson;
import io.gpuscale.adapter.advisor.io.ExplanationTable;
import io.gpuscale.adapter.advisor.io.InputException;
import io.gpuscale.adapter.advisor.io.PodInput;
import io.gpuscale.adapter.cluster.ClusterFileException;
import io.gpuscale.adapter.cluster.ClusterProjection;
import io.gpuscale.adapter.cluster.InformerClusterView;
import io.gpuscale.adapter.cluster.SchedulingView;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gpuscale-adapter explain}: why a pod would (not) be scheduled, and where it fits best, from
 * a cluster snapshot file or a live cluster. Offline, no GPU load is read.
 */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explain where a pod fits: ResourceQuota admission, then every node's verdict in "
                + "kube-scheduler's words (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, "
                + "NodeResourcesFit), with the numbers.",
            "GPU load is not read here: scores come from kube-scheduler's own scoring and the GPUs the "
                + "pods request. The adapter's POST /advisor/v1/explain and scheduler extender also use live "
                + "GPU load."},
        footerHeading = "%nExit status:%n",
        footer = {"  0  the pod fits at least one node and quota admits it",
            "  1  answered: it fits no node, or quota would refuse it at creation",
            "  2  no answer: a bad flag, an unreadable or invalid pod or cluster file (one line with the file "
                + "and line), a pod the API server would refuse (its words: Pod \"NAME\" is invalid: ...), or a "
                + "cluster that could not be read in --sync-timeout"})
final class ExplainCommand implements Callable<Integer> {
    static final int FITS = 0;
    static final int DOES_NOT_FIT = 1;
    static final int NO_ANSWER = 2;

    @Option(names = "--pod", required = true, paramLabel = "FILE",
            description = "The pod: one v1 Pod, YAML or JSON (as kubectl get pod -o yaml writes it, or a manifest).")
    Path pod;

    @Option(names = "--cluster", paramLabel = "FILE",
            description = "The cluster: a v1 List of Nodes, Pods (with spec.nodeName) and ResourceQuotas, YAML or "
                    + "JSON (kubectl get nodes,pods,resourcequotas -A -o yaml).")
    Path cluster;

    @Option(names = "--kubeconfig", paramLabel = "PATH",
            description = "Read the cluster live through this kubeconfig instead of --cluster.")
    Path kubeconfig;

    @Option(names = {"-o", "--output"}, paramLabel = "table|json", defaultValue = "table",
            description = "table (like kubectl describe) or json (default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--kube-version", paramLabel = "VERSION",
            description = "Word the FailedScheduling text as this kube-scheduler release does, e.g. 1.33 "
                    + "(default: the newest known).")
    String kubeVersion;

    @Option(names = "--gpu-policy", paramLabel = "binpack|spread", defaultValue = "binpack",
            description = "Prefer busy nodes (binpack) or idle ones (spread) (default: ${DEFAULT-VALUE}).")
    String gpuPolicy;

    @Option(names = "--sync-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "With --kubeconfig: how long to wait for the first list of nodes, pods and quotas "
                    + "(default: ${DEFAULT-VALUE}).")
    String syncTimeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        // A command's output is its answer: the informers' INFO lines would only clutter stderr.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        boolean json = switch (output.toLowerCase(Locale.ROOT)) {
            case "json" -> true;
            case "table", "wide" -> false;
            default -> throw new IllegalArgumentException("invalid value for --output: '" + output
                    + "' (use table or json)");
        };
        AdvisorOptions options = options();
        if ((cluster == null) == (kubeconfig == null)) {
            throw new IllegalArgumentException(cluster == null ? "give the cluster: --cluster FILE or --kubeconfig PATH"
                    : "--cluster and --kubeconfig exclude each other");
        }
        Duration timeout = kubeconfig == null ? null : Flags.wrap("--sync-timeout", () -> AdapterConfig.parseDuration(syncTimeout));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        V1Pod v1Pod;
        SchedulingView view;
        try {
            v1Pod = PodInput.read(pod);
            view = cluster != null ? snapshot(cluster) : live(kubeconfig, timeout);
        } catch (InputException | ClusterFileException e) {
            err.println("gpuscale-adapter: " + e.getMessage());
            err.flush();
            return NO_ANSWER;
        }
        Explanation explanation;
        try (ClusterIndex index = ClusterIndex.of(view)) {
            explanation = new PlacementAdvisor(index, null, options, Clock.systemUTC())
                    .explain(ClusterProjection.podScheduling(v1Pod));
        } finally {
            if (view instanceof AutoCloseable closeable) {
                closeQuietly(closeable);
            }
        }
        out.println(json ? ExplanationJson.renderPretty(explanation)
                : ExplanationTable.render(explanation, "kube-scheduler " + options.kubeVersion() + " wording, --gpu-policy "
                        + options.gpuPolicy().name().toLowerCase(Locale.ROOT) + ", GPU load not read"));
        out.flush();
        boolean fits = explanation.nodes().stream().anyMatch(NodeVerdict::feasible);
        return fits && explanation.quota().admitted() ? FITS : DOES_NOT_FIT;
    }

    AdvisorOptions options() {
        KubeVersion version = Flags.kubeVersion(kubeVersion);
        return new AdvisorOptions(Flags.gpuPolicy(gpuPolicy), version, AdvisorOptions.DEFAULT_GPU_MAX_AGE);
    }

    private static SchedulingView snapshot(Path file) {
        if (!Files.exists(file)) {
            throw new InputException(file.toString(), 0, "no such file");
        }
        return SnapshotClusterView.load(file);
    }

    private static SchedulingView live(Path kubeconfig, Duration timeout) {
        if (!Files.isRegularFile(kubeconfig)) {
            throw new IllegalArgumentException("invalid value for --kubeconfig: no readable file " + kubeconfig);
        }
        InformerClusterView view = new InformerClusterView(
                Flags.apiClient(new AdapterConfig.Kubeconfig(kubeconfig), "--kubeconfig"));
        view.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!view.ready()) {
            if (System.nanoTime() - deadline > 0) {
                view.close();
                throw new IllegalArgumentException("--kubeconfig: nodes, pods and resourcequotas not listed within "
                        + "--sync-timeout " + Durations.format(timeout) + " (is the cluster reachable, and may this user "
                        + "list them?)");
            }
            LockSupport.parkNanos(20_000_000L);
        }
        return view;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do at exit
        }
    }
}
