package io.gpuscale.agent.http;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The latest {@link Published} bodies, swapped in once per sample by the sampler, with the
 * listeners (the HTTP server's held watch requests) told of each new one.
 */
public final class Publication {
    private final AtomicReference<Published> latest;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public Publication(Published initial) {
        this.latest = new AtomicReference<>(initial);
    }

    public Published get() {
        return latest.get();
    }

    /** Makes this the latest, then tells the listeners (on the caller's thread: they must be quick). */
    public void publish(Published next) {
        latest.set(next);
        for (Runnable l : listeners) {
            l.run();
        }
    }

    void onPublish(Runnable listener) {
        listeners.add(listener);
    }

    void removeListener(Runnable listener) {
        listeners.remove(listener);
    }
}
