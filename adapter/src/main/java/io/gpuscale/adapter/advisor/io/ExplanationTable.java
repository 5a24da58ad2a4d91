package io.gpuscale.adapter.advisor.io;

import io.gpuscale.adapter.advisor.Explanation;
import io.gpuscale.adapter.advisor.NodeVerdict;
import io.gpuscale.adapter.advisor.Reason;
import java.util.List;

/**
 * An {@link Explanation} for people, laid out like {@code kubectl describe}: what admission
 * would say first (a pod over quota is never created), then the FailedScheduling text when no
 * node fits, then one row per node and, below, every failing check with its numbers.
 */
public final class ExplanationTable {
    private static final String INDENT = "             ";

    private ExplanationTable() {
    }

    /**
     * @param settings one line on how the answer was reached (wording, policy, whether GPU load
     *     was read), or null
     */
    public static String render(Explanation e, String settings) {
        StringBuilder out = new StringBuilder();
        field(out, "Pod:", e.namespace() + "/" + e.pod());
        if (e.quota().admitted()) {
            field(out, "Quota:", "admitted");
        } else {
            field(out, "Quota:", "would be refused at creation (403): " + e.quota().message());
            out.append(INDENT).append("its ReplicaSet would show FailedCreate; the verdicts below apply once quota allows it\n");
        }
        long feasible = e.nodes().stream().filter(NodeVerdict::feasible).count();
        if (e.fitError() != null) {
            field(out, "Scheduling:", e.fitError());
            out.append(INDENT).append("(kube-scheduler's FailedScheduling event; the pod would stay Pending)\n");
        } else if (feasible > 0) {
            NodeVerdict best = e.nodes().stream().filter(NodeVerdict::feasible).findFirst().orElseThrow();
            field(out, "Scheduling:", "fits " + feasible + " of " + e.nodes().size() + " node"
                    + (e.nodes().size() == 1 ? "" : "s") + "; best: " + best.name()
                    + (best.score() == null ? "" : " (score " + best.score() + ")"));
        } else {
            field(out, "Scheduling:", "no nodes");
        }
        if (settings != null) {
            field(out, "Advisor:", settings);
        }
        if (e.nodes().isEmpty()) {
            return out.toString();
        }
        out.append('\n');
        int nameWidth = Math.max("NODE".length(), e.nodes().stream().mapToInt(v -> v.name().length()).max().orElse(0));
        String row = "%-" + nameWidth + "s   %-8s   %-5s   %s\n";
        out.append(String.format(row, "NODE", "FEASIBLE", "SCORE", "FIRST FAILING PLUGIN"));
        for (NodeVerdict v : e.nodes()) {
            out.append(String.format(row, v.name(), v.feasible() ? "yes" : "no",
                    v.score() == null ? "-" : v.score().toString(), v.plugin() == null ? "-" : v.plugin()));
        }
        List<NodeVerdict> failing = e.nodes().stream().filter(v -> !v.reasons().isEmpty()).toList();
        if (!failing.isEmpty()) {
            out.append("\nWhy not:\n");
            for (NodeVerdict v : failing) {
                out.append("  ").append(v.name()).append('\n');
                int pluginWidth = v.reasons().stream().mapToInt(r -> r.plugin().length()).max().orElse(0);
                for (Reason r : v.reasons()) {
                    out.append(String.format("    %-" + pluginWidth + "s  %s%s\n", r.plugin(), r.message(),
                            r.plugin().equals(v.plugin()) ? "" : "  (not reported: kube-scheduler stops at "
                                    + v.plugin() + ")"));
                }
            }
        }
        return out.toString();
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append(String.format("%-13s", name)).append(value).append('\n');
    }
}
