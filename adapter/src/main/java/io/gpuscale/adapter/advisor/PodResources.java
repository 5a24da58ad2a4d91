package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.ContainerResources;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.kubernetes.client.custom.Quantity;
import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A pod's effective requests and limits, as kube-scheduler's NodeResourcesFit and quota admission
 * both compute them ({@code component-helpers/resource} PodRequests and PodLimits):
 *
 * <pre>
 * max( sum(app containers) + sum(sidecars),
 *      max over regular init containers of (its own + the sidecars declared before it) )
 * with pod-level cpu/memory/hugepages replacing the container total when set,
 * + spec.overhead (for limits: only on resources that have a limit)
 * </pre>
 *
 * A container's request defaults to its limit when only the limit is set, as the API server's
 * defaulting does. Sums keep the format of their first operand, like Go's {@code Quantity.Add},
 * so quota messages print quantities the way the API server would.
 */
final class PodResources {
    private PodResources() {
    }

    /** The pod's effective requests. */
    static Map<String, Quantity> requests(PodSchedulingRecord pod) {
        Map<String, Quantity> reqs = aggregate(pod, PodResources::containerRequests);
        Map<String, Quantity> podLevel = podLevelRequests(pod);
        podLevel.forEach((name, q) -> {
            if (supportedAtPodLevel(name)) {
                reqs.put(name, q);
            }
        });
        pod.overhead().forEach((name, q) -> add(reqs, name, q));
        return reqs;
    }

    /** The pod's effective limits. */
    static Map<String, Quantity> limits(PodSchedulingRecord pod) {
        Map<String, Quantity> limits = aggregate(pod, ContainerResources::limits);
        if (pod.podLimits().keySet().stream().anyMatch(PodResources::supportedAtPodLevel)) {
            pod.podLimits().forEach((name, q) -> {
                if (supportedAtPodLevel(name)) {
                    limits.put(name, q);
                }
            });
        }
        pod.overhead().forEach((name, q) -> {
            if (limits.containsKey(name)) {
                add(limits, name, q);
            }
        });
        return limits;
    }

    /** A container's requests after defaulting: a resource with a limit and no request requests its limit. */
    static Map<String, Quantity> containerRequests(ContainerResources c) {
        if (c.limits().isEmpty()) {
            return c.requests();
        }
        Map<String, Quantity> out = new TreeMap<>(c.requests());
        c.limits().forEach(out::putIfAbsent);
        return out;
    }

    private static Map<String, Quantity> podLevelRequests(PodSchedulingRecord pod) {
        boolean set = !pod.podRequests().isEmpty()
                || pod.podLimits().keySet().stream().anyMatch(PodResources::supportedAtPodLevel);
        if (!set) {
            return Map.of();
        }
        Map<String, Quantity> out = new TreeMap<>(pod.podRequests());
        pod.podLimits().forEach((name, q) -> {
            if (supportedAtPodLevel(name)) {
                out.putIfAbsent(name, q);
            }
        });
        return out;
    }

    private static boolean supportedAtPodLevel(String name) {
        return ResourceNames.CPU.equals(name) || ResourceNames.MEMORY.equals(name) || ResourceNames.isHugePages(name);
    }

    private static Map<String, Quantity> aggregate(PodSchedulingRecord pod,
            Function<ContainerResources, Map<String, Quantity>> of) {
        Map<String, Quantity> sum = new TreeMap<>();
        for (ContainerResources c : pod.containers()) {
            of.apply(c).forEach((name, q) -> add(sum, name, q));
        }
        Map<String, Quantity> sidecars = new TreeMap<>();
        Map<String, Quantity> initMax = new TreeMap<>();
        for (ContainerResources c : pod.initContainers()) {
            Map<String, Quantity> own = of.apply(c);
            Map<String, Quantity> cost;
            if (c.sidecar()) {
                own.forEach((name, q) -> add(sum, name, q));
                own.forEach((name, q) -> add(sidecars, name, q));
                cost = sidecars;
            } else {
                cost = new TreeMap<>();
                Map<String, Quantity> tmp = cost;
                own.forEach((name, q) -> add(tmp, name, q));
                sidecars.forEach((name, q) -> add(tmp, name, q));
            }
            cost.forEach((name, q) -> max(initMax, name, q));
        }
        initMax.forEach((name, q) -> max(sum, name, q));
        return sum;
    }

    /** {@code list[name] += q}, keeping the first operand's format unless it is zero (Go's Quantity.Add). */
    static void add(Map<String, Quantity> list, String name, Quantity q) {
        Quantity have = list.get(name);
        if (have == null) {
            list.put(name, q);
            return;
        }
        BigDecimal sum = have.getNumber().add(q.getNumber());
        list.put(name, new Quantity(sum, have.getNumber().signum() == 0 ? q.getFormat() : have.getFormat()));
    }

    private static void max(Map<String, Quantity> list, String name, Quantity q) {
        Quantity have = list.get(name);
        if (have == null || q.getNumber().compareTo(have.getNumber()) > 0) {
            list.put(name, q);
        }
    }
}
