package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.Taint;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's taints as TaintToleration reads them, with every string an explanation needs made once:
 * the NoSchedule and NoExecute taints that filter apart from the PreferNoSchedule ones that only
 * score. The index keeps one per distinct taint list ({@link TaintSets}), shared by the nodes that
 * carry it and numbered, so that a request works out its verdict once per distinct list, not once
 * per node.
 */
final class NodeTaints {
    /** The taints as the node lists them: what makes two lists the same. */
    final List<Taint> all;
    /** NoSchedule and NoExecute taints, in spec order: TaintToleration's filter walks these. */
    final Taint[] filter;
    /** PreferNoSchedule taints: only TaintToleration's score counts these. */
    final Taint[] prefer;
    /**
     * Per filter taint, the strings an explanation needs: {@code [0]} our detail ("untolerated
     * taint k=v:NoSchedule"), then kube-scheduler's reason as each wording era writes it
     * ({@link TaintToleration#WORDINGS}).
     */
    final String[][] texts;
    /** Per filter taint, our detail as a reason alone in its list: what a node failing on that taint only reports. */
    final List<Reason>[] reasons;
    /** Per filter taint and wording era, kube-scheduler's status reasons for it, as a shared list. */
    final List<String>[][] status;
    /** The number {@link TaintSets} gave this list, or -1 for one outside the index (a node an extender sent whole). */
    final int id;

    @SuppressWarnings("unchecked")
    NodeTaints(List<Taint> all, int id) {
        this.all = all;
        this.id = id;
        List<Taint> f = new ArrayList<>();
        List<Taint> p = new ArrayList<>();
        for (Taint t : all) {
            if ("NoSchedule".equals(t.effect()) || "NoExecute".equals(t.effect())) {
                f.add(t);
            } else if ("PreferNoSchedule".equals(t.effect())) {
                p.add(t);
            }
        }
        this.filter = f.toArray(Taint[]::new);
        this.prefer = p.toArray(Taint[]::new);
        this.texts = new String[filter.length][];
        this.reasons = new List[filter.length];
        this.status = new List[filter.length][TaintToleration.WORDINGS];
        for (int i = 0; i < filter.length; i++) {
            texts[i] = TaintToleration.texts(filter[i]);
            reasons[i] = List.of(new Reason(TaintToleration.NAME, texts[i][0]));
            for (int w = 0; w < TaintToleration.WORDINGS; w++) {
                status[i][w] = List.of(texts[i][1 + w]);
            }
        }
    }
}
