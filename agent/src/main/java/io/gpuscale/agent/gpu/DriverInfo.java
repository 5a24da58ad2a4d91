package io.gpuscale.agent.gpu;

/**
 * Versions of the driver stack, read once per (re)initialization.
 *
 * @param driverVersion e.g. {@code 580.95.05}
 * @param nvmlVersion e.g. {@code 13.580.95.05}
 * @param cudaDriverVersion e.g. {@code 13.0}; empty if unknown
 */
public record DriverInfo(String driverVersion, String nvmlVersion, String cudaDriverVersion) {
    public static final DriverInfo UNKNOWN = new DriverInfo("", "", "");
}
