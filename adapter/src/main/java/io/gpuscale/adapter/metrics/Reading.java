package io.gpuscale.adapter.metrics;

/**
 * A value with the time it was measured (the agent's sample time, not the time of a request).
 *
 * @param value the value, in the metric's unit
 * @param timestampMillis when it was measured, epoch milliseconds
 */
public record Reading(double value, long timestampMillis) {
}
