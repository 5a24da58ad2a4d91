package io.gpuscale.adapter.cluster;

import io.kubernetes.client.custom.Quantity;
import java.util.List;
import java.util.Map;

/**
 * A ResourceQuota, as quota admission reads it.
 *
 * @param namespace the quota's namespace
 * @param name the quota's name
 * @param hard {@code spec.hard} (e.g. {@code requests.nvidia.com/gpu: 4})
 * @param used {@code status.used}, as the quota controller last counted it (empty if never)
 * @param scopes {@code spec.scopes}
 * @param statusHard {@code status.hard}: what admission enforces (the controller copies
 *     {@code spec.hard} there); empty if the quota has no status yet
 * @param scopeSelector {@code spec.scopeSelector.matchExpressions}
 */
public record QuotaRecord(String namespace, String name, Map<String, Quantity> hard, Map<String, Quantity> used,
        List<String> scopes, Map<String, Quantity> statusHard, List<ScopeRequirement> scopeSelector) {
    public QuotaRecord {
        hard = Map.copyOf(hard);
        used = Map.copyOf(used);
        scopes = List.copyOf(scopes);
        statusHard = Map.copyOf(statusHard);
        scopeSelector = List.copyOf(scopeSelector);
    }

    /** A quota without status.hard or scopeSelector. */
    public QuotaRecord(String namespace, String name, Map<String, Quantity> hard, Map<String, Quantity> used,
            List<String> scopes) {
        this(namespace, name, hard, used, scopes, Map.of(), List.of());
    }

    /**
     * One {@code scopeSelector.matchExpressions[]} entry.
     *
     * @param scopeName e.g. {@code PriorityClass}, {@code BestEffort}
     * @param operator In, NotIn, Exists or DoesNotExist
     * @param values the values for In and NotIn
     */
    public record ScopeRequirement(String scopeName, String operator, List<String> values) {
        public ScopeRequirement {
            values = values == null ? List.of() : List.copyOf(values);
        }
    }
}
