package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.ContainerResources;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.cluster.QuotaRecord;
import io.kubernetes.client.custom.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The API server's ResourceQuota admission of a new pod (quota/v1/evaluator/core/pods.go and the
 * admission controller's checkRequest), quota by quota in name order, stopping at the first
 * refusal:
 * <ol>
 * <li>a quota takes part when its scopes all match the pod (Terminating, NotTerminating,
 *     BestEffort, NotBestEffort, PriorityClass, CrossNamespacePodAffinity, from {@code scopes}
 *     and {@code scopeSelector}) and its hard limits name at least one pod resource;</li>
 * <li>if it limits cpu or memory (plain, {@code requests.} or {@code limits.}), every container
 *     and init container must state that resource: {@code failed quota: NAME: must specify
 *     requests.cpu for: c};</li>
 * <li>its status must count every resource it limits: {@code status unknown for quota: NAME,
 *     resources: ...};</li>
 * <li>{@code used + the pod's usage} must stay within {@code hard} for every resource the pod
 *     uses: else {@code exceeded quota: NAME, requested: r=v, used: r=v, limited: r=v} with only
 *     the exceeded resources, keys sorted.</li>
 * </ol>
 * The pod's usage is its effective request (as the scheduler computes it) as {@code cpu} and
 * {@code requests.cpu} (likewise memory, ephemeral-storage, hugepages), its limits as
 * {@code limits.*}, {@code pods: 1}, {@code count/pods: 1}, and extended resources only as
 * {@code requests.<name>}. Quality of service looks at cpu and memory only, so a pod that asks
 * only for GPUs is BestEffort.
 *
 * <p>Admission compares against {@code status.hard}. A quota with no status at all (a
 * hand-written snapshot, or one the controller has not synced yet) is read with {@code spec.hard}
 * and nothing used, so that offline files still say something; the API server itself would not
 * enforce it until the controller fills the status.
 */
final class ResourceQuotaAdmission {
    static final String PLUGIN = "ResourceQuota";
    private static final Set<String> POD_RESOURCES = Set.of("count/pods", "cpu", "memory", "ephemeral-storage", "pods",
            "requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
            "limits.ephemeral-storage");
    private static final Set<String> MUST_SPECIFY = Set.of("cpu", "memory", "requests.cpu", "requests.memory",
            "limits.cpu", "limits.memory");
    private static final QuotaVerdict ADMITTED = new QuotaVerdict(true, null);

    private ResourceQuotaAdmission() {
    }

    static QuotaVerdict admit(PodSchedulingRecord pod, List<QuotaRecord> quotas) {
        if (quotas.isEmpty()) {
            return ADMITTED;
        }
        // First every matching quota's constraints and status, then the amounts: the order of
        // the admission controller's checkRequest, which decides which message a pod gets.
        List<QuotaRecord> interesting = new ArrayList<>();
        for (QuotaRecord quota : quotas.stream().sorted(java.util.Comparator.comparing(QuotaRecord::name)).toList()) {
            Set<String> restricted = new TreeSet<>();
            for (String r : hard(quota).keySet()) {
                if (tracked(r)) {
                    restricted.add(r);
                }
            }
            if (restricted.isEmpty() || !scopesMatch(quota, pod)) {
                continue;
            }
            String missing = mustSpecify(pod, restricted);
            if (missing != null) {
                return new QuotaVerdict(false, "failed quota: " + quota.name() + ": must specify " + missing);
            }
            if (!quota.statusHard().isEmpty() && !quota.used().keySet().containsAll(restricted)) {
                return new QuotaVerdict(false, "status unknown for quota: " + quota.name() + ", resources: "
                        + String.join(",", restricted));
            }
            interesting.add(quota);
        }
        if (interesting.isEmpty()) {
            return ADMITTED;
        }
        Map<String, Quantity> usage = usage(pod);
        for (QuotaRecord quota : interesting) {
            Map<String, Quantity> hard = hard(quota);
            Set<String> exceeded = new TreeSet<>();
            for (Map.Entry<String, Quantity> e : usage.entrySet()) {
                Quantity limit = hard.get(e.getKey());
                if (limit == null) {
                    continue;
                }
                Quantity used = quota.used().get(e.getKey());
                java.math.BigDecimal after = e.getValue().getNumber()
                        .add(used == null ? java.math.BigDecimal.ZERO : used.getNumber());
                if (after.compareTo(limit.getNumber()) > 0) {
                    exceeded.add(e.getKey());
                }
            }
            if (!exceeded.isEmpty()) {
                return new QuotaVerdict(false, "exceeded quota: " + quota.name() + ", requested: "
                        + list(exceeded, usage) + ", used: " + listUsed(exceeded, quota.used()) + ", limited: "
                        + list(exceeded, hard));
            }
        }
        return ADMITTED;
    }

    /** What admission enforces: {@code status.hard}, or {@code spec.hard} for a quota with no status yet. */
    private static Map<String, Quantity> hard(QuotaRecord quota) {
        return quota.statusHard().isEmpty() ? quota.hard() : quota.statusHard();
    }

    /** {@code podEvaluator.MatchingResources}: the quota resources a pod can use. */
    static boolean tracked(String name) {
        if (POD_RESOURCES.contains(name) || name.startsWith("hugepages-") || name.startsWith("requests.hugepages-")) {
            return true;
        }
        return name.startsWith("requests.") && ResourceNames.isExtended(name.substring("requests.".length()));
    }

    /** The pod's quota usage, zero amounts left out (the admission controller drops them). */
    static Map<String, Quantity> usage(PodSchedulingRecord pod) {
        Map<String, Quantity> out = computeUsage(PodResources.requests(pod), PodResources.limits(pod));
        out.put("count/pods", new Quantity("1"));
        out.values().removeIf(q -> q.getNumber().signum() == 0);
        return out;
    }

    /** {@code podComputeUsageHelper}. */
    private static Map<String, Quantity> computeUsage(Map<String, Quantity> requests, Map<String, Quantity> limits) {
        Map<String, Quantity> out = new TreeMap<>();
        out.put("pods", new Quantity("1"));
        for (String r : List.of("cpu", "memory", "ephemeral-storage")) {
            Quantity req = requests.get(r);
            if (req != null) {
                out.put(r, req);
                out.put("requests." + r, req);
            }
            Quantity lim = limits.get(r);
            if (lim != null) {
                out.put("limits." + r, lim);
            }
        }
        requests.forEach((name, q) -> {
            if (name.startsWith("hugepages-")) {
                out.put(name, q);
                out.put("requests." + name, q);
            }
            if (ResourceNames.isExtended(name)) {
                out.put("requests." + name, q);
            }
        });
        return out;
    }

    /** {@code podEvaluator.Constraints}: "requests.cpu for: a,b; limits.memory for: c", or null when nothing is missing. */
    private static String mustSpecify(PodSchedulingRecord pod, Set<String> restricted) {
        Set<String> required = new TreeSet<>(restricted);
        required.retainAll(MUST_SPECIFY);
        if (required.isEmpty()) {
            return null;
        }
        Map<String, TreeSet<String>> missing = new TreeMap<>();
        List<ContainerResources> all = new ArrayList<>(pod.containers());
        all.addAll(pod.initContainers());
        for (ContainerResources c : all) {
            Set<String> has = computeUsage(PodResources.containerRequests(c), c.limits()).keySet();
            for (String r : required) {
                if (!has.contains(r)) {
                    missing.computeIfAbsent(r, k -> new TreeSet<>()).add(c.name());
                }
            }
        }
        if (missing.isEmpty()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        missing.forEach((r, names) -> parts.add(r + " for: " + String.join(",", names)));
        return String.join("; ", parts);
    }

    private static boolean scopesMatch(QuotaRecord quota, PodSchedulingRecord pod) {
        for (String scope : quota.scopes()) {
            if (!scopeMatches(scope, "Exists", List.of(), pod)) {
                return false;
            }
        }
        for (QuotaRecord.ScopeRequirement r : quota.scopeSelector()) {
            if (!scopeMatches(r.scopeName(), r.operator(), r.values(), pod)) {
                return false;
            }
        }
        return true;
    }

    private static boolean scopeMatches(String scope, String operator, List<String> values, PodSchedulingRecord pod) {
        switch (scope) {
            case "Terminating":
                return terminating(pod);
            case "NotTerminating":
                return !terminating(pod);
            case "BestEffort":
                return bestEffort(pod);
            case "NotBestEffort":
                return !bestEffort(pod);
            case "PriorityClass":
                String pc = pod.priorityClassName();
                return switch (operator) {
                    case "Exists" -> !pc.isEmpty();
                    case "DoesNotExist" -> pc.isEmpty();
                    case "In" -> !pc.isEmpty() && values.contains(pc);
                    case "NotIn" -> pc.isEmpty() || !values.contains(pc);
                    default -> false;
                };
            case "CrossNamespacePodAffinity":
                return false; // pod affinity is not in our records; a GPU pod rarely uses cross-namespace terms
            default:
                return false;
        }
    }

    private static boolean terminating(PodSchedulingRecord pod) {
        return pod.activeDeadlineSeconds() != null && pod.activeDeadlineSeconds() >= 0;
    }

    /** QoS BestEffort: no container, init container or pod-level resources set cpu or memory above zero. */
    static boolean bestEffort(PodSchedulingRecord pod) {
        List<ContainerResources> all = new ArrayList<>(pod.containers());
        all.addAll(pod.initContainers());
        for (ContainerResources c : all) {
            if (computes(c.requests()) || computes(c.limits())) {
                return false;
            }
        }
        return !computes(pod.podRequests()) && !computes(pod.podLimits());
    }

    private static boolean computes(Map<String, Quantity> list) {
        for (String r : List.of("cpu", "memory")) {
            Quantity q = list.get(r);
            if (q != null && q.getNumber().signum() != 0) {
                return true;
            }
        }
        return false;
    }

    /** As {@link #list}; a resource a status-less quota has not counted yet is shown as 0. */
    private static String listUsed(Set<String> keys, Map<String, Quantity> used) {
        Map<String, Quantity> withZeros = new TreeMap<>(used);
        keys.forEach(k -> withZeros.putIfAbsent(k, new Quantity("0")));
        return list(keys, withZeros);
    }

    private static String list(Set<String> keys, Map<String, Quantity> values) {
        List<String> parts = new ArrayList<>();
        for (String k : keys) {
            Quantity q = values.get(k);
            if (q != null) {
                parts.add(k + "=" + q.toSuffixedString());
            }
        }
        return String.join(",", parts);
    }
}
