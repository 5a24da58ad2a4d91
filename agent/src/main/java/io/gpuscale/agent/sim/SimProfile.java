package io.gpuscale.agent.sim;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A simulated GPU model: the static facts the simulation derives its readings from.
 * Figures follow the vendors' data sheets; idle power and clocks are typical observed values.
 */
public enum SimProfile {
    RTX4090("rtx4090", "NVIDIA GeForce RTX 4090", "geforce", "8.9",
            25_757_220_864L, 440L << 20, 450_000, 22_000, 2_520, 10_501, true, false),
    RTX3060("rtx3060", "NVIDIA GeForce RTX 3060", "geforce", "8.6",
            12_884_901_888L, 260L << 20, 170_000, 13_000, 2_100, 7_501, true, false),
    H100("h100", "NVIDIA H100 80GB HBM3", "nvidia", "9.0",
            85_520_809_984L, 580L << 20, 700_000, 72_000, 1_980, 2_619, false, true);

    private final String key;
    private final String model;
    private final String brand;
    private final String computeCapability;
    private final long memoryTotalBytes;
    private final long memoryReservedBytes;
    private final long powerLimitMilliwatts;
    private final long idlePowerMilliwatts;
    private final long maxSmClockMhz;
    private final long memoryClockMhz;
    private final boolean hasFan;
    private final boolean migCapable;

    SimProfile(String key, String model, String brand, String computeCapability, long memoryTotalBytes,
            long memoryReservedBytes, long powerLimitMilliwatts, long idlePowerMilliwatts, long maxSmClockMhz,
            long memoryClockMhz, boolean hasFan, boolean migCapable) {
        this.key = key;
        this.model = model;
        this.brand = brand;
        this.computeCapability = computeCapability;
        this.memoryTotalBytes = memoryTotalBytes;
        this.memoryReservedBytes = memoryReservedBytes;
        this.powerLimitMilliwatts = powerLimitMilliwatts;
        this.idlePowerMilliwatts = idlePowerMilliwatts;
        this.maxSmClockMhz = maxSmClockMhz;
        this.memoryClockMhz = memoryClockMhz;
        this.hasFan = hasFan;
        this.migCapable = migCapable;
    }

    public static SimProfile byKey(String key) {
        for (SimProfile p : values()) {
            if (p.key.equals(key.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown GPU profile '" + key + "' (known: " + knownKeys() + ")");
    }

    public static String knownKeys() {
        return Arrays.stream(values()).map(SimProfile::key).collect(Collectors.joining(", "));
    }

    public String key() {
        return key;
    }

    public String model() {
        return model;
    }

    public String brand() {
        return brand;
    }

    public String computeCapability() {
        return computeCapability;
    }

    public long memoryTotalBytes() {
        return memoryTotalBytes;
    }

    public long memoryReservedBytes() {
        return memoryReservedBytes;
    }

    public long powerLimitMilliwatts() {
        return powerLimitMilliwatts;
    }

    public long idlePowerMilliwatts() {
        return idlePowerMilliwatts;
    }

    public long maxSmClockMhz() {
        return maxSmClockMhz;
    }

    public long memoryClockMhz() {
        return memoryClockMhz;
    }

    public boolean hasFan() {
        return hasFan;
    }

    public boolean migCapable() {
        return migCapable;
    }
}
