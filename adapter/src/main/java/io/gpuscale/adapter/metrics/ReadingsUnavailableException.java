package io.gpuscale.adapter.metrics;

/**
 * A backend of {@link GpuMetrics} that lives behind the network could not answer (the Prometheus
 * one: unreachable, too slow, or refusing the query). The backend has already said why in its own
 * log, once per kind of failure; the caller answers without the readings and need not log it again.
 */
public class ReadingsUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ReadingsUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
