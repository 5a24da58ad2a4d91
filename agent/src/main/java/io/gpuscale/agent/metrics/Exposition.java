package io.gpuscale.agent.metrics;

import io.gpuscale.agent.snapshot.NodeSnapshot;
import java.util.HashMap;
import java.util.Map;

/**
 * The scrape bodies of one snapshot, rendered on first request: per family filter, each format
 * plain and gzipped, with the agent's own meters read once per filter. Scrapes of the same snapshot
 * get the same bytes. At most {@value #MAX_FILTERS} filters are kept per snapshot; bodies for more
 * are rendered per request (a client cycling through name sets cannot grow memory).
 *
 * <p>Thread-safe.
 */
public final class Exposition {
    static final int MAX_FILTERS = 8;

    private final NodeSnapshot snapshot;
    private final ExpositionRenderer renderer;
    private final Map<FamilyFilter, Bodies> byFilter = new HashMap<>(4);

    /** One filter's bodies: [format][plain, gzip]. */
    private static final class Bodies {
        final ExpositionRenderer.SelfMetrics self;
        final byte[][][] bytes = new byte[ExpositionFormat.values().length][2][];

        Bodies(ExpositionRenderer.SelfMetrics self) {
            this.self = self;
        }
    }

    Exposition(NodeSnapshot snapshot, ExpositionRenderer renderer) {
        this.snapshot = snapshot;
        this.renderer = renderer;
    }

    public NodeSnapshot snapshot() {
        return snapshot;
    }

    public long generation() {
        return snapshot.generation();
    }

    /** The whole body. */
    public byte[] body(ExpositionFormat format, boolean gzip) {
        return body(format, gzip, FamilyFilter.ALL);
    }

    /** The body holding the families the filter asks for. */
    public synchronized byte[] body(ExpositionFormat format, boolean gzip, FamilyFilter families) {
        Bodies b = byFilter.get(families);
        if (b == null) {
            b = new Bodies(renderer.selfMetrics(families));
            if (byFilter.size() < MAX_FILTERS) {
                byFilter.put(families, b);
            }
        }
        byte[][] formatBodies = b.bytes[format.ordinal()];
        if (formatBodies[0] == null) {
            formatBodies[0] = renderer.render(snapshot, b.self, format, families);
        }
        if (gzip && formatBodies[1] == null) {
            formatBodies[1] = renderer.gzip(formatBodies[0]);
        }
        return formatBodies[gzip ? 1 : 0];
    }
}
