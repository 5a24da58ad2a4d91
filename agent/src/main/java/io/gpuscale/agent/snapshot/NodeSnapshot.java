package io.gpuscale.agent.snapshot;

import io.gpuscale.agent.attribution.Attribution;
import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.gpu.GpuSample;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the agent knows about its node at one instant. Immutable; the sampler builds one
 * per interval and swaps it in atomically, and every request reads only the latest one.
 *
 * @param generation increases by one with every sample, from 1
 * @param timestampMillis when the sample was taken, epoch milliseconds
 * @param node the Kubernetes node name
 * @param source whether the GPU source could be read, and why not
 * @param driver versions of the driver stack (unknown while the source is down)
 * @param gpus one sample per GPU, in index order (empty while the source is down)
 * @param attribution which pods use which GPUs ({@link Attribution#NONE} without pod information)
 * @param xidErrors Xid errors since the agent started: GPU UUID to Xid code to count
 */
public record NodeSnapshot(
        long generation,
        long timestampMillis,
        String node,
        SourceStatus source,
        DriverInfo driver,
        List<GpuSample> gpus,
        Attribution attribution,
        Map<String, Map<Long, Long>> xidErrors) {

    public NodeSnapshot {
        gpus = List.copyOf(gpus);
        Objects.requireNonNull(attribution, "attribution");
        xidErrors = Map.copyOf(xidErrors);
    }

    /** A snapshot without pod information. */
    public NodeSnapshot(long generation, long timestampMillis, String node, SourceStatus source, DriverInfo driver,
            List<GpuSample> gpus) {
        this(generation, timestampMillis, node, source, driver, gpus, Attribution.NONE, Map.of());
    }

    /** A snapshot without Xid errors. */
    public NodeSnapshot(long generation, long timestampMillis, String node, SourceStatus source, DriverInfo driver,
            List<GpuSample> gpus, Attribution attribution) {
        this(generation, timestampMillis, node, source, driver, gpus, attribution, Map.of());
    }

    /** The snapshot before the first sample: nothing known, source not yet opened. */
    public static NodeSnapshot initial(String node, String sourceKind) {
        return new NodeSnapshot(0, 0, node, SourceStatus.starting(sourceKind), DriverInfo.UNKNOWN, List.of());
    }
}
