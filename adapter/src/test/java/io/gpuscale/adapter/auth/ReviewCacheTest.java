package io.gpuscale.adapter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Review answers kept for their own time, allowed and denied apart, and never more than the bound. */
class ReviewCacheTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final ReviewCache<String, String> cache = new ReviewCache<>(Duration.ofSeconds(10), Duration.ofSeconds(2), 3,
            now::get);

    @Test
    void allowedAndDeniedAnswersExpireEachAfterItsOwnTime() {
        cache.put("a", "allowed", true);
        cache.put("d", "denied", false);
        now.addAndGet(Duration.ofMillis(1999).toNanos());
        assertThat(cache.get("a")).isEqualTo("allowed");
        assertThat(cache.get("d")).isEqualTo("denied");
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(cache.get("d")).isNull();
        assertThat(cache.get("a")).isEqualTo("allowed");
        now.addAndGet(Duration.ofSeconds(8).toNanos());
        assertThat(cache.get("a")).isNull();
    }

    @Test
    void theOldestGoWhenFull() {
        for (String k : new String[] {"1", "2", "3", "4"}) {
            cache.put(k, k, true);
        }
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.get("1")).isNull();
        assertThat(cache.get("4")).isEqualTo("4");
    }

    @Test
    void aZeroTimeToLiveKeepsNothing() {
        ReviewCache<String, String> none = new ReviewCache<>(Duration.ZERO, Duration.ZERO, 3, now::get);
        none.put("a", "x", true);
        assertThat(none.get("a")).isNull();
    }

    @Test
    void alwaysAllowedPathsIncludeTheirSubpathsOnly() {
        AuthOptions o = AuthOptions.delegated();
        assertThat(o.alwaysAllowed("/healthz")).isTrue();
        assertThat(o.alwaysAllowed("/healthz/ping")).isTrue();
        assertThat(o.alwaysAllowed("/readyz/informers")).isTrue();
        assertThat(o.alwaysAllowed("/healthzz")).isFalse();
        assertThat(o.alwaysAllowed("/apis")).isFalse();
        assertThat(o.alwaysAllowed("/")).isFalse();
    }
}
