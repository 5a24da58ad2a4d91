package io.gpuscale.adapter.advisor;

/**
 * One failing check on one node, with its concrete numbers.
 *
 * @param plugin kube-scheduler's plugin name ({@code NodeResourcesFit}, {@code TaintToleration}, ...)
 * @param message what failed, with the numbers ("Insufficient nvidia.com/gpu: requested 2,
 *        allocatable 1, used 1")
 */
public record Reason(String plugin, String message) {
}
