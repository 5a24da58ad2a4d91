package io.gpuscale.agent.gpu;

import java.util.Objects;

/**
 * What a GPU is, read once when the source opens: stable for the life of the handle.
 *
 * @param index NVML index on this node (not stable across reboots; {@code uuid} is)
 * @param uuid e.g. {@code GPU-5f2b...}
 * @param model product name, e.g. {@code NVIDIA GeForce RTX 4090}
 * @param brand NVML brand, e.g. {@code geforce}, {@code nvidia_rtx}, {@code tesla}; empty if unknown
 * @param pciBusId e.g. {@code 00000000:01:00.0}
 * @param minorNumber the N of {@code /dev/nvidiaN}, or -1 when unknown
 * @param computeCapability e.g. {@code 8.9}; empty if unknown
 */
public record GpuIdentity(
        int index,
        String uuid,
        String model,
        String brand,
        String pciBusId,
        int minorNumber,
        String computeCapability) {

    public GpuIdentity {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(brand, "brand");
        Objects.requireNonNull(pciBusId, "pciBusId");
        Objects.requireNonNull(computeCapability, "computeCapability");
    }
}
