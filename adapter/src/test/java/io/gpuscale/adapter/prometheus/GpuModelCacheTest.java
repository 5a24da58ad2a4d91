package io.gpuscale.adapter.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.common.testing.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class GpuModelCacheTest {
    private static final long FRESH = Duration.ofMinutes(1).toNanos();
    private static final long USABLE = Duration.ofMinutes(5).toNanos();

    private final AtomicLong now = new AtomicLong(1_000);
    private final AtomicInteger fetches = new AtomicInteger();
    /** What the next fetch answers; replaced by tests that hold a fetch open. */
    private final AtomicReference<CompletableFuture<Map<String, String>>> next = new AtomicReference<>();
    private final GpuModelCache cache = new GpuModelCache(() -> {
        fetches.incrementAndGet();
        return next.get();
    }, FRESH, USABLE, now::get);

    private void answer(Map<String, String> models) {
        next.set(CompletableFuture.completedFuture(models));
    }

    @Test
    void aFreshMapIsAnsweredWithoutFetchingAgain() {
        answer(Map.of("n1/GPU-a", "NVIDIA A100"));
        for (int i = 0; i < 10; i++) {
            assertThat(cache.get()).containsEntry("n1/GPU-a", "NVIDIA A100");
            now.addAndGet(FRESH / 20);
        }
        assertThat(fetches).hasValue(1);
    }

    @Test
    void anOldMapIsAnsweredAtOnceWhileOneRefreshRuns() {
        answer(Map.of("n1/GPU-a", "NVIDIA A100"));
        cache.get();
        CompletableFuture<Map<String, String>> held = new CompletableFuture<>();
        next.set(held);
        now.addAndGet(FRESH);

        for (int i = 0; i < 5; i++) {
            assertThat(cache.get()).containsEntry("n1/GPU-a", "NVIDIA A100");
        }
        assertThat(fetches).as("one refresh however many callers find the map old").hasValue(2);

        held.complete(Map.of("n1/GPU-a", "NVIDIA H100"));
        assertThat(cache.get()).containsEntry("n1/GPU-a", "NVIDIA H100");
        assertThat(fetches).hasValue(2);
    }

    @Test
    void callersWaitForTheFirstMapAndShareOneFetch() throws Exception {
        CompletableFuture<Map<String, String>> held = new CompletableFuture<>();
        next.set(held);
        ConcurrentLinkedQueue<Map<String, String>> answers = new ConcurrentLinkedQueue<>();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> answers.add(cache.get()), "caller-" + i);
            t.start();
            callers.add(t);
        }
        Eventually.await(Duration.ofSeconds(30), "every caller waiting for the fetch",
                () -> callers.stream().allMatch(t -> t.getState() == Thread.State.WAITING));

        held.complete(Map.of("n1/GPU-a", "NVIDIA L4"));
        for (Thread t : callers) {
            t.join(Duration.ofSeconds(30).toMillis());
        }
        assertThat(answers).hasSize(4).allSatisfy(m -> assertThat(m).containsEntry("n1/GPU-a", "NVIDIA L4"));
        assertThat(fetches).hasValue(1);
    }

    @Test
    void pastItsUsableLifeAMapIsRefreshedBeforeItIsAnswered() {
        answer(Map.of("n1/GPU-a", "NVIDIA A100"));
        cache.get();
        answer(Map.of("n1/GPU-a", "NVIDIA H100"));
        now.addAndGet(USABLE);

        assertThat(cache.get()).containsEntry("n1/GPU-a", "NVIDIA H100");
        assertThat(fetches).hasValue(2);
    }

    @Test
    void aFailedRefreshKeepsTheLastMapAndTheNextCallerTriesAgain() {
        answer(Map.of("n1/GPU-a", "NVIDIA A100"));
        cache.get();
        next.set(CompletableFuture.failedFuture(new IllegalStateException("Prometheus is down")));
        now.addAndGet(FRESH);

        assertThat(cache.get()).containsEntry("n1/GPU-a", "NVIDIA A100");
        assertThat(cache.get()).containsEntry("n1/GPU-a", "NVIDIA A100");
        assertThat(fetches).as("each caller past the fresh life retries, one at a time").hasValue(3);

        now.addAndGet(USABLE);
        assertThatThrownBy(cache::get).isInstanceOf(IllegalStateException.class).hasMessage("Prometheus is down");
        answer(Map.of("n1/GPU-a", "NVIDIA H100"));
        assertThat(cache.get()).containsEntry("n1/GPU-a", "NVIDIA H100");
    }
}
