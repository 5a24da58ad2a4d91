package io.gpuscale.adapter.advisor;

import static io.gpuscale.adapter.advisor.Build.node;
import static io.gpuscale.adapter.advisor.Build.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.kubernetes.client.openapi.models.V1NodeAffinity;
import io.kubernetes.client.openapi.models.V1NodeSelector;
import io.kubernetes.client.openapi.models.V1NodeSelectorRequirement;
import io.kubernetes.client.openapi.models.V1NodeSelectorTerm;
import io.kubernetes.client.openapi.models.V1PreferredSchedulingTerm;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The index's numbered labels and taint lists ({@link LabelDictionary}, {@link TaintSets}) and the
 * per-request compiled NodeAffinity and taint verdicts give exactly what the plain path gives: the
 * label maps and taint lists read node by node, which {@link PlacementAdvisor#explainAgainst} still
 * takes for nodes sent whole. Random clusters and pods with a fixed seed, the index changed between
 * rounds so that numbers are freed and reused.
 */
class IndexedMatchingTest {
    private static final String[] NODES = new String[14];
    private static final String[][] LABELS = {
        {"topology.kubernetes.io/zone", "zone-a", "zone-b", "zone-c"},
        {"nvidia.com/gpu.product", "H100", "A100", "L40S"},
        {"tier", "gold", "silver", ""},
        {"gpu-count", "1", "4", "8", "x", "-2", "+3"},
    };
    private static final String[] TAINTS = {"dedicated=a:NoSchedule", "dedicated=b:NoSchedule", "gpu:NoExecute",
        "soft=x:PreferNoSchedule", "soft=y:PreferNoSchedule"};
    private static final String[] OPERATORS = {"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"};

    static {
        for (int i = 0; i < NODES.length; i++) {
            NODES[i] = "n" + i;
        }
    }

    @Test
    void compiledAffinityAndTaintVerdictsExplainExactlyAsThePlainPathOnRandomClustersAndPods() {
        Random random = new Random(20261203L);
        ClusterIndex index = new ClusterIndex();
        Map<String, NodeSchedulingRecord> nodes = new TreeMap<>();
        for (String name : NODES) {
            NodeSchedulingRecord n = randomNode(random, name);
            nodes.put(name, n);
            index.upsertNode(n);
        }
        PlacementAdvisor advisor = new PlacementAdvisor(index, null, AdvisorOptions.defaults(),
                Clock.fixed(Instant.parse("2026-12-03T00:00:00Z"), ZoneOffset.UTC));
        int affinityRejections = 0;
        int taintRejections = 0;
        int feasible = 0;
        int sharedMismatches = 0;
        for (int round = 0; round < 1_500; round++) {
            // relabel, retaint, add or drop a few nodes: label and taint numbers are freed and reused
            for (int change = random.nextInt(3); change > 0; change--) {
                String name = NODES[random.nextInt(NODES.length)];
                if (random.nextInt(6) == 0) {
                    nodes.remove(name);
                    index.removeNode(name);
                } else {
                    NodeSchedulingRecord n = randomNode(random, name);
                    nodes.put(name, n);
                    index.upsertNode(n);
                }
            }
            PodSchedulingRecord p = randomPod(random, round);

            Explanation indexed = advisor.explain(p);
            Explanation plain = advisor.explainAgainst(p, List.copyOf(nodes.values()));

            assertThat(indexed).as("round %d, pod %s", round, p).isEqualTo(plain);
            assertThat(messages(indexed)).as("round %d: reason texts", round).isEqualTo(messages(plain));
            for (NodeVerdict v : indexed.nodes()) {
                feasible += v.feasible() ? 1 : 0;
                affinityRejections += NodeAffinity.NAME.equals(v.plugin()) ? 1 : 0;
                taintRejections += TaintToleration.NAME.equals(v.plugin()) ? 1 : 0;
            }
            sharedMismatches += sharedMismatches(indexed);
        }
        // the random cases reach every path the comparison is about
        assertThat(feasible).isGreaterThan(1_000);
        assertThat(affinityRejections).isGreaterThan(1_000);
        assertThat(taintRejections).isGreaterThan(1_000);
        assertThat(sharedMismatches).as("nodes sharing one NodeAffinity reason object").isGreaterThan(100);
    }

    @Test
    void aCompiledTermMatchesAndFailsOnTheSameRequirementAsThePlainTerm() {
        Random random = new Random(7L);
        int matched = 0;
        int failed = 0;
        for (int round = 0; round < 300; round++) {
            ClusterIndex index = new ClusterIndex();
            for (String name : NODES) {
                index.upsertNode(randomNode(random, name));
            }
            V1NodeSelectorTerm spec = randomTerm(random, false);
            if (NodeSelectorTerm.isEmpty(spec)) {
                continue;
            }
            NodeSelectorTerm term = NodeSelectorTerm.parse(spec);
            int[] counts = index.read(() -> {
                NodeSelectorTerm.Compiled compiled = term.compile(index.labels);
                int yes = 0;
                int no = 0;
                for (IndexedNode n : index.nodes()) {
                    boolean plain = term.matches(n.labels, n.name);
                    assertThat(compiled.matches(n.labelIds, n.name)).as("%s on %s", spec, n.labels).isEqualTo(plain);
                    int failing = compiled.firstFailingLabel(n.labelIds);
                    if (term.parseError == null && failing >= 0) {
                        // the plain path names the same requirement first
                        assertThat(term.whyNot(n.labels, n.name)).startsWith(term.labels.get(failing).text() + " (");
                    }
                    if (plain) {
                        yes++;
                    } else {
                        no++;
                    }
                }
                return new int[] {yes, no};
            });
            matched += counts[0];
            failed += counts[1];
        }
        assertThat(matched).isGreaterThan(200);
        assertThat(failed).isGreaterThan(200);
    }

    @Test
    void labelAndTaintNumbersAreFreedWhenNoNodeHoldsThemAndReused() {
        ClusterIndex index = new ClusterIndex();
        index.upsertNode(node("stays").labels("kubernetes.io/hostname=stays").build());
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 100; i++) {
                // a fresh hostname every round, as an autoscaled pool brings
                index.upsertNode(node("r" + round + "-" + i).labels("kubernetes.io/hostname=r" + round + "-" + i
                        + ",pool=p" + (i % 3)).taint("pool=p" + (i % 3) + ":NoSchedule").build());
            }
            assertThat(index.read(() -> index.labels.valuesInUse("kubernetes.io/hostname"))).isEqualTo(101);
            assertThat(index.read(() -> index.taintSets.inUse())).isEqualTo(4); // the three pools' and none
            for (int i = 0; i < 100; i++) {
                index.removeNode("r" + round + "-" + i);
            }
        }
        int hostKey = index.read(() -> index.labels.keyId("kubernetes.io/hostname"));
        assertThat(index.read(() -> index.labels.valueBound(hostKey))).as("value numbers reused, not grown")
                .isEqualTo(101);
        assertThat(index.read(() -> index.labels.keysInUse())).as("pool freed, hostname kept").isEqualTo(1);
        assertThat(index.read(() -> index.labels.valuesInUse("kubernetes.io/hostname"))).isEqualTo(1);
        assertThat(index.read(() -> index.taintSets.inUse())).isEqualTo(1);
        assertThat(index.read(() -> index.taintSets.bound())).isEqualTo(4);

        // a relabelled node gives its old value back and keeps the ones it still has
        index.upsertNode(node("stays").labels("kubernetes.io/hostname=stays,zone=z1").build());
        index.upsertNode(node("stays").labels("kubernetes.io/hostname=stays,zone=z2").build());
        assertThat(index.read(() -> index.labels.valuesInUse("zone"))).isEqualTo(1);
        assertThat(index.read(() -> index.labels.valuesInUse("kubernetes.io/hostname"))).isEqualTo(1);
        index.removeNode("stays");
        assertThat(index.read(() -> index.labels.keysInUse())).isZero();
        assertThat(index.read(() -> index.taintSets.inUse())).isZero();
    }

    private static List<List<String>> messages(Explanation e) {
        List<List<String>> out = new ArrayList<>();
        for (NodeVerdict v : e.nodes()) {
            out.add(v.reasons().stream().map(r -> v.name() + " " + r.plugin() + ": " + r.message()).toList());
        }
        return out;
    }

    /** How many NodeAffinity reasons of this explanation are the very object another node holds. */
    private static int sharedMismatches(Explanation e) {
        java.util.Set<Reason> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        int shared = 0;
        for (NodeVerdict v : e.nodes()) {
            for (Reason r : v.reasons()) {
                if (r instanceof NodeAffinity.Mismatch && !seen.add(r)) {
                    shared++;
                }
            }
        }
        return shared;
    }

    private static NodeSchedulingRecord randomNode(Random random, String name) {
        List<String> labels = new ArrayList<>();
        labels.add("kubernetes.io/hostname=" + name);
        for (String[] key : LABELS) {
            if (random.nextInt(5) != 0) {
                labels.add(key[0] + "=" + key[1 + random.nextInt(key.length - 1)]);
            }
        }
        Build.NodeBuilder b = node(name).labels(String.join(",", labels))
                .alloc("cpu=" + (1 + random.nextInt(8)) + ",memory=16Gi,pods=20,nvidia.com/gpu=" + random.nextInt(3));
        for (String t : TAINTS) {
            if (random.nextInt(4) == 0) {
                b.taint(t);
            }
        }
        if (random.nextInt(12) == 0) {
            b.cordoned();
        }
        return b.build();
    }

    private static PodSchedulingRecord randomPod(Random random, int round) {
        Build.PodBuilder b = pod("p" + round).req("cpu=" + (1 + random.nextInt(3)) + ",nvidia.com/gpu="
                + random.nextInt(2));
        if (random.nextInt(4) == 0) {
            String[] key = LABELS[random.nextInt(LABELS.length)];
            String value = random.nextInt(6) == 0 ? "none" : key[1 + random.nextInt(key.length - 1)];
            b.selector((random.nextInt(8) == 0 ? "missing" : key[0]) + "=" + value);
        }
        for (String t : TAINTS) {
            if (random.nextInt(3) == 0) {
                String[] kv = t.split("[=:]");
                if (random.nextBoolean()) {
                    b.tolerate(kv[0], "Exists", "", random.nextBoolean() ? "" : t.substring(t.indexOf(':') + 1));
                } else {
                    b.tolerate(kv[0], "Equal", kv.length == 3 ? kv[1] : "", t.substring(t.indexOf(':') + 1));
                }
            }
        }
        V1NodeAffinity affinity = new V1NodeAffinity();
        boolean any = false;
        if (random.nextInt(4) != 0) {
            List<V1NodeSelectorTerm> terms = new ArrayList<>();
            for (int t = random.nextInt(3); t >= 0; t--) {
                terms.add(randomTerm(random, true));
            }
            affinity.requiredDuringSchedulingIgnoredDuringExecution(new V1NodeSelector().nodeSelectorTerms(terms));
            any = true;
        }
        if (random.nextBoolean()) {
            for (int t = random.nextInt(3); t >= 0; t--) {
                affinity.addPreferredDuringSchedulingIgnoredDuringExecutionItem(new V1PreferredSchedulingTerm()
                        .weight(random.nextInt(5) * 10).preference(randomTerm(random, true)));
            }
            any = true;
        }
        if (any) {
            b.affinity(affinity);
        }
        return b.build();
    }

    private static V1NodeSelectorTerm randomTerm(Random random, boolean fields) {
        V1NodeSelectorTerm term = new V1NodeSelectorTerm();
        for (int e = random.nextInt(4); e > 0; e--) {
            term.addMatchExpressionsItem(randomRequirement(random));
        }
        if (fields && random.nextInt(6) == 0) {
            String op = random.nextInt(10) == 0 ? "Exists" : random.nextBoolean() ? "In" : "NotIn";
            String key = random.nextInt(10) == 0 ? "metadata.uid" : "metadata.name";
            List<String> values = new ArrayList<>(List.of(NODES[random.nextInt(NODES.length)]));
            if (random.nextInt(10) == 0) {
                values.add(NODES[random.nextInt(NODES.length)]);
            }
            term.addMatchFieldsItem(new V1NodeSelectorRequirement().key(key).operator(op).values(values));
        }
        return term;
    }

    private static V1NodeSelectorRequirement randomRequirement(Random random) {
        String[] key = random.nextInt(10) == 0 ? new String[] {"missing", "a"}
                : random.nextInt(8) == 0 ? new String[] {"kubernetes.io/hostname", NODES[random.nextInt(NODES.length)]}
                : LABELS[random.nextInt(LABELS.length)];
        String op = random.nextInt(25) == 0 ? "Bogus" : OPERATORS[random.nextInt(OPERATORS.length)];
        List<String> values = new ArrayList<>();
        switch (op) {
            case "Exists", "DoesNotExist" -> {
                if (random.nextInt(15) == 0) {
                    values.add("stray");
                }
            }
            case "Gt", "Lt" -> {
                values.add(new String[] {"0", "3", "5", "x", "-1"}[random.nextInt(5)]);
                if (random.nextInt(15) == 0) {
                    values.add("9");
                }
            }
            default -> {
                for (int v = random.nextInt(15) == 0 ? 0 : 1 + random.nextInt(2); v > 0; v--) {
                    values.add(random.nextInt(6) == 0 ? "nowhere" : key[1 + random.nextInt(key.length - 1)]);
                }
            }
        }
        return new V1NodeSelectorRequirement().key(key[0]).operator(op).values(values.isEmpty() ? null : values);
    }
}
