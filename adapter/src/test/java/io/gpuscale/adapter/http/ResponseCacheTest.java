package io.gpuscale.adapter.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ResponseCacheTest {
    private static ResponseCache.Entry entry(long at) {
        return new ResponseCache.Entry(at, 200, "application/json", Buffer.buffer("{}"));
    }

    @Test
    void identicalRequestsShareAnAnswerOnlyWithinTheTimeToLive() {
        ResponseCache cache = new ResponseCache(Duration.ofMillis(250));
        String key = ResponseCache.key("GET", "/apis/custom.metrics.k8s.io/v1beta2/nodes/*/m", "labelSelector=a%3Db");
        cache.put(key, entry(1_000_000_000L));
        assertThat(cache.get(key, 1_249_000_000L)).isNotNull();
        assertThat(cache.get(key, 1_250_000_000L)).as("expired").isNull();
        assertThat(cache.get(ResponseCache.key("GET", "/apis/custom.metrics.k8s.io/v1beta2/nodes/*/m", null),
                1_100_000_000L)).as("another query").isNull();
    }

    @Test
    void aFullCacheStartsOverInsteadOfGrowing() {
        ResponseCache cache = new ResponseCache(Duration.ofSeconds(10));
        for (int i = 0; i < 5_000; i++) {
            cache.put("GET /p" + i, entry(0));
        }
        assertThat(cache.get("GET /p4999", 1)).isNotNull();
        assertThat(cache.get("GET /p0", 1)).isNull();
    }

    @Test
    void aZeroTimeToLiveCachesNothing() {
        ResponseCache cache = new ResponseCache(Duration.ZERO);
        cache.put("GET /x", entry(0));
        assertThat(cache.get("GET /x", 0)).isNull();
    }
}
