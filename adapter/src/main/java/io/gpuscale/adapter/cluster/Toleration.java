package io.gpuscale.adapter.cluster;

/**
 * A pod's toleration, as in {@code spec.tolerations[]}; absent fields are empty strings.
 *
 * @param key the taint key it tolerates, or empty for every key (with operator Exists)
 * @param operator Equal (the default, when empty) or Exists
 * @param value the taint value for Equal
 * @param effect NoSchedule, PreferNoSchedule or NoExecute, or empty for every effect
 * @param tolerationSeconds for NoExecute, how long the pod stays bound; null for ever
 */
public record Toleration(String key, String operator, String value, String effect, Long tolerationSeconds) {
}
