package io.gpuscale.agent.snapshot;

/**
 * Whether the GPU source delivered the last sample.
 *
 * @param kind {@code nvml} or {@code sim}
 * @param up true when the last read succeeded
 * @param code why it is down, e.g. {@code LIBRARY_NOT_FOUND}, {@code DRIVER_NOT_LOADED}; empty when up
 * @param message one line for a person; empty when up
 */
public record SourceStatus(String kind, boolean up, String code, String message) {

    public static SourceStatus up(String kind) {
        return new SourceStatus(kind, true, "", "");
    }

    public static SourceStatus down(String kind, String code, String message) {
        return new SourceStatus(kind, false, code, message);
    }

    static SourceStatus starting(String kind) {
        return new SourceStatus(kind, false, "STARTING", "no sample taken yet");
    }
}
