package io.gpuscale.agent.gpu;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One GPU's readings at one instant. Immutable.
 *
 * <p>A field is in one of three states: <em>present</em> (read this time), <em>unsupported</em>
 * (the GPU or driver does not have it; it stays absent and is not asked again), or neither (the
 * read failed this time, or the GPU is down). Values are in the unit the field's name carries.
 */
public final class GpuSample {
    private static final long[] NO_VALUES = new long[0];

    private final GpuIdentity identity;
    private final boolean up;
    private final String downReason;
    private final long[] values;
    private final long presentMask;
    private final long unsupportedMask;
    private final List<GpuProcess> processes;
    private final List<ProcessUtilization> processUtilization;
    private final List<MigDevice> migDevices;

    private GpuSample(Builder b) {
        this.identity = Objects.requireNonNull(b.identity, "identity");
        this.up = b.up;
        this.downReason = b.downReason;
        this.values = b.presentMask == 0 ? NO_VALUES : b.values.clone();
        this.presentMask = b.presentMask;
        this.unsupportedMask = b.unsupportedMask;
        this.processes = List.copyOf(b.processes);
        this.processUtilization = List.copyOf(b.processUtilization);
        this.migDevices = List.copyOf(b.migDevices);
    }

    public static Builder builder(GpuIdentity identity) {
        return new Builder(identity);
    }

    /** A GPU that cannot be read at all right now; only its identity and the reason remain. */
    public static GpuSample down(GpuIdentity identity, String reason, long unsupportedMask) {
        return builder(identity).down(reason).unsupportedMask(unsupportedMask).build();
    }

    public GpuIdentity identity() {
        return identity;
    }

    public boolean up() {
        return up;
    }

    /** Why the GPU is down (an NVML return code name), or empty when it is up. */
    public String downReason() {
        return downReason;
    }

    public boolean has(GpuField field) {
        return (presentMask & field.bit()) != 0;
    }

    /** The value of a present field; check {@link #has} first. */
    public long value(GpuField field) {
        if (!has(field)) {
            throw new IllegalStateException(field + " is absent for GPU " + identity.index());
        }
        return values[field.ordinal()];
    }

    public OptionalLong find(GpuField field) {
        return has(field) ? OptionalLong.of(values[field.ordinal()]) : OptionalLong.empty();
    }

    /** Whether the GPU has this field at all (false only once the driver said NOT_SUPPORTED). */
    public boolean supports(GpuField field) {
        return (unsupportedMask & field.bit()) == 0;
    }

    public long presentMask() {
        return presentMask;
    }

    public long unsupportedMask() {
        return unsupportedMask;
    }

    public List<GpuProcess> processes() {
        return processes;
    }

    public List<ProcessUtilization> processUtilization() {
        return processUtilization;
    }

    /** The MIG devices of a GPU in MIG mode; empty otherwise. */
    public List<MigDevice> migDevices() {
        return migDevices;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("GpuSample[gpu=").append(identity.index())
                .append(", uuid=").append(identity.uuid()).append(", up=").append(up);
        for (GpuField f : GpuField.all()) {
            if (has(f)) {
                sb.append(", ").append(f.key()).append('=').append(values[f.ordinal()]);
            }
        }
        return sb.append(']').toString();
    }

    /** Collects one GPU's readings; not thread-safe, may be reused after {@link #build()}. */
    public static final class Builder {
        private GpuIdentity identity;
        private boolean up = true;
        private String downReason = "";
        private final long[] values = new long[GpuField.count()];
        private long presentMask;
        private long unsupportedMask;
        private List<GpuProcess> processes = List.of();
        private List<ProcessUtilization> processUtilization = List.of();
        private List<MigDevice> migDevices = List.of();

        private Builder(GpuIdentity identity) {
            this.identity = identity;
        }

        /** Starts over for another GPU, keeping the arrays. */
        public Builder reset(GpuIdentity identity) {
            this.identity = identity;
            this.up = true;
            this.downReason = "";
            Arrays.fill(values, 0L);
            this.presentMask = 0;
            this.unsupportedMask = 0;
            this.processes = List.of();
            this.processUtilization = List.of();
            this.migDevices = List.of();
            return this;
        }

        public Builder migDevices(List<MigDevice> devices) {
            this.migDevices = devices;
            return this;
        }

        public Builder set(GpuField field, long value) {
            values[field.ordinal()] = value;
            presentMask |= field.bit();
            return this;
        }

        public Builder unsupported(GpuField field) {
            unsupportedMask |= field.bit();
            return this;
        }

        public Builder unsupportedMask(long mask) {
            unsupportedMask |= mask;
            return this;
        }

        public Builder processes(List<GpuProcess> processes) {
            this.processes = processes;
            return this;
        }

        public Builder processUtilization(List<ProcessUtilization> samples) {
            this.processUtilization = samples;
            return this;
        }

        /** Marks the GPU down: whatever was read before is dropped, it is not current. */
        public Builder down(String reason) {
            this.up = false;
            this.downReason = Objects.requireNonNull(reason);
            this.presentMask = 0;
            this.processes = List.of();
            this.processUtilization = List.of();
            this.migDevices = List.of();
            return this;
        }

        public GpuSample build() {
            return new GpuSample(this);
        }
    }
}
