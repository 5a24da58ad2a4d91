package io.gpuscale.agent.pods;

import java.util.Objects;
import java.util.Optional;

/**
 * A device-plugin device ID split into the NVML UUID it names and its time-slicing replica.
 *
 * <p>The NVIDIA device plugin (default {@code DEVICE_ID_STRATEGY=uuid}) hands out
 * {@code GPU-<uuid>} for a whole GPU, {@code MIG-<uuid>} for a MIG device, and appends
 * {@code ::<n>} for the n-th time-slicing replica ({@code GPU-<uuid>::3}; some MIG setups, e.g.
 * EKS, also send {@code MIG-<uuid>::<n>}). Other forms — index IDs ({@code 0}), GKE's
 * {@code nvidia0/gi0} — carry no UUID and are not parsed.
 *
 * @param uuid the UUID as NVML reports it, {@code GPU-...} or {@code MIG-...}
 * @param replica the replica number, or {@link #WHOLE_DEVICE} when the ID has no {@code ::n} suffix
 */
public record DeviceId(String uuid, int replica) {
    /** The replica of an ID without a {@code ::n} suffix. */
    public static final int WHOLE_DEVICE = -1;

    private static final String GPU_PREFIX = "GPU-";
    private static final String MIG_PREFIX = "MIG-";
    private static final String REPLICA_SEPARATOR = "::";

    public DeviceId {
        Objects.requireNonNull(uuid, "uuid");
        if (replica < WHOLE_DEVICE) {
            throw new IllegalArgumentException("replica " + replica + " is negative");
        }
    }

    /**
     * Splits a device ID; empty when it is not a {@code GPU-}/{@code MIG-} UUID with an optional
     * {@code ::<n>} suffix (n a non-negative decimal int).
     */
    public static Optional<DeviceId> parse(String deviceId) {
        if (deviceId == null) {
            return Optional.empty();
        }
        int separator = deviceId.indexOf(REPLICA_SEPARATOR);
        String uuid = separator < 0 ? deviceId : deviceId.substring(0, separator);
        if (!isUuid(uuid)) {
            return Optional.empty();
        }
        if (separator < 0) {
            return Optional.of(new DeviceId(uuid, WHOLE_DEVICE));
        }
        int replica = replica(deviceId.substring(separator + REPLICA_SEPARATOR.length()));
        return replica < 0 ? Optional.empty() : Optional.of(new DeviceId(uuid, replica));
    }

    /** Whether the UUID names a MIG device rather than a whole GPU. */
    public boolean mig() {
        return uuid.startsWith(MIG_PREFIX);
    }

    /** Whether the ID names one time-slicing replica of a device that others may share. */
    public boolean timeSliced() {
        return replica != WHOLE_DEVICE;
    }

    /**
     * UUID bodies are hex and dashes ({@code GPU-3b1e...}); pre-R470 MIG IDs also carry
     * {@code /gi/ci} ({@code MIG-GPU-<uuid>/1/0}), so letters, digits, '-' and '/' are accepted.
     */
    private static boolean isUuid(String s) {
        if (!(s.startsWith(GPU_PREFIX) || s.startsWith(MIG_PREFIX)) || s.length() == GPU_PREFIX.length()) {
            return false;
        }
        for (int i = GPU_PREFIX.length(); i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '/';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The replica number, or -1 when {@code s} is not a non-negative decimal int. */
    private static int replica(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }
}
