package io.gpuscale.adapter.advisor;

import java.time.Duration;
import java.util.Objects;

/**
 * How the advisor decides, built once from flags.
 *
 * @param gpuPolicy whether GPU pods go to the busiest ({@link GpuPolicy#BINPACK}) or the least
 *     busy ({@link GpuPolicy#SPREAD}) nodes that fit
 * @param kubeVersion whose kube-scheduler wording the explanations use
 * @param gpuMaxAge GPU readings older than this count as unknown (a neutral score), never as idle
 */
public record AdvisorOptions(GpuPolicy gpuPolicy, KubeVersion kubeVersion, Duration gpuMaxAge) {
    /** Default for {@code gpuMaxAge}: ten of the agents' default scrape intervals would be too lax; 30 s. */
    public static final Duration DEFAULT_GPU_MAX_AGE = Duration.ofSeconds(30);

    public AdvisorOptions {
        Objects.requireNonNull(gpuPolicy, "gpuPolicy");
        Objects.requireNonNull(kubeVersion, "kubeVersion");
        Objects.requireNonNull(gpuMaxAge, "gpuMaxAge");
        if (gpuMaxAge.isNegative() || gpuMaxAge.isZero()) {
            throw new IllegalArgumentException("gpuMaxAge must be positive: " + gpuMaxAge);
        }
    }

    /** Binpack, the newest kube-scheduler wording, readings up to 30 s old. */
    public static AdvisorOptions defaults() {
        return new AdvisorOptions(GpuPolicy.BINPACK, KubeVersion.NEWEST, DEFAULT_GPU_MAX_AGE);
    }
}
