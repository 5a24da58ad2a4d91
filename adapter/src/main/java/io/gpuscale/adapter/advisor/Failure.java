package io.gpuscale.adapter.advisor;

import java.util.List;

/**
 * One filter plugin's failure on one node: kube-scheduler's status and our detailed reasons.
 *
 * @param plugin the plugin's name
 * @param statusReasons the status's reasons exactly as kube-scheduler words them (shared constants
 *     where the text does not depend on the node)
 * @param reasons what failed, with the numbers
 * @param unresolvable UnschedulableAndUnresolvable (preemption cannot help) rather than Unschedulable
 */
record Failure(String plugin, List<String> statusReasons, List<Reason> reasons, boolean unresolvable) {
    Failure {
        // immutable from here on, so that a verdict with one failing plugin shares these lists
        statusReasons = List.copyOf(statusReasons);
        reasons = List.copyOf(reasons);
    }

    static Failure of(String plugin, String statusReason, String detail, boolean unresolvable) {
        return new Failure(plugin, List.of(statusReason), List.of(new Reason(plugin, detail)), unresolvable);
    }
}
