package io.gpuscale.adapter.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per client key (the remote address): {@code burst} requests at once, refilled at
 * {@code perSecond}. Pure: the caller passes the time. Bounded: past {@link #MAX_CLIENTS} keys the
 * buckets that are full again (clients that went quiet) are dropped, and if none is, all are, which
 * at worst lets each client have one more burst.
 */
final class ClientRateLimiter {
    static final int MAX_CLIENTS = 10_000;

    private final double perNanos;
    private final double burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        private double tokens;
        private long lastNanos;

        Bucket(double tokens, long lastNanos) {
            this.tokens = tokens;
            this.lastNanos = lastNanos;
        }
    }

    ClientRateLimiter(double perSecond, int burst) {
        if (!(perSecond > 0) || burst < 1) {
            throw new IllegalArgumentException("rate " + perSecond + "/s burst " + burst + " is not a limit");
        }
        this.perNanos = perSecond / 1e9;
        this.burst = burst;
    }

    /**
     * Takes one token for this client.
     *
     * @return 0 when the request may go ahead, else the nanoseconds until a token is there again
     */
    long acquire(String client, long nowNanos) {
        Bucket b = buckets.get(client);
        if (b == null) {
            if (buckets.size() >= MAX_CLIENTS) {
                evictFull(nowNanos);
            }
            b = buckets.computeIfAbsent(client, k -> new Bucket(burst, nowNanos));
        }
        synchronized (b) {
            refill(b, nowNanos);
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - b.tokens) / perNanos));
        }
    }

    /** Clients tracked now. */
    int clients() {
        return buckets.size();
    }

    private void refill(Bucket b, long nowNanos) {
        long elapsed = nowNanos - b.lastNanos;
        if (elapsed > 0) {
            b.tokens = Math.min(burst, b.tokens + elapsed * perNanos);
            b.lastNanos = nowNanos;
        }
    }

    private void evictFull(long nowNanos) {
        buckets.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                refill(e.getValue(), nowNanos);
                return e.getValue().tokens >= burst;
            }
        });
        if (buckets.size() >= MAX_CLIENTS) {
            buckets.clear();
        }
    }
}
