package io.gpuscale.adapter.cluster;

/**
 * A node's taint, as in {@code spec.taints[]}.
 *
 * @param key the taint's key
 * @param value its value, or empty
 * @param effect NoSchedule, PreferNoSchedule or NoExecute
 */
public record Taint(String key, String value, String effect) {
}
