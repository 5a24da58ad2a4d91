package io.gpuscale.adapter.advisor;

import java.util.List;

/**
 * One node's verdict for a pod.
 *
 * @param name the node's name
 * @param feasible whether every filter passes
 * @param plugin the first failing plugin in kube-scheduler's order: the one kube-scheduler itself
 *        reports; null when feasible
 * @param reasons every failing check, of every plugin, in plugin order
 * @param statusReasons the reasons of {@code plugin} exactly as kube-scheduler words them for the
 *        FailedScheduling text and as an extender reports them ("Insufficient nvidia.com/gpu",
 *        "node(s) had untolerated taint {gpu: rtx3060}"); empty when feasible
 * @param unresolvable whether kube-scheduler marks that failure UnschedulableAndUnresolvable
 *        (preemption cannot help), as opposed to Unschedulable
 * @param score the node's total score, 0 to 100, when feasible; null otherwise
 * @param gpuScore the GPU-load part of {@code score} alone ({@link GpuScore}), 0 to 100, when
 *        feasible; null otherwise. This is what the scheduler extender's prioritize returns:
 *        kube-scheduler scores TaintToleration and NodeAffinity itself
 */
public record NodeVerdict(String name, boolean feasible, String plugin, List<Reason> reasons,
        List<String> statusReasons, boolean unresolvable, Integer score, Integer gpuScore) {
    public NodeVerdict {
        // no copy of a list that is already immutable: most verdicts share theirs
        reasons = List.copyOf(reasons);
        statusReasons = List.copyOf(statusReasons);
    }
}
