package io.gpuscale.adapter.http;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The per-client cap on open connections ({@link ServerLimits#maxConnectionsPerClient()}; 0 for
 * none). A client's count is dropped when its last connection closes, so the map holds only
 * clients with connections open.
 */
final class ConnectionCap {
    private static final Runnable UNCOUNTED = () -> {
    };

    private final int max;
    private final ConcurrentHashMap<String, AtomicInteger> open = new ConcurrentHashMap<>();

    ConnectionCap(int max) {
        this.max = max;
    }

    /**
     * Counts a new connection from this client.
     *
     * @return what to run once the connection has closed; null when the client already holds its
     *         maximum, the connection is not counted and is to be closed
     */
    Runnable opened(String client) {
        if (max <= 0) {
            return UNCOUNTED;
        }
        AtomicInteger n = open.computeIfAbsent(client, k -> new AtomicInteger());
        if (n.incrementAndGet() > max) {
            release(client, n);
            return null;
        }
        return () -> release(client, n);
    }

    private void release(String client, AtomicInteger n) {
        if (n.decrementAndGet() <= 0) {
            open.remove(client, n);
        }
    }
}
