package io.gpuscale.adapter.advisor;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * An explanation's verdicts, as the advisor made them: one array, filled once per request and
 * never written again, handed out read-only. {@link Explanation} keeps it as it is instead of
 * copying 5,000 references twice (which {@code List.copyOf} of any other list does).
 */
final class VerdictList extends AbstractList<NodeVerdict> implements RandomAccess {
    private final NodeVerdict[] verdicts;

    /** Takes {@code verdicts} over: the caller must not write to it after this. No element may be null. */
    VerdictList(NodeVerdict[] verdicts) {
        this.verdicts = verdicts;
    }

    @Override
    public NodeVerdict get(int index) {
        return verdicts[index];
    }

    @Override
    public int size() {
        return verdicts.length;
    }
}
