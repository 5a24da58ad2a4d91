package io.gpuscale.adapter.advisor;

import java.util.ArrayList;
import java.util.List;

/**
 * kube-scheduler's NodeResourcesFit filter: the pod fits when the node has room for one more pod
 * ({@code Too many pods} otherwise, checked even for a pod that requests nothing) and, for every
 * resource the pod requests more than 0 of, {@code request <= allocatable - requested}, where
 * requested sums the effective requests of the node's bound, non-terminal pods. A resource the
 * node does not list has allocatable 0. Reasons come in kube-scheduler's order: pods, cpu, memory,
 * ephemeral-storage, then the scalar resources (by name here; Go's map order is random). The
 * status is Unschedulable, since preemption could free room, unless some resource asks for more
 * than the node's whole allocatable: then no eviction can help and, as the newest kube-scheduler
 * does, it is UnschedulableAndUnresolvable. {@code Too many pods} alone stays Unschedulable.
 */
final class NodeResourcesFit {
    static final String NAME = "NodeResourcesFit";
    static final String TOO_MANY_PODS = "Too many pods";
    static final String INSUFFICIENT_CPU = "Insufficient cpu";
    static final String INSUFFICIENT_MEMORY = "Insufficient memory";
    static final String INSUFFICIENT_EPHEMERAL_STORAGE = "Insufficient ephemeral-storage";

    private NodeResourcesFit() {
    }

    /** Whether the node has room; no allocation. */
    static boolean passes(PodQuery pod, IndexedNode node, IndexedNode.NodeUsage usage) {
        if (usage.pods + 1 > node.allowedPods) {
            return false;
        }
        if (!pod.requestsAnything) {
            return true;
        }
        for (int s = 0; s <= ResourceSlots.EPHEMERAL_STORAGE; s++) {
            if (!fits(pod, node, usage, s)) {
                return false;
            }
        }
        for (int s : pod.scalarSlots) {
            if (!fits(pod, node, usage, s)) {
                return false;
            }
        }
        return true;
    }

    private static boolean fits(PodQuery pod, IndexedNode node, IndexedNode.NodeUsage usage, int slot) {
        long want = ResourceSlots.at(pod.request, slot);
        return want <= 0 || want <= ResourceSlots.at(node.allocatable, slot) - ResourceSlots.at(usage.requested, slot);
    }

    /** Null when the node has room. */
    static Failure check(PodQuery pod, IndexedNode node, IndexedNode.NodeUsage usage, ResourceSlots slots) {
        if (passes(pod, node, usage)) {
            return null;
        }
        List<String> status = new ArrayList<>();
        List<Reason> reasons = new ArrayList<>();
        if (usage.pods + 1 > node.allowedPods) {
            status.add(TOO_MANY_PODS);
            reasons.add(new Reason(NAME, TOO_MANY_PODS + ": requested 1, allocatable " + node.allowedPods + ", used "
                    + usage.pods));
        }
        boolean unresolvable = false;
        if (pod.requestsAnything) {
            for (int s = 0; s <= ResourceSlots.EPHEMERAL_STORAGE; s++) {
                unresolvable |= insufficient(pod, node, usage, slots, s, status, reasons);
            }
            for (int s : pod.scalarSlots) {
                unresolvable |= insufficient(pod, node, usage, slots, s, status, reasons);
            }
        }
        return new Failure(NAME, status, reasons, unresolvable);
    }

    /** Adds the reason if the resource is short; returns whether the request exceeds the whole allocatable. */
    private static boolean insufficient(PodQuery pod, IndexedNode node, IndexedNode.NodeUsage usage,
            ResourceSlots slots, int slot, List<String> status, List<Reason> reasons) {
        if (fits(pod, node, usage, slot)) {
            return false;
        }
        String name = slots.name(slot);
        String reason = switch (slot) {
            case ResourceSlots.CPU -> INSUFFICIENT_CPU;
            case ResourceSlots.MEMORY -> INSUFFICIENT_MEMORY;
            case ResourceSlots.EPHEMERAL_STORAGE -> INSUFFICIENT_EPHEMERAL_STORAGE;
            default -> "Insufficient " + name;
        };
        status.add(reason);
        reasons.add(new Reason(NAME, reason + ": requested " + ResourceNames.format(name, pod.request[slot])
                + ", allocatable " + ResourceNames.format(name, ResourceSlots.at(node.allocatable, slot)) + ", used "
                + ResourceNames.format(name, ResourceSlots.at(usage.requested, slot))));
        return pod.request[slot] > ResourceSlots.at(node.allocatable, slot);
    }
}
