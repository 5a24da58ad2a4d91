package io.gpuscale.adapter.advisor;

/**
 * Whether an explanation's scores counted live GPU load and, when they did not, why. Without it
 * every node's free memory and idleness count as unknown (0.5, neutral): only the GPUs the running
 * pods request tell nodes apart, as in the CLI.
 *
 * @param known whether the scores used a snapshot of GPU load
 * @param ageSeconds how old that snapshot was (when unknown: how old the last good one is); null
 *     when none was ever read
 * @param message null when known; else what the user reads, starting {@value #UNKNOWN} or
 *     {@value #NOT_READ_TEXT}
 */
public record GpuLoadStatus(boolean known, Double ageSeconds, String message) {
    /** How an answer scored without load it should have had starts. */
    public static final String UNKNOWN = "GPU load unknown";
    static final String NOT_READ_TEXT = "GPU load not read";
    /** An advisor given no GPU readings at all (the CLI). */
    public static final GpuLoadStatus NOT_READ = new GpuLoadStatus(false, null, NOT_READ_TEXT);

    public GpuLoadStatus {
        if (known == (message != null)) {
            throw new IllegalArgumentException("a message exactly when GPU load is not known");
        }
    }
}
