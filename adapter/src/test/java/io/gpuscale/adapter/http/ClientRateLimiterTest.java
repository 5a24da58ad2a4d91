package io.gpuscale.adapter.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-client token bucket, on a clock the test moves. */
class ClientRateLimiterTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aClientGetsItsBurstThenTheRateAndOthersAreNotAffected() {
        ClientRateLimiter limiter = new ClientRateLimiter(2, 3);
        long t = 1_000 * SECOND;
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.acquire("10.0.0.1", t)).isZero();
        }
        long wait = limiter.acquire("10.0.0.1", t);
        assertThat(wait).isEqualTo(SECOND / 2); // one token every half second
        assertThat(limiter.acquire("10.0.0.2", t)).isZero();
        assertThat(limiter.acquire("10.0.0.1", t + SECOND / 2)).isZero();
        assertThat(limiter.acquire("10.0.0.1", t + SECOND / 2)).isPositive();
        // a long pause refills up to the burst, not beyond
        long later = t + 100 * SECOND;
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.acquire("10.0.0.1", later)).isZero();
        }
        assertThat(limiter.acquire("10.0.0.1", later)).isPositive();
    }

    @Test
    void theNumberOfTrackedClientsIsBounded() {
        ClientRateLimiter limiter = new ClientRateLimiter(1000, 10);
        long t = 0;
        for (int i = 0; i < ClientRateLimiter.MAX_CLIENTS * 3; i++) {
            t += 1_000;
            limiter.acquire("client-" + i, t);
        }
        assertThat(limiter.clients()).isLessThanOrEqualTo(ClientRateLimiter.MAX_CLIENTS);
    }

    @Test
    void aRateOfZeroIsNotALimiter() {
        assertThatThrownBy(() -> new ClientRateLimiter(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientRateLimiter(5, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
