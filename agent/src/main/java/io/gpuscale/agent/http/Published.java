package io.gpuscale.agent.http;

import io.gpuscale.agent.metrics.Exposition;
import io.gpuscale.agent.metrics.ExpositionFormat;
import io.gpuscale.agent.metrics.FamilyFilter;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What requests read: the latest snapshot and its scrape bodies, each rendered on its first
 * request and then written to every response as the same buffer until the next snapshot.
 */
public final class Published {
    /** Buffers kept per snapshot: every format and encoding of a few filters. */
    private static final int MAX_BUFFERS = 32;

    private record Variant(ExpositionFormat format, boolean gzip, FamilyFilter families) {
    }

    private final Exposition exposition;
    private final ConcurrentHashMap<Variant, Buffer> buffers = new ConcurrentHashMap<>(8);

    public Published(Exposition exposition) {
        this.exposition = exposition;
    }

    public NodeSnapshot snapshot() {
        return exposition.snapshot();
    }

    /** Epoch milliseconds of the sample the bodies hold; 0 before the first sample. */
    long sampleTimeMillis() {
        return exposition.snapshot().timestampMillis();
    }

    Buffer body(ExpositionFormat format, boolean gzip, FamilyFilter families) {
        Variant v = new Variant(format, gzip, families);
        Buffer b = buffers.get(v);
        if (b == null) {
            b = Buffer.buffer(exposition.body(format, gzip, families));
            if (buffers.size() < MAX_BUFFERS) {
                Buffer raced = buffers.putIfAbsent(v, b);
                b = raced == null ? b : raced;
            }
        }
        return b;
    }
}
