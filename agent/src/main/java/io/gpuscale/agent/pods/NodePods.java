package io.gpuscale.agent.pods;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pods on this node at one moment, as the API server reported them. Immutable, so the
 * sampler may read it from any thread while the informer builds the next one.
 */
public final class NodePods {
    private static final NodePods EMPTY = new NodePods(List.of());
    private static final Comparator<PodInfo> BY_NAME =
            Comparator.comparing(PodInfo::namespace).thenComparing(PodInfo::name).thenComparing(PodInfo::uid);

    private final List<PodInfo> all;
    private final Map<String, PodInfo> byUid;
    private final Map<String, PodInfo> byName;

    private NodePods(List<PodInfo> sorted) {
        this.all = sorted;
        Map<String, PodInfo> uids = new HashMap<>();
        Map<String, PodInfo> names = new HashMap<>();
        for (PodInfo pod : sorted) {
            uids.put(pod.uid(), pod);
            names.put(key(pod.namespace(), pod.name()), pod);
        }
        this.byUid = Map.copyOf(uids);
        this.byName = Map.copyOf(names);
    }

    /** No pods: what the informer holds before its first list. */
    public static NodePods empty() {
        return EMPTY;
    }

    /** The given pods, one per UID and per {@code namespace/name} (the last one given wins). */
    public static NodePods of(Collection<PodInfo> pods) {
        return pods.isEmpty() ? EMPTY : new NodePods(pods.stream().sorted(BY_NAME).toList());
    }

    public Optional<PodInfo> byUid(String uid) {
        return Optional.ofNullable(byUid.get(uid));
    }

    public Optional<PodInfo> byName(String namespace, String name) {
        return Optional.ofNullable(byName.get(key(namespace, name)));
    }

    /** Every pod, sorted by namespace, then name. */
    public List<PodInfo> all() {
        return all;
    }

    public int size() {
        return all.size();
    }

    private static String key(String namespace, String name) {
        return namespace + '/' + name;
    }

    @Override
    public String toString() {
        return "NodePods" + all;
    }
}
