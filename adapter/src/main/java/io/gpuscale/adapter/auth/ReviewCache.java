package io.gpuscale.adapter.auth;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.LongSupplier;

/**
 * The answers of TokenReviews or SubjectAccessReviews for a short time, as kube-apiserver's
 * webhook caches keep them: positive and negative answers each with their own time to live, at
 * most {@code maxEntries} (the oldest go first), time read from an injected monotonic ticker.
 * Thread-safe; every operation is O(1): expired entries go when read or when they are the oldest.
 */
final class ReviewCache<K, V> {
    private record Entry<V>(V value, long expiresAtNanos) {
    }

    private final Duration allowedTtl;
    private final Duration deniedTtl;
    private final int maxEntries;
    private final LongSupplier nanoTicker;
    private final LinkedHashMap<K, Entry<V>> entries = new LinkedHashMap<>();

    ReviewCache(Duration allowedTtl, Duration deniedTtl, int maxEntries, LongSupplier nanoTicker) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1");
        }
        this.allowedTtl = allowedTtl;
        this.deniedTtl = deniedTtl;
        this.maxEntries = maxEntries;
        this.nanoTicker = nanoTicker;
    }

    /** The cached answer, or null when there is none or it has expired. */
    synchronized V get(K key) {
        Entry<V> e = entries.get(key);
        if (e == null) {
            return null;
        }
        if (nanoTicker.getAsLong() - e.expiresAtNanos() >= 0) {
            entries.remove(key);
            return null;
        }
        return e.value();
    }

    /** Keeps an answer; {@code positive} picks the allowed or the denied time to live (zero: not kept). */
    synchronized void put(K key, V value, boolean positive) {
        Duration ttl = positive ? allowedTtl : deniedTtl;
        if (ttl.isZero() || ttl.isNegative()) {
            return;
        }
        long now = nanoTicker.getAsLong();
        entries.remove(key);
        while (entries.size() >= maxEntries) {
            Iterator<K> oldest = entries.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        entries.put(key, new Entry<>(value, now + ttl.toNanos()));
    }

    synchronized int size() {
        return entries.size();
    }

}
