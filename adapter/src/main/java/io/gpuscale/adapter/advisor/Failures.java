package io.gpuscale.adapter.advisor;

import java.util.Arrays;
import java.util.List;

/**
 * One node's failing filters, as the filters report them in kube-scheduler's order: the first
 * plugin named is the one kube-scheduler reports, with its status reasons (kube-scheduler's own
 * wording, shared immutable lists) and whether its status is UnschedulableAndUnresolvable; the
 * detailed reasons of every failing plugin follow in order.
 *
 * <p>Mutable and reused: one per request, {@link #reset()} before each node. A node that fails
 * costs only its {@link NodeVerdict}, its reasons and, for more than one reason, their list; a
 * filter whose reasons are the same on every node it fails hands in one shared list, and two
 * shared reasons met together again share their list too.
 */
final class Failures {
    private String plugin;
    private List<String> statusReasons;
    private boolean unresolvable;
    /** The reasons while they are exactly one list handed in whole; else null and they are in {@link #buffer}. */
    private List<Reason> shared;
    private Reason[] buffer = new Reason[4];
    private int count;

    void reset() {
        plugin = null;
        statusReasons = null;
        unresolvable = false;
        shared = null;
        count = 0;
    }

    /** Whether some filter failed on this node. */
    boolean any() {
        return plugin != null;
    }

    /**
     * A filter failed; only the first call per node counts as kube-scheduler's verdict.
     *
     * @param statusReasons immutable
     */
    void failed(String pluginName, List<String> status, boolean unresolvableStatus) {
        if (plugin == null) {
            plugin = pluginName;
            statusReasons = status;
            unresolvable = unresolvableStatus;
        }
    }

    /** One detailed reason. */
    void reason(Reason r) {
        spill();
        if (count == buffer.length) {
            buffer = Arrays.copyOf(buffer, count * 2);
        }
        buffer[count++] = r;
    }

    /** Detailed reasons as one immutable list, kept as it is when it is the node's only one. */
    void reasons(List<Reason> rs) {
        if (shared == null && count == 0) {
            shared = rs;
            return;
        }
        for (Reason r : rs) {
            reason(r);
        }
    }

    private void spill() {
        if (shared != null) {
            List<Reason> rs = shared;
            shared = null;
            for (Reason r : rs) {
                reason(r);
            }
        }
    }

    private static final int PAIRS = 256;
    private final Reason[] firsts = new Reason[PAIRS];
    private final Reason[] seconds = new Reason[PAIRS];
    @SuppressWarnings("unchecked")
    private final List<Reason>[] pairs = new List[PAIRS];
    private int pairCount;

    /**
     * The list of two reasons, shared by the nodes of this request that fail with the very same
     * two reason objects (a shared NodeAffinity mismatch and a shared shortage, say). Open
     * addressing by identity over a fixed table; when it is full, the list is made anew.
     */
    private List<Reason> pair(Reason a, Reason b) {
        int h = System.identityHashCode(a) * 31 + System.identityHashCode(b);
        int at = (h ^ (h >>> 16)) & (PAIRS - 1);
        while (pairs[at] != null) {
            if (firsts[at] == a && seconds[at] == b) {
                return pairs[at];
            }
            at = (at + 1) & (PAIRS - 1);
        }
        List<Reason> made = List.of(a, b);
        if (pairCount < PAIRS / 2) {
            firsts[at] = a;
            seconds[at] = b;
            pairs[at] = made;
            pairCount++;
        }
        return made;
    }

    /** The failed node's verdict. */
    NodeVerdict verdict(String node) {
        List<Reason> reasons;
        if (shared != null) {
            reasons = shared;
        } else if (count == 0) {
            reasons = List.of();
        } else if (count == 1) {
            reasons = List.of(buffer[0]);
        } else if (count == 2) {
            reasons = pair(buffer[0], buffer[1]);
        } else {
            reasons = List.of(Arrays.copyOf(buffer, count));
        }
        return new NodeVerdict(node, false, plugin, reasons, statusReasons, unresolvable, null, null);
    }
}
