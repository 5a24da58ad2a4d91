package io.gpuscale.adapter.cluster;

/**
 * How one informer of {@link InformerClusterView} is doing, for the adapter's own metrics.
 *
 * @param resource {@code pods}, {@code nodes} or {@code resourcequotas}
 * @param lists list requests started: the first, and every relist after a watch could not resume
 * @param watches watch requests started: each one ends after a server-side timeout (minutes) or a failure
 * @param failures list and watch requests that failed
 * @param objects objects its cache holds
 * @param lastEventMillis when its last add, update or delete arrived (epoch ms); 0 before the first
 */
public record InformerStats(String resource, long lists, long watches, long failures, int objects,
        long lastEventMillis) {
}
