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
 * @param scopes {@code spec.scopes} (a {@code scopeSelector} is not kept)
 */
public record QuotaRecord(String namespace, String name, Map<String, Quantity> hard, Map<String, Quantity> used,
        List<String> scopes) {
    public QuotaRecord {
        hard = Map.copyOf(hard);
        used = Map.copyOf(used);
        scopes = List.copyOf(scopes);
    }
}
