package io.gpuscale.adapter.http;

import io.gpuscale.adapter.api.Document;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rendered answers of GET requests, shared by identical requests for a short time. An HPA
 * controller, kubectl and dashboards repeat the same few queries; within the time to live they
 * get the same bytes instead of a new computation, so the answer can be at most that much older
 * than the readings would allow. Bounded: when full, it starts over.
 */
final class ResponseCache {
    /**
     * One rendered answer.
     *
     * @param oldestValueMillis the timestamp of the oldest metric value in it, or {@link #NO_VALUES}
     *        ({@link Document#oldestValueMillis()})
     */
    record Entry(long createdNanos, int code, String contentType, Buffer body, long oldestValueMillis) {
        /** An answer without metric values (a failure, discovery, health). */
        static final long NO_VALUES = Document.NO_VALUES;

        Entry(long createdNanos, int code, String contentType, Buffer body) {
            this(createdNanos, code, contentType, body, NO_VALUES);
        }
    }

    static final Duration DEFAULT_TTL = Duration.ofMillis(250);
    private static final int MAX_ENTRIES = 1024;

    private final long ttlNanos;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    ResponseCache(Duration ttl) {
        this.ttlNanos = ttl.toNanos();
    }

    /** The cached answer to this request, if one is young enough. */
    Entry get(String key, long nowNanos) {
        Entry e = entries.get(key);
        return e != null && nowNanos - e.createdNanos() < ttlNanos ? e : null;
    }

    void put(String key, Entry entry) {
        if (ttlNanos <= 0) {
            return;
        }
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        entries.put(key, entry);
    }

    static String key(String method, String path, String query) {
        return query == null ? method + ' ' + path : method + ' ' + path + '?' + query;
    }
}
