package io.gpuscale.adapter.prometheus;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The fleet's GPU models, {@code node/uuid} to NVML product name, kept between reads of every GPU.
 * A model changes only when hardware does, while the series it comes from ({@code nvidia_gpu_info})
 * is as many as the GPUs: reading it with every whole-fleet query would double that query's cost.
 *
 * <p>A map younger than {@code fresh} is answered as it is. An older one, up to {@code usable},
 * is still answered at once while one refresh runs in the background; older than that (an adapter
 * nobody asked for a while), or before the first map, the caller waits for the refresh. However
 * many callers find the map old, one fetch runs at a time; a failed fetch keeps the last map, and
 * the next caller past {@code fresh} tries again.
 */
final class GpuModelCache {
    private record Fetched(Map<String, String> models, long startedNanos) {
    }

    private final Supplier<CompletableFuture<Map<String, String>>> fetch;
    private final long freshNanos;
    private final long usableNanos;
    private final LongSupplier nanoClock;
    private volatile Fetched current;
    /** The fetch under way, or null; guarded by this. */
    private CompletableFuture<Fetched> refreshing;

    /**
     * @param fetch starts one read of the models; its future completes with them, or with the failure
     * @param freshNanos how long a map is answered without a refresh
     * @param usableNanos how long a map is answered at all, while it is refreshed
     * @param nanoClock {@link System#nanoTime} outside tests
     */
    GpuModelCache(Supplier<CompletableFuture<Map<String, String>>> fetch, long freshNanos, long usableNanos,
            LongSupplier nanoClock) {
        if (freshNanos <= 0 || usableNanos < freshNanos) {
            throw new IllegalArgumentException("need 0 < fresh <= usable");
        }
        this.fetch = fetch;
        this.freshNanos = freshNanos;
        this.usableNanos = usableNanos;
        this.nanoClock = nanoClock;
    }

    /** The models; blocks only when no usable map is held (then up to the fetch's own timeout). */
    Map<String, String> get() {
        long now = nanoClock.getAsLong();
        Fetched held = current;
        if (held != null && now - held.startedNanos < freshNanos) {
            return held.models;
        }
        CompletableFuture<Fetched> refresh = refresh(now);
        if (held != null && now - held.startedNanos < usableNanos) {
            return held.models;
        }
        try {
            return refresh.join().models;
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** The fetch under way, or a new one. */
    private synchronized CompletableFuture<Fetched> refresh(long now) {
        if (refreshing != null) {
            return refreshing;
        }
        CompletableFuture<Fetched> started;
        try {
            started = fetch.get().thenApply(models -> new Fetched(Map.copyOf(models), now));
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        refreshing = started;
        started.whenComplete(this::finished);
        return started;
    }

    private synchronized void finished(Fetched fetched, Throwable failure) {
        if (fetched != null) {
            current = fetched;
        }
        refreshing = null;
    }
}
