package io.gpuscale.agent.gpu;

/**
 * The source as a whole cannot deliver readings: the library is missing, the driver is not
 * loaded, or NVML must be re-initialized. The sampler closes the source and retries with backoff.
 */
public class GpuSourceException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String code;

    /**
     * @param code short machine-readable reason, e.g. {@code LIBRARY_NOT_FOUND}, {@code DRIVER_NOT_LOADED}
     * @param message one line a person can act on
     */
    public GpuSourceException(String code, String message) {
        super(message);
        this.code = code;
    }

    public GpuSourceException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
