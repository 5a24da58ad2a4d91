package io.gpuscale.adapter.advisor;

import static io.gpuscale.adapter.advisor.Build.expr;
import static io.gpuscale.adapter.advisor.Build.fields;
import static io.gpuscale.adapter.advisor.Build.node;
import static io.gpuscale.adapter.advisor.Build.pod;
import static io.gpuscale.adapter.advisor.Build.preferred;
import static io.gpuscale.adapter.advisor.Build.preferring;
import static io.gpuscale.adapter.advisor.Build.quota;
import static io.gpuscale.adapter.advisor.Build.required;
import static io.gpuscale.adapter.advisor.Build.term;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.cluster.QuotaRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kube-scheduler's and the quota evaluator's own test tables, transcribed row by row (each row
 * names the upstream test and case), plus the GPU cases of reference/scheduler.md. Every row runs
 * the whole advisor: index, PreFilter, filters in order, scores, FitError, quota admission.
 *
 * <p>Expectations, by key: a node name → {@code fits} or {@code Plugin: status reason | ...};
 * {@code fitError}; {@code quota} → {@code admitted} or the API server's message; {@code usage} →
 * the pod's quota usage; {@code taint:NODE} / {@code affinity:NODE} → that plugin's normalized score.
 */
class KubeSchedulerTableTest {
    private static final String TT = "TaintToleration: ";
    private static final String UNTOLERATED = TT + "node(s) had untolerated taint(s)";
    private static final String NA = "NodeAffinity: node(s) didn't match Pod's node affinity/selector";
    private static final String FIT = "NodeResourcesFit: ";
    /** The node of TestEnoughRequests: 10m cpu, 20 bytes memory, 32 pods, 5 example.com/aaa, 20 ephemeral-storage, 5 hugepages-2Mi. */
    private static final String FIT_NODE = "cpu=10m,memory=20,pods=32,example.com/aaa=5,ephemeral-storage=20,hugepages-2Mi=5";

    static final class Case {
        final String upstream;
        final PodSchedulingRecord pod;
        final List<NodeSchedulingRecord> nodes = new ArrayList<>();
        final List<PodSchedulingRecord> running = new ArrayList<>();
        final List<QuotaRecord> quotas = new ArrayList<>();
        final Map<String, String> expect = new LinkedHashMap<>();
        KubeVersion version = KubeVersion.NEWEST;

        Case(String upstream, Build.PodBuilder pod) {
            this.upstream = upstream;
            this.pod = pod.build();
        }

        Case nodes(Build.NodeBuilder... ns) {
            for (Build.NodeBuilder n : ns) {
                nodes.add(n.build());
            }
            return this;
        }

        /** Pods already bound: "node:cpu=1m,memory=1", one per argument. */
        Case running(String... specs) {
            for (String s : specs) {
                int colon = s.indexOf(':');
                running.add(pod("running-" + running.size()).on(s.substring(0, colon)).req(s.substring(colon + 1)).build());
            }
            return this;
        }

        Case runningPod(Build.PodBuilder p) {
            running.add(p.build());
            return this;
        }

        Case quota(QuotaRecord q) {
            quotas.add(q);
            return this;
        }

        Case version(String v) {
            this.version = KubeVersion.parse(v);
            return this;
        }

        Case expect(String key, String value) {
            expect.put(key, value);
            return this;
        }

        @Override
        public String toString() {
            return upstream;
        }
    }

    static Case c(String upstream, Build.PodBuilder pod) {
        return new Case(upstream, pod);
    }

    /** One node "nodeA" with default room. */
    static Case onA(String upstream, Build.PodBuilder pod, Build.NodeBuilder nodeA, String expectation) {
        return c(upstream, pod).nodes(nodeA).expect("nodeA", expectation);
    }

