package io.gpuscale.adapter;

import io.gpuscale.adapter.advisor.GpuPolicy;
import io.gpuscale.adapter.advisor.KubeVersion;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.Config;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Command-line values parsed the same way by every command, and the Kubernetes API client a flag
 * names: a bad one is one line naming its flag.
 */
final class Flags {
    private Flags() {
    }

    /** {@code parse}'s value; its IllegalArgumentException reworded as {@code invalid value for FLAG: ...}. */
    static <T> T wrap(String flag, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid value for " + flag + ": " + e.getMessage(), e);
        }
    }

    /** {@code --kube-version}: the newest known release where it is not given. */
    static KubeVersion kubeVersion(String text) {
        return text == null ? KubeVersion.NEWEST : wrap("--kube-version", () -> KubeVersion.parse(text));
    }

    /** {@code --gpu-policy}: {@code binpack} or {@code spread}, any case. */
    static GpuPolicy gpuPolicy(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "binpack" -> GpuPolicy.BINPACK;
            case "spread" -> GpuPolicy.SPREAD;
            default -> throw new IllegalArgumentException("invalid value for --gpu-policy: '" + text
                    + "' (use binpack or spread)");
        };
    }

    /** An API client for the cluster the configuration names; a snapshot file has none. */
    static ApiClient apiClient(AdapterConfig.ClusterSource source, String flag) {
        try {
            if (source instanceof AdapterConfig.Kubeconfig kubeconfig) {
                return Config.fromConfig(kubeconfig.file().toString());
            }
            if (source instanceof AdapterConfig.InCluster) {
                return ClientBuilder.cluster().build();
            }
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException(flag + ": cannot reach the Kubernetes API: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(flag + " discovers agents through the Kubernetes API: "
                + "use it with --kubeconfig or in a cluster, or list agents with --agents");
    }
}
