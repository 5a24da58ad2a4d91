package io.gpuscale.agent.gpu;

import java.util.List;

/**
 * Everything one read of a {@link GpuSource} produced.
 *
 * @param driver versions of the driver stack
 * @param gpus one sample per GPU the node has, down ones included, in index order
 * @param errors failed calls during this read (unsupported fields are reported once, when first
 *     seen, not on every read)
 */
public record NodeReading(DriverInfo driver, List<GpuSample> gpus, List<SourceError> errors) {
    public NodeReading {
        gpus = List.copyOf(gpus);
        errors = List.copyOf(errors);
    }
}
