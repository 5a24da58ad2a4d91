package io.gpuscale.adapter.advisor;

/** How GPU load steers the score ({@code --gpu-policy}). */
public enum GpuPolicy {
    /** Prefer nodes whose GPUs are already busy, keeping whole nodes free for large pods. */
    BINPACK,
    /** Prefer the least loaded nodes. */
    SPREAD
}