    static Stream<Arguments> cases() {
        List<Case> all = new ArrayList<>();
        all.addAll(nodeNameAndUnschedulable());
        all.addAll(taintToleration());
        all.addAll(nodeAffinity());
        all.addAll(nodeSelectorMatching());
        all.addAll(nodeResourcesFit());
        all.addAll(quotaEvaluator());
        all.addAll(gpuCluster());
        return all.stream().map(c -> Arguments.of(c.upstream, c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void behavesAsKubeSchedulerDoes(String upstream, Case c) {
        ClusterIndex index = new ClusterIndex();
        c.nodes.forEach(index::upsertNode);
        c.running.forEach(index::upsertPod);
        c.quotas.forEach(index::upsertQuota);
        PlacementAdvisor advisor = new PlacementAdvisor(index, null,
                new AdvisorOptions(GpuPolicy.BINPACK, c.version, Duration.ofSeconds(30)),
                Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));

        Explanation e = advisor.explain(c.pod);
        Map<String, PlacementAdvisor.Scored> scores = advisor.scores(c.pod);

        Map<String, String> actual = new LinkedHashMap<>();
        for (String key : c.expect.keySet()) {
            actual.put(key, actual(key, c, e, scores));
        }
        assertThat(actual).as(upstream).isEqualTo(c.expect);
    }

    private static String actual(String key, Case c, Explanation e, Map<String, PlacementAdvisor.Scored> scores) {
        if (key.equals("fitError")) {
            return e.fitError();
        }
        if (key.equals("quota")) {
            return e.quota().admitted() ? "admitted" : e.quota().message();
        }
        if (key.equals("usage")) {
            return ResourceQuotaAdmission.usage(c.pod).entrySet().stream()
                    .map(en -> en.getKey() + "=" + en.getValue().toSuffixedString()).collect(Collectors.joining(","));
        }
        if (key.startsWith("taint:")) {
            PlacementAdvisor.Scored s = scores.get(key.substring(6));
            return s == null ? "infeasible" : Long.toString(s.taint());
        }
        if (key.startsWith("affinity:")) {
            PlacementAdvisor.Scored s = scores.get(key.substring(9));
            return s == null ? "infeasible" : Long.toString(s.affinity());
        }
        NodeVerdict v = e.nodes().stream().filter(n -> n.name().equals(key)).findFirst().orElseThrow();
        return v.feasible() ? "fits" : v.plugin() + ": " + String.join(" | ", v.statusReasons());
    }

    // ---------------------------------------------------------------- NodeName, NodeUnschedulable

    static List<Case> nodeNameAndUnschedulable() {
        String nn = "NodeName: node(s) didn't match the requested node name";
        String nu = "NodeUnschedulable: node(s) were unschedulable";
        return List.of(
                onA("node_name_test.go TestNodeName/no host specified", pod("p"), node("nodeA"), "fits"),
                onA("node_name_test.go TestNodeName/host matches", pod("p").on("nodeA"), node("nodeA"), "fits"),
                onA("node_name_test.go TestNodeName/host doesn't match", pod("p").on("host1"), node("nodeA"), nn),
                onA("node_unschedulable_test.go TestNodeUnschedulable/Does not schedule pod to unschedulable node",
                        pod("p"), node("nodeA").cordoned(), nu),
                onA("node_unschedulable_test.go TestNodeUnschedulable/Schedule pod to normal node", pod("p"),
                        node("nodeA"), "fits"),
                onA("node_unschedulable_test.go TestNodeUnschedulable/Schedule pod with toleration to unschedulable node",
                        pod("p").tolerate("node.kubernetes.io/unschedulable", "", "", "NoSchedule"),
                        node("nodeA").cordoned(), "fits"),
                onA("reference 1.1: toleration with operator Exists for the unschedulable key passes",
                        pod("p").tolerate("node.kubernetes.io/unschedulable", "Exists", "", "NoSchedule"),
                        node("nodeA").cordoned(), "fits"),
                onA("reference 1.1: empty-effect toleration for the unschedulable key passes",
                        pod("p").tolerate("node.kubernetes.io/unschedulable", "Exists", "", ""),
                        node("nodeA").cordoned(), "fits"),
                onA("reference 1.1: wildcard {operator: Exists} passes a cordoned node",
                        pod("p").tolerate("", "Exists", "", ""), node("nodeA").cordoned(), "fits"),
                onA("reference 1.1: a NoExecute toleration for the unschedulable key does not pass",
                        pod("p").tolerate("node.kubernetes.io/unschedulable", "Exists", "", "NoExecute"),
                        node("nodeA").cordoned(), nu),
                onA("reference 1.1: a cordoned node that is also tainted is reported as unschedulable (first plugin)",
                        pod("p"), node("nodeA").cordoned().taint("gpu=rtx3060:NoSchedule"), nu));
    }

    // ---------------------------------------------------------------- TaintToleration

    static List<Case> taintToleration() {
        String t = "taint_toleration_test.go TestTaintTolerationFilter/";
        String s = "taint_toleration_test.go TestTaintTolerationScore/";
        return List.of(
                onA(t + "A pod having no tolerations can't be scheduled onto a node with nonempty taints", pod("p"),
                        node("nodeA").taint("dedicated=user1:NoSchedule"), UNTOLERATED),
                onA(t + "A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
                        pod("p").tolerate("dedicated", "", "user1", "NoSchedule"),
                        node("nodeA").taint("dedicated=user1:NoSchedule"), "fits"),
                onA(t + "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
                        pod("p").tolerate("dedicated", "Equal", "user2", "NoSchedule"),
                        node("nodeA").taint("dedicated=user1:NoSchedule"), UNTOLERATED),
                onA(t + "A pod can be scheduled onto the node, with a toleration uses operator Exists",
                        pod("p").tolerate("foo", "Exists", "", "NoSchedule"),
                        node("nodeA").taint("foo=bar:NoSchedule"), "fits"),
                onA(t + "A pod has multiple tolerations, node has multiple taints, all the taints are tolerated",
                        pod("p").tolerate("dedicated", "Equal", "user2", "NoSchedule")
                                .tolerate("foo", "Exists", "", "NoSchedule"),
                        node("nodeA").taint("dedicated=user2:NoSchedule").taint("foo=bar:NoSchedule"), "fits"),
                onA(t + "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match",
                        pod("p").tolerate("foo", "Equal", "bar", "PreferNoSchedule"),
                        node("nodeA").taint("foo=bar:NoSchedule"), UNTOLERATED),
                onA(t + "The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty",
                        pod("p").tolerate("foo", "Equal", "bar", ""), node("nodeA").taint("foo=bar:NoSchedule"), "fits"),
                onA(t + "The pod has a toleration that key and value don't match the taint on the node, but the effect of taint on node is PreferNoSchedule",
                        pod("p").tolerate("dedicated", "Equal", "user2", "NoSchedule"),
                        node("nodeA").taint("dedicated=user1:PreferNoSchedule"), "fits"),
                onA(t + "The pod has no toleration, but the effect of taint on node is PreferNoSchedule", pod("p"),
                        node("nodeA").taint("dedicated=user1:PreferNoSchedule"), "fits"),
                onA("reference 1.3 rule 2: an empty key with Exists tolerates every taint",
                        pod("p").tolerate("", "Exists", "", ""),
                        node("nodeA").taint("a=b:NoSchedule").taint("c:NoExecute"), "fits"),
                onA("reference 1.3: NoExecute taints filter too", pod("p"), node("nodeA").taint("evict=yes:NoExecute"),
                        UNTOLERATED),
                onA("reference 1.3 rule 3: Exists ignores the value",
                        pod("p").tolerate("foo", "Exists", "", "NoExecute"), node("nodeA").taint("foo=anything:NoExecute"),
                        "fits"),
                onA("reference 1.3 rule 3: Equal with an absent value matches a taint without value",
                        pod("p").tolerate("foo", "Equal", "", "NoSchedule"), node("nodeA").taint("foo:NoSchedule"), "fits"),
                onA("reference 1.3 rule 3: an unknown operator (Gt, gate off) tolerates nothing",
                        pod("p").tolerate("node.kubernetes.io/sla", "Gt", "750", "NoSchedule"),
                        node("nodeA").taint("node.kubernetes.io/sla=950:NoSchedule"), UNTOLERATED),
                c("reference 1.3 messages: 1.33 names the first untolerated taint",
                        pod("p").tolerate("a", "Exists", "", ""))
                        .nodes(node("nodeA").taint("a=1:NoSchedule").taint("gpu=rtx3060:NoSchedule").taint("z:NoExecute"))
                        .version("1.33").expect("nodeA", TT + "node(s) had untolerated taint {gpu: rtx3060}"),
                c("reference 1.3 messages: 1.33 prints an empty value as {key: }", pod("p"))
                        .nodes(node("nodeA").taint("dedicated:NoSchedule")).version("v1.33.2")
                        .expect("nodeA", TT + "node(s) had untolerated taint {dedicated: }"),
                c("reference 1.3 messages: 1.18-1.24 wording", pod("p"))
                        .nodes(node("nodeA").taint("gpu=rtx3060:NoSchedule")).version("1.20")
                        .expect("nodeA", TT + "node(s) had taint {gpu: rtx3060}, that the pod didn't tolerate"),
                c("reference 1.3 messages: up to 1.17 wording", pod("p"))
                        .nodes(node("nodeA").taint("gpu=rtx3060:NoSchedule")).version("1.17")
                        .expect("nodeA", TT + "node(s) had taints that the pod didn't tolerate"),
                c(s + "node with taints tolerated by the pod, gets a higher score than those node with intolerable taints",
                        pod("p").tolerate("foo", "Equal", "bar", "PreferNoSchedule"))
                        .nodes(node("nodeA").taint("foo=bar:PreferNoSchedule"), node("nodeB").taint("foo=blah:PreferNoSchedule"))
                        .expect("taint:nodeA", "100").expect("taint:nodeB", "0"),
                c(s + "the nodes that all of their taints are tolerated by the pod, get the same score",
                        pod("p").tolerate("cpu-type", "Equal", "arm64", "PreferNoSchedule")
                                .tolerate("disk-type", "Equal", "ssd", "PreferNoSchedule"))
                        .nodes(node("nodeA"), node("nodeB").taint("cpu-type=arm64:PreferNoSchedule"),
                                node("nodeC").taint("cpu-type=arm64:PreferNoSchedule").taint("disk-type=ssd:PreferNoSchedule"))
                        .expect("taint:nodeA", "100").expect("taint:nodeB", "100").expect("taint:nodeC", "100"),
                c(s + "the more intolerable taints a node has, the lower score it gets",
                        pod("p").tolerate("foo", "Equal", "bar", "PreferNoSchedule"))
                        .nodes(node("nodeA"), node("nodeB").taint("cpu-type=arm64:PreferNoSchedule"),
                                node("nodeC").taint("cpu-type=arm64:PreferNoSchedule").taint("disk-type=ssd:PreferNoSchedule"))
                        .expect("taint:nodeA", "100").expect("taint:nodeB", "50").expect("taint:nodeC", "0"),
                c(s + "only taints and tolerations that have effect PreferNoSchedule are checked",
                        pod("p").tolerate("cpu-type", "Equal", "arm64", "NoSchedule")
                                .tolerate("disk-type", "Equal", "ssd", "NoSchedule"))
                        .nodes(node("nodeA"), node("nodeB").taint("cpu-type=arm64:NoSchedule"),
                                node("nodeC").taint("cpu-type=arm64:PreferNoSchedule").taint("disk-type=ssd:PreferNoSchedule"))
                        .expect("taint:nodeA", "100").expect("taint:nodeB", "100").expect("taint:nodeC", "0"),
                c(s + "Default behaviour No taints and tolerations, lands on node with no taints", pod("p"))
                        .nodes(node("nodeA"), node("nodeB").taint("cpu-type=arm64:PreferNoSchedule"))
                        .expect("taint:nodeA", "100").expect("taint:nodeB", "0"));
    }

    // ---------------------------------------------------------------- NodeAffinity plugin

    static List<Case> nodeAffinity() {
        String t = "node_affinity_test.go TestNodeAffinity/";
        String p = "node_affinity_test.go TestNodeAffinityPriority/";
        String prefilterCut = "NodeAffinity: node(s) didn't satisfy plugin(s) [NodeAffinity]";
        var affinity1 = preferring(preferred(2, term(expr("foo", "In", "bar"))));
        var affinity2 = preferring(preferred(2, term(expr("foo", "In", "bar"))),
                preferred(4, term(expr("key", "In", "value"))),
                preferred(5, term(expr("foo", "In", "bar"), expr("key", "In", "value"), expr("az", "In", "az1"))));
        return List.of(
                onA(t + "missing labels", pod("p").selector("foo=bar"), node("nodeA"), NA),
                onA(t + "same labels", pod("p").selector("foo=bar"), node("nodeA").labels("foo=bar"), "fits"),
                onA(t + "node labels are superset", pod("p").selector("foo=bar"), node("nodeA").labels("foo=bar,baz=blah"),
                        "fits"),
                onA(t + "node labels are subset", pod("p").selector("foo=bar,baz=blah"), node("nodeA").labels("foo=bar"),
                        NA),
                onA(t + "Pod with matchExpressions using In operator that matches the existing node",
                        pod("p").affinity(required(term(expr("foo", "In", "bar", "value2")))),
                        node("nodeA").labels("foo=bar"), "fits"),
                onA(t + "Pod with matchExpressions using Gt operator that matches the existing node",
                        pod("p").affinity(required(term(expr("kernel-version", "Gt", "0204")))),
                        node("nodeA").labels("kernel-version=0206"), "fits"),
                onA(t + "Pod with matchExpressions using NotIn operator that matches the existing node",
                        pod("p").affinity(required(term(expr("mem-type", "NotIn", "DDR", "DDR2")))),
                        node("nodeA").labels("mem-type=DDR3"), "fits"),
                onA(t + "Pod with matchExpressions using Exists operator that matches the existing node",
                        pod("p").affinity(required(term(expr("GPU", "Exists")))),
                        node("nodeA").labels("GPU=NVIDIA-GRID-K1"), "fits"),
                onA(t + "Pod with affinity that don't match node's labels won't schedule onto the node",
                        pod("p").affinity(required(term(expr("foo", "In", "value1", "value2")))),
                        node("nodeA").labels("foo=bar"), NA),
                onA(t + "Pod with empty MatchExpressions is not a valid value will match no objects",
                        pod("p").affinity(required(term())), node("nodeA").labels("foo=bar"), NA),
                onA(t + "Pod with no Affinity will schedule onto a node", pod("p"), node("nodeA").labels("foo=bar"), "fits"),
                onA(t + "Pod with Affinity but nil NodeSelector will schedule onto a node",
                        pod("p").affinity(new io.kubernetes.client.openapi.models.V1NodeAffinity()),
                        node("nodeA").labels("foo=bar"), "fits"),
                onA(t + "Pod with multiple matchExpressions ANDed that matches the existing node",
                        pod("p").affinity(required(term(expr("GPU", "Exists"), expr("GPU", "NotIn", "AMD", "INTER")))),
                        node("nodeA").labels("GPU=NVIDIA-GRID-K1"), "fits"),
                onA(t + "Pod with multiple matchExpressions ANDed that doesn't match the existing node",
                        pod("p").affinity(required(term(expr("GPU", "Exists"), expr("GPU", "In", "AMD", "INTER")))),
                        node("nodeA").labels("GPU=NVIDIA-GRID-K1"), NA),
                onA(t + "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels",
                        pod("p").affinity(required(term(expr("foo", "In", "bar", "value2")),
                                term(expr("diffkey", "In", "wrong", "value2")))),
                        node("nodeA").labels("foo=bar"), "fits"),
                onA(t + "Pod with an Affinity and a PodSpec.NodeSelector both are satisfied",
                        pod("p").selector("foo=bar").affinity(required(term(expr("foo", "Exists")))),
                        node("nodeA").labels("foo=bar"), "fits"),
                onA(t + "Pod with an Affinity matches node's labels but the PodSpec.NodeSelector is not satisfied",
                        pod("p").selector("foo=bar").affinity(required(term(expr("foo", "Exists")))),
                        node("nodeA").labels("foo=barrrrrr"), NA),
                onA(t + "Pod with an invalid value in Affinity term won't be scheduled onto the node",
                        pod("p").affinity(required(term(expr("foo", "NotIn", "invalid value: ___@#$%^")))),
                        node("nodeA").labels("foo=bar"), NA),
                c(t + "Pod with matchFields using In operator that matches the existing node",
                        pod("p").affinity(required(fields(expr("metadata.name", "In", "node1")))))
                        .nodes(node("node1")).expect("node1", "fits"),
                c(t + "Pod with matchFields using In operator that does not match the existing node (PreFilter cuts node2)",
                        pod("p").affinity(required(fields(expr("metadata.name", "In", "node1")))))
                        .nodes(node("node1"), node("node2")).expect("node1", "fits").expect("node2", prefilterCut),
                c(t + "Pod with two terms: matchFields does not match, but matchExpressions matches",
                        pod("p").affinity(required(
                                fields(expr("metadata.name", "In", "node1"), expr("metadata.name", "In", "node2")),
                                term(expr("foo", "In", "bar")))))
                        .nodes(node("node2").labels("foo=bar")).expect("node2", "fits"),
                c(t + "Pod with one term: matchFields does not match, but matchExpressions matches",
                        pod("p").affinity(required(new io.kubernetes.client.openapi.models.V1NodeSelectorTerm()
                                .addMatchFieldsItem(expr("metadata.name", "In", "node1"))
                                .addMatchExpressionsItem(expr("foo", "In", "bar")))))
                        .nodes(node("node1").labels("foo=baz"), node("node2").labels("foo=bar"))
                        .expect("node2", prefilterCut).expect("node1", NA),
                c(t + "Pod with one term: both matchFields and matchExpressions match",
                        pod("p").affinity(required(new io.kubernetes.client.openapi.models.V1NodeSelectorTerm()
                                .addMatchFieldsItem(expr("metadata.name", "In", "node1"))
                                .addMatchExpressionsItem(expr("foo", "In", "bar")))))
                        .nodes(node("node1").labels("foo=bar")).expect("node1", "fits"),
                c(t + "Pod with two terms: both matchFields and matchExpressions do not match",
                        pod("p").affinity(required(fields(expr("metadata.name", "In", "node1")),
                                term(expr("foo", "In", "not-match-to-bar")))))
                        .nodes(node("node2").labels("foo=bar")).expect("node2", NA),
                c(t + "Pod with two terms of node.Name affinity",
                        pod("p").affinity(required(fields(expr("metadata.name", "In", "node1")),
                                fields(expr("metadata.name", "In", "node2")))))
                        .nodes(node("node1"), node("node2"), node("node3"))
                        .expect("node1", "fits").expect("node2", "fits").expect("node3", prefilterCut),
                c(t + "Pod with two conflicting mach field requirements",
                        pod("p").affinity(required(fields(expr("metadata.name", "In", "node1"),
                                expr("metadata.name", "In", "node2")))))
                        .nodes(node("node1"), node("node2").labels("foo=bar"))
                        .expect("node2", "NodeAffinity: pod affinity terms conflict")
                        .expect("fitError", "0/2 nodes are available: pod affinity terms conflict."),
                c(p + "all nodes are same priority as NodeAffinity is nil", pod("p"))
                        .nodes(node("node1").labels("foo=bar"), node("node2").labels("key=value"), node("node3").labels("az=az1"))
                        .expect("affinity:node1", "0").expect("affinity:node2", "0").expect("affinity:node3", "0"),
                c(p + "no node matches preferred scheduling requirements in NodeAffinity of pod", pod("p").affinity(affinity1))
                        .nodes(node("node1").labels("abc=az11,def=az22"), node("node2").labels("key=value"),
                                node("node3").labels("az=az1"))
                        .expect("affinity:node1", "0").expect("affinity:node2", "0").expect("affinity:node3", "0"),
                c(p + "only node1 matches the preferred scheduling requirements of pod", pod("p").affinity(affinity1))
                        .nodes(node("node1").labels("foo=bar"), node("node2").labels("key=value"), node("node3").labels("az=az1"))
                        .expect("affinity:node1", "100").expect("affinity:node2", "0").expect("affinity:node3", "0"),
                c(p + "all nodes matches the preferred scheduling requirements of pod but with different priorities",
                        pod("p").affinity(affinity2))
                        .nodes(node("node1").labels("foo=bar"), node("node5").labels("foo=bar,key=value,az=az1"),
                                node("node2").labels("key=value"))
                        .expect("affinity:node1", "18").expect("affinity:node5", "100").expect("affinity:node2", "36"),
                c("reference 1.4 Score: weight-0 and empty preferred terms are ignored",
                        pod("p").affinity(preferring(preferred(0, term(expr("foo", "In", "bar"))),
                                preferred(7, new io.kubernetes.client.openapi.models.V1NodeSelectorTerm()),
                                preferred(3, term(expr("key", "Exists"))))))
                        .nodes(node("node1").labels("foo=bar"), node("node2").labels("key=value"))
                        .expect("affinity:node1", "0").expect("affinity:node2", "100"));
    }

    // ---------------------------------------------------------------- component-helpers nodeaffinity and labels

    static List<Case> nodeSelectorMatching() {
        String t = "nodeaffinity_test.go TestNodeSelectorMatch/";
        return List.of(
                onA("nodeaffinity_test.go TestPodMatchesNodeSelectorAndAffinityTerms/Pod with an empty []NodeSelectorTerm in affinity, can't match the node's labels",
                        pod("p").affinity(required()),
                        node("nodeA").labels("foo=bar"), NA),
                onA(t + "node matches field selector, but not labels",
                        pod("p").affinity(required(new io.kubernetes.client.openapi.models.V1NodeSelectorTerm()
                                .addMatchExpressionsItem(expr("label_1", "In", "label_1_val"))
                                .addMatchFieldsItem(expr("metadata.name", "In", "nodeA")))),
                        node("nodeA").labels("label_2=label_2_val"), NA),
                onA(t + "node matches field selector and label selector",
                        pod("p").affinity(required(new io.kubernetes.client.openapi.models.V1NodeSelectorTerm()
                                .addMatchExpressionsItem(expr("label_1", "In", "label_1_val"))
                                .addMatchFieldsItem(expr("metadata.name", "In", "nodeA")))),
                        node("nodeA").labels("label_1=label_1_val"), "fits"),
                onA(t + "second term matches",
                        pod("p").affinity(required(term(expr("label_1", "In", "label_1_val")),
                                fields(expr("metadata.name", "In", "nodeA")))),
                        node("nodeA").labels("label_2=label_2_val"), "fits"),
                onA(t + "invalid field selector and label selector (the scheduler's lazy form: bad terms match nothing, a good one still can)",
                        pod("p").affinity(required(fields(expr("metadata.name", "In", "host_1", "host_2")),
                                term(expr("invalid key", "In", "label_value")),
                                term(expr("label_3", "In", "label_3_val")))),
                        node("nodeA").labels("label_3=label_3_val"), "fits"),
                onA("reference 1.4: matchFields NotIn the node's own name fails",
                        pod("p").affinity(required(fields(expr("metadata.name", "NotIn", "nodeA")))), node("nodeA"), NA),
                onA("labels/selector_test.go TestRequirementMatches: NotIn matches a missing label",
                        pod("p").affinity(required(term(expr("zone", "NotIn", "a")))), node("nodeA"), "fits"),
                onA("labels/selector_test.go: DoesNotExist fails when the label is present",
                        pod("p").affinity(required(term(expr("zone", "DoesNotExist")))), node("nodeA").labels("zone=a"), NA),
                onA("labels/selector_test.go: DoesNotExist matches a missing label",
                        pod("p").affinity(required(term(expr("zone", "DoesNotExist")))), node("nodeA"), "fits"),
                onA("labels/selector_test.go: Lt compares as integers",
                        pod("p").affinity(required(term(expr("nvidia.com/gpu.memory", "Lt", "16000")))),
                        node("nodeA").labels("nvidia.com/gpu.memory=12288"), "fits"),
                onA("labels/selector_test.go: Gt never matches a label that is not an integer (24G)",
                        pod("p").affinity(required(term(expr("mem", "Gt", "10")))), node("nodeA").labels("mem=24G"), NA),
                onA("labels/selector_test.go: Gt with a non-integer value makes the term unparsable",
                        pod("p").affinity(required(term(expr("mem", "Gt", "ten")))), node("nodeA").labels("mem=24"), NA),
                onA("labels/selector_test.go: Gt with two values makes the term unparsable",
                        pod("p").affinity(required(term(expr("mem", "Gt", "1", "2")))), node("nodeA").labels("mem=24"), NA),
                onA("labels/selector_test.go: Gt is strict",
                        pod("p").affinity(required(term(expr("mem", "Gt", "24")))), node("nodeA").labels("mem=24"), NA),
                onA("labels/selector_test.go: Gt on a missing label fails",
                        pod("p").affinity(required(term(expr("mem", "Gt", "1")))), node("nodeA"), NA),
                onA("labels/selector_test.go: In with no values makes the term unparsable",
                        pod("p").affinity(required(term(expr("zone", "In")))), node("nodeA").labels("zone=a"), NA),
                onA("labels/selector_test.go: Exists with a value makes the term unparsable",
                        pod("p").affinity(required(term(expr("zone", "Exists", "a")))), node("nodeA").labels("zone=a"), NA),
                onA("nodeaffinity.go: an unknown operator makes the term unparsable",
                        pod("p").affinity(required(term(expr("zone", "Equals", "a")))), node("nodeA").labels("zone=a"), NA));
    }

    // ---------------------------------------------------------------- NodeResourcesFit

    static List<Case> nodeResourcesFit() {
        String t = "fit_test.go TestEnoughRequests/";
        return List.of(
                c(t + "no resources requested always fits", pod("p")).nodes(node("n").alloc(FIT_NODE))
                        .running("n:cpu=10m,memory=20").expect("n", "fits"),
                c(t + "too many resources fails", pod("p").req("cpu=1m,memory=1")).nodes(node("n").alloc(FIT_NODE))
                        .running("n:cpu=10m,memory=20")
                        .expect("n", FIT + "Insufficient cpu | Insufficient memory"),
                c(t + "too many resources fails due to init container cpu", pod("p").req("cpu=1m,memory=1").init("cpu=3m,memory=1"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:cpu=8m,memory=19")
                        .expect("n", FIT + "Insufficient cpu"),
                c(t + "too many resources fails due to highest init container cpu",
                        pod("p").req("cpu=1m,memory=1").init("cpu=3m,memory=1").init("cpu=2m,memory=1"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:cpu=8m,memory=19")
                        .expect("n", FIT + "Insufficient cpu"),
                c(t + "too many resources fails due to init container memory", pod("p").req("cpu=1m,memory=1").init("cpu=1m,memory=3"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:cpu=9m,memory=19")
                        .expect("n", FIT + "Insufficient memory"),
                c(t + "init container fits because it's the max, not sum, of containers and init containers",
                        pod("p").req("cpu=1m,memory=1").init("cpu=1m,memory=1"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:cpu=9m,memory=19").expect("n", "fits"),
                c(t + "multiple init containers fit because it's the max, not sum, of containers and init containers",
                        pod("p").req("cpu=1m,memory=1").init("cpu=1m,memory=1").init("cpu=1m,memory=1"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:cpu=9m,memory=19").expect("n", "fits"),
                c(t + "both resources fit", pod("p").req("cpu=1m,memory=1")).nodes(node("n").alloc(FIT_NODE))
                        .running("n:cpu=5m,memory=5").expect("n", "fits"),
                c(t + "one resource memory fits", pod("p").req("cpu=2m,memory=1")).nodes(node("n").alloc(FIT_NODE))
                        .running("n:cpu=9m,memory=5").expect("n", FIT + "Insufficient cpu"),
                c(t + "one resource cpu fits", pod("p").req("cpu=1m,memory=2")).nodes(node("n").alloc(FIT_NODE))
                        .running("n:cpu=5m,memory=19").expect("n", FIT + "Insufficient memory"),
                c(t + "equal edge case", pod("p").req("cpu=5m,memory=1")).nodes(node("n").alloc(FIT_NODE))
                        .running("n:cpu=5m,memory=19").expect("n", "fits"),
                c(t + "equal edge case for init container", pod("p").req("cpu=4m,memory=1").init("cpu=5m,memory=1"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:cpu=5m,memory=19").expect("n", "fits"),
                c(t + "extended resource fits", pod("p").req("example.com/aaa=1")).nodes(node("n").alloc(FIT_NODE))
                        .expect("n", "fits"),
                c(t + "extended resource fits for init container", pod("p").init("example.com/aaa=1"))
                        .nodes(node("n").alloc(FIT_NODE)).expect("n", "fits"),
                c(t + "extended resource capacity enforced", pod("p").req("example.com/aaa=10"))
                        .nodes(node("n").alloc(FIT_NODE)).expect("n", FIT + "Insufficient example.com/aaa"),
                c(t + "extended resource capacity enforced for init container", pod("p").init("example.com/aaa=10"))
                        .nodes(node("n").alloc(FIT_NODE)).expect("n", FIT + "Insufficient example.com/aaa"),
                c(t + "extended resource allocatable enforced", pod("p").req("example.com/aaa=1"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:example.com/aaa=5")
                        .expect("n", FIT + "Insufficient example.com/aaa"),
                c(t + "extended resource allocatable enforced for multiple containers",
                        pod("p").req("example.com/aaa=3").req("example.com/aaa=3"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:example.com/aaa=2")
                        .expect("n", FIT + "Insufficient example.com/aaa"),
                c(t + "extended resource allocatable admits multiple init containers",
                        pod("p").init("example.com/aaa=3").init("example.com/aaa=3"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:example.com/aaa=2").expect("n", "fits"),
                c(t + "extended resource allocatable enforced for multiple init containers",
                        pod("p").init("example.com/aaa=6").init("example.com/aaa=3"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:example.com/aaa=2")
                        .expect("n", FIT + "Insufficient example.com/aaa"),
                c(t + "extended resource allocatable enforced for unknown resource", pod("p").req("example.com/bbb=1"))
                        .nodes(node("n").alloc(FIT_NODE)).expect("n", FIT + "Insufficient example.com/bbb"),
                c(t + "kubernetes.io resource capacity enforced", pod("p").req("kubernetes.io/something=10"))
                        .nodes(node("n").alloc(FIT_NODE)).expect("n", FIT + "Insufficient kubernetes.io/something"),
                c(t + "hugepages resource capacity enforced", pod("p").req("hugepages-2Mi=10"))
                        .nodes(node("n").alloc(FIT_NODE)).expect("n", FIT + "Insufficient hugepages-2Mi"),
                c(t + "hugepages resource allocatable enforced for multiple containers",
                        pod("p").req("hugepages-2Mi=3").req("hugepages-2Mi=3"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:hugepages-2Mi=2")
                        .expect("n", FIT + "Insufficient hugepages-2Mi"),
                c(t + "resources + pod overhead fits", pod("p").req("cpu=1m,memory=1").overhead("cpu=3m,memory=13"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:cpu=5m,memory=5").expect("n", "fits"),
                c(t + "requests + overhead does not fit for memory", pod("p").req("cpu=1m,memory=1").overhead("cpu=1m,memory=15"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:cpu=5m,memory=5")
                        .expect("n", FIT + "Insufficient memory"),
                c("reference 1.5: a resource requested as 0 is not checked (memory-full node still takes it)",
                        pod("p").req("cpu=1m,memory=0"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:cpu=5m,memory=20").expect("n", "fits"),
                c("fit_test.go TestStorageRequests/empty storage requested, and pod fits", pod("p").req("cpu=1m,memory=1"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:ephemeral-storage=20").expect("n", "fits"),
                c("fit_test.go TestStorageRequests/storage ephemeral local storage request exceeds allocatable",
                        pod("p").req("ephemeral-storage=25")).nodes(node("n").alloc(FIT_NODE))
                        .expect("n", FIT + "Insufficient ephemeral-storage"),
                c("fit_test.go TestStorageRequests/ephemeral local storage is sufficient", pod("p").init("ephemeral-storage=5"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:cpu=2m,memory=2,ephemeral-storage=10")
                        .expect("n", "fits"),
                c("fit_test.go TestStorageRequests/pod fits", pod("p").req("ephemeral-storage=10"))
                        .nodes(node("n").alloc(FIT_NODE)).running("n:cpu=2m,memory=2").expect("n", "fits"),
                c("fit_test.go TestNotEnoughRequests/even without specified resources, predicate fails when there's no space for additional pod", pod("p"))
                        .nodes(node("n").alloc("cpu=10m,memory=20,pods=1")).running("n:cpu=10m,memory=20")
                        .expect("n", FIT + "Too many pods"),
                c("fit_test.go TestNotEnoughRequests/even if both resources fit, predicate fails when there's no space for additional pod",
                        pod("p").req("cpu=1m,memory=1")).nodes(node("n").alloc("cpu=10m,memory=20,pods=1"))
                        .running("n:cpu=5m,memory=5").expect("n", FIT + "Too many pods"),
                c("fit_test.go TestNotEnoughRequests/even for equal edge case, predicate fails when there's no space for additional pod due to init container",
                        pod("p").req("cpu=5m,memory=1").init("cpu=5m,memory=1")).nodes(node("n").alloc("cpu=10m,memory=20,pods=1"))
                        .running("n:cpu=5m,memory=19").expect("n", FIT + "Too many pods"),
                c("fit_test.go TestNotEnoughRequests/even for equal edge case, predicate fails when there's no space for additional pod",
                        pod("p").req("cpu=5m,memory=1")).nodes(node("n").alloc("cpu=10m,memory=20,pods=1"))
                        .running("n:cpu=5m,memory=19").expect("n", FIT + "Too many pods"),
                c("helpers_test.go TestPodRequests/restartable init container: sidecar before the init container adds to it",
                        pod("p").req("cpu=1").sidecar("cpu=500m").init("cpu=2"))
                        .nodes(node("n").alloc("cpu=2500m,memory=1Gi,pods=10")).expect("n", "fits"),
                c("helpers_test.go TestPodRequests/restartable init container: 2.5 cpu do not fit 2.4",
                        pod("p").req("cpu=1").sidecar("cpu=500m").init("cpu=2"))
                        .nodes(node("n").alloc("cpu=2400m,memory=1Gi,pods=10")).expect("n", FIT + "Insufficient cpu"),
                c("helpers_test.go TestPodRequests/restartable init container after the init container: 2 cpu",
                        pod("p").req("cpu=1").init("cpu=2").sidecar("cpu=500m"))
                        .nodes(node("n").alloc("cpu=2,memory=1Gi,pods=10")).expect("n", "fits"),
                c("reference 1.0: terminal pods hold no resources; bound Pending ones do",
                        pod("p").req("nvidia.com/gpu=1"))
                        .nodes(node("n").alloc("cpu=2,memory=1Gi,pods=10,nvidia.com/gpu=2"))
                        .runningPod(pod("done").on("n").req("nvidia.com/gpu=1").phase("Succeeded"))
                        .runningPod(pod("failed").on("n").req("nvidia.com/gpu=1").phase("Failed"))
                        .runningPod(pod("pending").on("n").req("nvidia.com/gpu=1").phase("Pending"))
                        .expect("n", "fits"),
                c("reference 1.5: limits default the requests (limit-only GPU container)",
                        pod("p").container("c", "", "nvidia.com/gpu=2"))
                        .nodes(node("n").alloc("cpu=2,memory=1Gi,pods=10,nvidia.com/gpu=1"))
                        .expect("n", FIT + "Insufficient nvidia.com/gpu"),
                c("helpers_test.go TestPodRequests/pod-level resources replace the container sum",
                        pod("p").req("cpu=3").podLevel("cpu=1", ""))
                        .nodes(node("n").alloc("cpu=2,memory=1Gi,pods=10")).expect("n", "fits"));
    }

    // ---------------------------------------------------------------- ResourceQuota

    static List<Case> quotaEvaluator() {
        String u = "pods_test.go TestPodEvaluatorUsage/";
        String k = "pods_test.go TestPodConstraintsFunc/";
        Build.NodeBuilder any = node("n");
        return List.of(
                c(u + "init container CPU", pod("p").initContainer("i", "cpu=1m", "cpu=2m")).nodes(any)
                        .expect("usage", "count/pods=1,cpu=1m,limits.cpu=2m,pods=1,requests.cpu=1m"),
                c(u + "init container MEM", pod("p").initContainer("i", "memory=1m", "memory=2m")).nodes(any)
                        .expect("usage", "count/pods=1,limits.memory=2m,memory=1m,pods=1,requests.memory=1m"),
                c(u + "container CPU", pod("p").container("c", "cpu=1m", "cpu=2m")).nodes(any)
                        .expect("usage", "count/pods=1,cpu=1m,limits.cpu=2m,pods=1,requests.cpu=1m"),
                c(u + "container GPU", pod("p").container("c", "nvidia.com/gpu=1", "nvidia.com/gpu=1")).nodes(any)
                        .expect("usage", "count/pods=1,pods=1,requests.nvidia.com/gpu=1"),
                c(u + "init container maximums override sum of containers",
                        pod("p").initContainer("i1", "cpu=4,memory=100M,nvidia.com/gpu=4", "cpu=8,memory=200M,nvidia.com/gpu=4")
                                .initContainer("i2", "cpu=2,memory=50M,nvidia.com/gpu=2", "cpu=4,memory=100M,nvidia.com/gpu=2")
                                .container("c1", "cpu=1,memory=50M,nvidia.com/gpu=1", "cpu=2,memory=100M,nvidia.com/gpu=1")
                                .container("c2", "cpu=1,memory=25M,nvidia.com/gpu=1", "cpu=5,memory=50M,nvidia.com/gpu=1"))
                        .nodes(any)
                        .expect("usage", "count/pods=1,cpu=4,limits.cpu=8,limits.memory=200M,memory=100M,pods=1,"
                                + "requests.cpu=4,requests.memory=100M,requests.nvidia.com/gpu=4"),
                c(u + "count pod overhead as usage",
                        pod("p").container("c", "cpu=1", "cpu=2").overhead("cpu=1")).nodes(any)
                        .expect("usage", "count/pods=1,cpu=2,limits.cpu=3,pods=1,requests.cpu=2"),
                c(k + "init container resource missing",
                        pod("p").initContainer("dummy", "cpu=1m", "cpu=2m"))
                        .nodes(any).quota(quota("default", "q", "requests.memory=1Gi", "requests.memory=0", List.of()))
                        .expect("quota", "failed quota: q: must specify requests.memory for: dummy"),
                c(k + "container resource missing",
                        pod("p").container("dummy", "memory=1Mi", "memory=2Mi"))
                        .nodes(any).quota(quota("default", "q", "cpu=4,limits.cpu=4", "cpu=0,limits.cpu=0", List.of()))
                        .expect("quota", "failed quota: q: must specify cpu for: dummy; limits.cpu for: dummy"),
                c(k + "container resource missing multiple",
                        pod("p").container("foo", "", "memory=1Mi").container("bar", "", "memory=1Mi"))
                        .nodes(any).quota(quota("default", "q", "limits.cpu=4", "limits.cpu=0", List.of()))
                        .expect("quota", "failed quota: q: must specify limits.cpu for: bar,foo"),
                c(k + "GPU-only quota forces nothing on a GPU pod without cpu",
                        pod("p").container("c", "", "nvidia.com/gpu=1"))
                        .nodes(any).quota(quota("default", "q", "requests.nvidia.com/gpu=4", "requests.nvidia.com/gpu=1",
                                List.of()))
                        .expect("quota", "admitted"),
                c("resourcequota controller.go checkRequest: exceeded quota message, keys sorted, only exceeded ones",
                        pod("p").container("c", "cpu=1,memory=1Gi", "nvidia.com/gpu=2"))
                        .nodes(any).quota(quota("default", "compute",
                                "requests.nvidia.com/gpu=4,requests.cpu=10,requests.memory=1Gi,pods=10",
                                "requests.nvidia.com/gpu=3,requests.cpu=1,requests.memory=512Mi,pods=2", List.of()))
                        .expect("quota", "exceeded quota: compute, requested: requests.memory=1Gi,requests.nvidia.com/gpu=2,"
                                + " used: requests.memory=512Mi,requests.nvidia.com/gpu=3, limited: requests.memory=1Gi,"
                                + "requests.nvidia.com/gpu=4"),
                c("controller.go checkRequest: status unknown for a tracked resource without usage",
                        pod("p").container("c", "", "nvidia.com/gpu=1"))
                        .nodes(any).quota(quota("default", "q", "requests.nvidia.com/gpu=4,pods=2", "pods=1", List.of()))
                        .expect("quota", "status unknown for quota: q, resources: pods,requests.nvidia.com/gpu"),
                c("pods.go: pods vs count/pods both count the new pod",
                        pod("p")).nodes(any)
                        .quota(quota("default", "objects", "count/pods=3", "count/pods=3", List.of()))
                        .expect("quota", "exceeded quota: objects, requested: count/pods=1, used: count/pods=3, limited: count/pods=3"),
                c("pods.go podMatchesScopeFunc: a GPU-only pod is BestEffort",
                        pod("p").container("c", "", "nvidia.com/gpu=1")).nodes(any)
                        .quota(quota("default", "besteffort", "pods=1", "pods=1", List.of("BestEffort")))
                        .expect("quota", "exceeded quota: besteffort, requested: pods=1, used: pods=1, limited: pods=1"),
                c("pods.go podMatchesScopeFunc: NotBestEffort quotas skip a GPU-only pod",
                        pod("p").container("c", "", "nvidia.com/gpu=1")).nodes(any)
                        .quota(quota("default", "burstable", "pods=1", "pods=1", List.of("NotBestEffort")))
                        .expect("quota", "admitted"),
                c("pods.go podMatchesScopeFunc: Terminating matches activeDeadlineSeconds >= 0",
                        pod("p").deadline(0)).nodes(any)
                        .quota(quota("default", "jobs", "pods=0", "pods=0", List.of("Terminating")))
                        .expect("quota", "exceeded quota: jobs, requested: pods=1, used: pods=0, limited: pods=0"),
                c("pods.go podMatchesScopeFunc: NotTerminating skips a pod with a deadline",
                        pod("p").deadline(60)).nodes(any)
                        .quota(quota("default", "services", "pods=0", "pods=0", List.of("NotTerminating")))
                        .expect("quota", "admitted"),
                c("pods.go podMatchesScopeFunc: PriorityClass In",
                        pod("p").priorityClass("high").container("c", "", "nvidia.com/gpu=1")).nodes(any)
                        .quota(new QuotaRecord("default", "high-gpus", Build.res("requests.nvidia.com/gpu=1"),
                                Build.res("requests.nvidia.com/gpu=1"), List.of(), Build.res("requests.nvidia.com/gpu=1"),
                                List.of(new QuotaRecord.ScopeRequirement("PriorityClass", "In", List.of("high")))))
                        .expect("quota", "exceeded quota: high-gpus, requested: requests.nvidia.com/gpu=1, used: "
                                + "requests.nvidia.com/gpu=1, limited: requests.nvidia.com/gpu=1"),
                c("pods.go podMatchesScopeFunc: PriorityClass In does not match another class",
                        pod("p").priorityClass("low").container("c", "", "nvidia.com/gpu=1")).nodes(any)
                        .quota(new QuotaRecord("default", "high-gpus", Build.res("requests.nvidia.com/gpu=1"),
                                Build.res("requests.nvidia.com/gpu=1"), List.of(), Build.res("requests.nvidia.com/gpu=1"),
                                List.of(new QuotaRecord.ScopeRequirement("PriorityClass", "In", List.of("high")))))
                        .expect("quota", "admitted"),
                c("resource-quotas.md: extended resources are quota'd only as requests.<name>",
                        pod("p").container("c", "", "nvidia.com/gpu=2")).nodes(any)
                        .quota(quota("default", "q", "nvidia.com/gpu=1,limits.nvidia.com/gpu=1", "nvidia.com/gpu=0", List.of()))
                        .expect("quota", "admitted"),
                c("resource-quotas.md: a quota in another namespace does not apply",
                        pod("p").ns("team-a").container("c", "", "nvidia.com/gpu=2")).nodes(any)
                        .quota(quota("team-b", "q", "requests.nvidia.com/gpu=1", "requests.nvidia.com/gpu=0", List.of()))
                        .expect("quota", "admitted"));
    }

    // ---------------------------------------------------------------- the home lab: mainpc (RTX 4090), pc2 (RTX 3060)

    static Build.NodeBuilder mainpc() {
        return node("mainpc").labels("kubernetes.io/hostname=mainpc,nvidia.com/gpu.product=NVIDIA-GeForce-RTX-4090")
                .alloc("cpu=32,memory=63Gi,pods=110,ephemeral-storage=1700Gi,nvidia.com/gpu=1");
    }

    static Build.NodeBuilder pc2() {
        return node("pc2").labels("kubernetes.io/hostname=pc2,nvidia.com/gpu.product=NVIDIA-GeForce-RTX-3060")
                .alloc("cpu=12,memory=31Gi,pods=110,ephemeral-storage=850Gi,nvidia.com/gpu=2")
                .taint("gpu=rtx3060:NoSchedule");
    }

    static List<Case> gpuCluster() {
        String ref = "reference 1.7 worked example: ";
        var only3060 = required(term(expr("nvidia.com/gpu.product", "In", "NVIDIA-GeForce-RTX-3060")));
        return List.of(
                c(ref + "2-GPU pod, no toleration", pod("trainer").req("nvidia.com/gpu=2")).nodes(mainpc(), pc2())
                        .version("1.33")
                        .expect("mainpc", FIT + "Insufficient nvidia.com/gpu")
                        .expect("pc2", TT + "node(s) had untolerated taint {gpu: rtx3060}")
                        .expect("fitError", "0/2 nodes are available: 1 Insufficient nvidia.com/gpu, "
                                + "1 node(s) had untolerated taint {gpu: rtx3060}."),
                c(ref + "2-GPU pod, no toleration, newest wording", pod("trainer").req("nvidia.com/gpu=2"))
                        .nodes(mainpc(), pc2())
                        .expect("fitError", "0/2 nodes are available: 1 Insufficient nvidia.com/gpu, "
                                + "1 node(s) had untolerated taint(s)."),
                c(ref + "3060-only affinity, no toleration", pod("p").req("nvidia.com/gpu=1").affinity(only3060))
                        .nodes(mainpc(), pc2()).version("1.30")
                        .expect("mainpc", NA)
                        .expect("fitError", "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
                                + "1 node(s) had untolerated taint {gpu: rtx3060}."),
                c(ref + "full single node", pod("p").req("nvidia.com/gpu=1"))
                        .nodes(mainpc().alloc("cpu=32,memory=63Gi,pods=1,nvidia.com/gpu=1"))
                        .running("mainpc:nvidia.com/gpu=1")
                        .expect("fitError", "0/1 nodes are available: 1 Insufficient nvidia.com/gpu, 1 Too many pods."),
                c(ref + "DaemonSet-style pod", pod("ds").affinity(required(fields(expr("metadata.name", "In", "mainpc")))))
                        .nodes(mainpc().alloc("cpu=32,memory=63Gi,pods=1,nvidia.com/gpu=1"), pc2())
                        .running("mainpc:cpu=1")
                        .expect("pc2", "NodeAffinity: node(s) didn't satisfy plugin(s) [NodeAffinity]")
                        .expect("fitError", "0/2 nodes are available: 1 Too many pods, 1 node(s) didn't satisfy plugin(s) "
                                + "[NodeAffinity]."),
                c("gpu: the 3060 taint tolerated, one GPU pod fits both and binpack prefers the fuller node",
                        pod("p").req("nvidia.com/gpu=1").tolerate("gpu", "Equal", "rtx3060", "NoSchedule"))
                        .nodes(mainpc(), pc2()).expect("mainpc", "fits").expect("pc2", "fits").expect("fitError", null),
                c("gpu: a GPU already taken on mainpc", pod("p").req("nvidia.com/gpu=1"))
                        .nodes(mainpc(), pc2()).running("mainpc:nvidia.com/gpu=1")
                        .expect("mainpc", FIT + "Insufficient nvidia.com/gpu"),
                c("gpu: MIG slices are extended resources like any other",
                        pod("p").req("nvidia.com/mig-1g.10gb=1"))
                        .nodes(node("a100").alloc("cpu=64,memory=500Gi,pods=110,nvidia.com/mig-1g.10gb=7"))
                        .running("a100:nvidia.com/mig-1g.10gb=7")
                        .expect("a100", FIT + "Insufficient nvidia.com/mig-1g.10gb"),
                c("gpu: demo quota requests.nvidia.com/gpu 4 with 2 used refuses a 3-GPU pod",
                        pod("p").ns("demo").container("c", "", "nvidia.com/gpu=3"))
                        .nodes(mainpc(), pc2())
                        .quota(quota("demo", "gpu-quota", "requests.nvidia.com/gpu=4", "requests.nvidia.com/gpu=2", List.of()))
                        .expect("quota", "exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=3, used: "
                                + "requests.nvidia.com/gpu=2, limited: requests.nvidia.com/gpu=4"),
                c("gpu: demo quota admits a 2-GPU pod", pod("p").ns("demo").container("c", "", "nvidia.com/gpu=2"))
                        .nodes(mainpc(), pc2())
                        .quota(quota("demo", "gpu-quota", "requests.nvidia.com/gpu=4", "requests.nvidia.com/gpu=2", List.of()))
                        .expect("quota", "admitted"),
                c("gpu: a cordoned, tainted and full mainpc is reported as unschedulable first",
                        pod("p").req("nvidia.com/gpu=1"))
                        .nodes(mainpc().cordoned().taint("maintenance:NoExecute")).running("mainpc:nvidia.com/gpu=1")
                        .expect("mainpc", "NodeUnschedulable: node(s) were unschedulable"),
                c("FitError: counts sort as strings, so 10 sorts before 2",
                        pod("p").req("nvidia.com/gpu=1"))
                        .nodes(node("a1").alloc("pods=10"), node("a2").alloc("pods=10"), node("a3").alloc("pods=10"),
                                node("a4").alloc("pods=10"), node("a5").alloc("pods=10"), node("a6").alloc("pods=10"),
                                node("a7").alloc("pods=10"), node("a8").alloc("pods=10"), node("a9").alloc("pods=10"),
                                node("b1").alloc("pods=10"), node("t1").taint("x:NoSchedule").alloc("pods=10,nvidia.com/gpu=1"),
                                node("t2").taint("x:NoSchedule").alloc("pods=10,nvidia.com/gpu=1"))
                        .expect("fitError", "0/12 nodes are available: 10 Insufficient nvidia.com/gpu, "
                                + "2 node(s) had untolerated taint(s)."),
                c("FitError: no nodes at all", pod("p")).expect("fitError", "no nodes available to schedule pods"));
    }
}
