package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.models.V1APIService;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1NetworkPolicyIngressRule;
import io.kubernetes.client.openapi.models.V1NetworkPolicyPeer;
import io.kubernetes.client.openapi.models.V1NetworkPolicyPort;
import io.kubernetes.client.openapi.models.V1NodeSelectorTerm;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1SecurityContext;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1Toleration;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeMount;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rendering of deploy/ (base, each overlay, base with each component, base with all of
 * them) decodes strictly into the client's models, and holds the install's invariants: least
 * privilege, ports and selectors that meet, images the project builds, paths that are mounted.
 */
class KustomizeTest {
    static final String NS = "gpuscale-system";

    private static List<KustomizeRender> renders;

    static synchronized List<KustomizeRender> renders() {
        if (renders == null) {
            renders = KustomizeRender.all();
        }
        return renders;
    }

    static Stream<KustomizeRender> all() {
        return renders().stream();
    }

    static KustomizeRender render(String name) {
        return renders().stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no rendering " + name));
    }

    @Test
    void everyOverlayAndComponentIsRendered() {
        assertThat(KustomizeRender.kustomizations("overlays")).contains("dev", "prod", "k3s-home-lab")
                .doesNotContain("external-metrics", "extender-mtls"); // now components
        assertThat(KustomizeRender.kustomizations("components"))
                .contains("scheduler-extender", "extender-mtls", "external-metrics");
        assertThat(renders()).extracting(KustomizeRender::name)
                .contains("base", "overlays/dev", "overlays/prod", "overlays/k3s-home-lab",
                        "base + components/scheduler-extender",
                        "base + components/scheduler-extender + components/extender-mtls",
                        "base + components/external-metrics");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void everyObjectDecodesStrictlyOrIsAKnownCustomResource(KustomizeRender r) {
        assertThat(r.objects()).isNotEmpty();
        for (Manifests.Obj o : r.objects()) {
            assertThat(o.name()).as("%s: an object without a name", r).isNotBlank();
            if (!r.models().containsKey(o)) {
                assertThat(CustomResources.KNOWN).as("%s: %s is neither a built-in kind nor a custom resource "
                        + "the suite knows", r, o.id()).contains(o.apiVersion() + " " + o.kind());
            }
        }
        CustomResources.check(r);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void everythingIsInTheNamespaceAndLabelled(KustomizeRender r) {
        for (Manifests.Obj o : r.objects()) {
            Map<String, Object> labels = o.map("metadata", "labels");
            assertThat(labels).as("%s: %s labels", r, o.id()).isNotNull()
                    .containsEntry("app.kubernetes.io/part-of", "gpuscale");
            boolean clusterScoped = Manifests.modelClass(o.apiVersion(), o.kind()) != null
                    && Set.of("Namespace", "ClusterRole", "ClusterRoleBinding", "APIService").contains(o.kind());
            if (!clusterScoped) {
                // the one exception: reading kube-system's extension-apiserver-authentication ConfigMap
                String expected = o.kind().equals("RoleBinding") && o.name().equals("gpuscale-adapter-auth-reader")
                        ? "kube-system" : NS;
                assertThat(o.namespace()).as("%s: %s namespace", r, o.id()).isEqualTo(expected);
            }
            if (o.name().startsWith("gpuscale-agent") || o.name().startsWith("gpuscale-adapter")) {
                assertThat(labels).as("%s: %s", r, o.id()).containsKey("app.kubernetes.io/component")
                        .containsKey("app.kubernetes.io/name");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void theNamespaceEnforcesPrivilegedPodSecurityForTheAgentAlone(KustomizeRender r) {
        V1Namespace ns = r.model(r.get("Namespace", NS), V1Namespace.class);
        assertThat(ns.getMetadata().getLabels())
                .containsEntry("pod-security.kubernetes.io/enforce", "privileged")
                .containsEntry("pod-security.kubernetes.io/enforce-version", "latest")
                .doesNotContainKeys("pod-security.kubernetes.io/warn", "pod-security.kubernetes.io/audit");
        // privileged is for the agent's hostPID and hostPath: the adapter meets "restricted"
        V1PodSpec adapter = r.adapter().getSpec().getTemplate().getSpec();
        assertThat(adapter.getHostPID()).isNotEqualTo(Boolean.TRUE);
        assertThat(adapter.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(adapter.getVolumes()).allSatisfy(v -> assertThat(v.getHostPath()).as(v.getName()).isNull());
        assertThat(adapter.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(adapter.getSecurityContext().getRunAsUser()).isNotZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void everyContainerRunsWithSeccompNoCapabilitiesAndNoEscalation(KustomizeRender r) {
        assertThat(r.workloads()).isNotEmpty();
        for (KustomizeRender.Workload w : r.workloads()) {
            V1PodSpec pod = w.template().getSpec();
            for (V1Container c : w.allContainers()) {
                String what = r + ": " + w.obj().id() + " container " + c.getName();
                V1SecurityContext sc = c.getSecurityContext();
                assertThat(sc).as(what).isNotNull();
                String seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile().getType()
                        : pod.getSecurityContext() != null && pod.getSecurityContext().getSeccompProfile() != null
                                ? pod.getSecurityContext().getSeccompProfile().getType() : null;
                assertThat(seccomp).as(what + " seccomp").isEqualTo("RuntimeDefault");
                assertThat(sc.getCapabilities()).as(what).isNotNull();
                assertThat(sc.getCapabilities().getDrop()).as(what + " drops").contains("ALL");
                assertThat(Objects.requireNonNullElse(sc.getCapabilities().getAdd(), List.of()))
                        .as(what + " adds").isEmpty();
                assertThat(sc.getAllowPrivilegeEscalation()).as(what + " allowPrivilegeEscalation").isFalse();
                assertThat(sc.getPrivileged()).as(what + " privileged").isNotEqualTo(Boolean.TRUE);
                assertThat(sc.getReadOnlyRootFilesystem()).as(what + " readOnlyRootFilesystem").isTrue();
                assertThat(c.getResources()).as(what).isNotNull();
                assertThat(c.getResources().getRequests()).as(what + " requests").containsKeys("cpu", "memory");
                assertThat(c.getResources().getLimits()).as(what + " limits").containsKey("memory");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void theAgentRunsAsRootWithNothingAddedOnEveryGpuNodeWhateverItsTaints(KustomizeRender r) {
        V1PodSpec pod = r.agent().getSpec().getTemplate().getSpec();
        List<V1Toleration> tolerations = pod.getTolerations();
        assertThat(tolerations).as(r + ": a toleration of every taint (no key, no effect, operator Exists)")
                .anySatisfy(t -> {
                    assertThat(t.getKey()).isNull();
                    assertThat(t.getEffect()).isNull();
                    assertThat(t.getOperator()).isEqualTo("Exists");
                });
        // the PodResources directory is 0750 root:root: UID 0 as owner, no capability needed
        assertThat(pod.getSecurityContext().getRunAsUser()).isZero();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isFalse();
        assertThat(pod.getHostPID()).isTrue();
        assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
        V1Volume podResources = pod.getVolumes().stream().filter(v -> v.getHostPath() != null).findFirst()
                .orElseThrow();
        assertThat(podResources.getHostPath().getPath()).isEqualTo("/var/lib/kubelet/pod-resources");
        assertThat(pod.getContainers().get(0).getVolumeMounts())
                .filteredOn(m -> m.getName().equals(podResources.getName()))
                .singleElement().satisfies(m -> assertThat(m.getReadOnly()).isTrue());
        assertThat(pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()).as(r + ": the GPU node labels").isNotEmpty();
    }

    @Test
    void baseSelectsGpuNodesByAnyOfThreeLabelsAndTheHomeLabByItsOwn() {
        assertThat(gpuNodeTerms(render("base"))).containsExactly(
                "nvidia.com/gpu.present In [true]",
                "feature.node.kubernetes.io/pci-10de.present In [true]",
                "gpuscale.io/gpu In [true]");
        assertThat(render("base").agent().getSpec().getTemplate().getSpec().getRuntimeClassName()).isEqualTo("nvidia");
        KustomizeRender lab = render("overlays/k3s-home-lab");
        assertThat(gpuNodeTerms(lab)).containsExactly("gpuscale.io/gpu In [true]");
        assertThat(lab.agent().getSpec().getTemplate().getSpec().getRuntimeClassName()).isEqualTo("nvidia");
    }

    private static List<String> gpuNodeTerms(KustomizeRender r) {
        List<String> out = new ArrayList<>();
        for (V1NodeSelectorTerm t : r.agent().getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms()) {
            assertThat(t.getMatchExpressions()).hasSize(1);
            var e = t.getMatchExpressions().get(0);
            out.add(e.getKey() + " " + e.getOperator() + " " + e.getValues());
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void imagesAreTheOnesTheProjectBuilds(KustomizeRender r) {
        String version = ProjectVersion.release();
        for (KustomizeRender.Workload w : r.workloads()) {
            for (V1Container c : w.allContainers()) {
                assertThat(c.getImage()).as("%s: %s", r, w.obj().id())
                        .isIn("ghcr.io/gpuscale/gpuscale-agent:" + version, "ghcr.io/gpuscale/gpuscale-adapter:" + version);
                String component = w.labels().get("app.kubernetes.io/component");
                assertThat(c.getImage()).as("%s: %s", r, w.obj().id())
                        .startsWith("ghcr.io/gpuscale/gpuscale-" + component + ":");
            }
        }
    }

    /**
     * The manifests give args only, no command: each image's ENTRYPOINT must run its jar and
     * nothing more (a subcommand or a flag there would precede or clash with the manifests').
     */
    @Test
    void theImagesEntryPointsRunTheJarsSoThatTheManifestsArgsAreTheJarsArgs() throws Exception {
        for (String component : List.of("agent", "adapter")) {
            java.nio.file.Path dockerfile = Manifests.repo().resolve(component).resolve("Dockerfile");
            List<String> entrypoints = java.nio.file.Files.readAllLines(dockerfile).stream()
                    .filter(l -> l.startsWith("ENTRYPOINT")).toList();
            assertThat(entrypoints).as(dockerfile.toString()).hasSize(1);
            // exec form; JVM options may come before -jar, nothing may come after the jar
            assertThat(entrypoints.get(0)).as(dockerfile.toString()).startsWith("ENTRYPOINT [");
            List<String> words = java.util.regex.Pattern.compile("\"([^\"]*)\"").matcher(entrypoints.get(0))
                    .results().map(m -> m.group(1)).toList();
            assertThat(words).as(dockerfile.toString()).hasSizeGreaterThanOrEqualTo(3);
            assertThat(words.get(0)).as(dockerfile.toString()).endsWith("java");
            assertThat(words.get(words.size() - 2)).as(dockerfile.toString()).isEqualTo("-jar");
            assertThat(words.get(words.size() - 1)).as(dockerfile.toString()).endsWith("/gpuscale-" + component + ".jar");
        }
        for (KustomizeRender r : renders()) {
            for (KustomizeRender.Workload w : r.workloads()) {
                for (V1Container c : w.allContainers()) {
                    assertThat(c.getCommand()).as("%s: %s", r, w.obj().id()).isNullOrEmpty();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void workloadSelectorsMatchTheirOwnPodsAndNoOtherWorkloads(KustomizeRender r) {
        for (Manifests.Obj o : r.objects()) {
            V1LabelSelector selector = r.models().get(o) instanceof V1Deployment d ? d.getSpec().getSelector()
                    : r.models().get(o) instanceof V1DaemonSet d ? d.getSpec().getSelector() : null;
            if (selector == null) {
                continue;
            }
            assertThat(r.selected(o.namespace(), selector)).as("%s: %s selects", r, o.id())
                    .extracting(w -> w.obj()).containsExactly(o);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void everyServiceSelectsPodsAndTargetsANamedContainerPort(KustomizeRender r) {
        for (Manifests.Obj o : r.ofKind("Service")) {
            V1Service s = r.model(o, V1Service.class);
            List<KustomizeRender.Workload> pods = r.selected(o.namespace(), s.getSpec().getSelector());
            assertThat(pods).as("%s: %s selects no pods", r, o.id()).isNotEmpty();
            for (V1ServicePort p : s.getSpec().getPorts()) {
                IntOrString target = p.getTargetPort();
                assertThat(target).as("%s: %s port %s", r, o.id(), p.getName()).isNotNull();
                assertThat(target.isInteger()).as("%s: %s port %s targets a port by name", r, o.id(), p.getName())
                        .isFalse();
                for (KustomizeRender.Workload w : pods) {
                    assertThat(containerPorts(w)).as("%s: %s port %s -> %s", r, o.id(), p.getName(), w.obj().id())
                            .extracting(V1ContainerPort::getName).contains(target.getStrValue());
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void everyNetworkPolicySelectsPodsOfTheRenderOnPortsTheyServe(KustomizeRender r) {
        List<Manifests.Obj> policies = r.ofKind("NetworkPolicy");
        assertThat(policies).extracting(Manifests.Obj::name).contains("gpuscale-agent", "gpuscale-adapter");
        for (Manifests.Obj o : policies) {
            V1NetworkPolicy np = r.model(o, V1NetworkPolicy.class);
            List<KustomizeRender.Workload> pods = r.selected(o.namespace(), np.getSpec().getPodSelector());
            assertThat(pods).as("%s: %s selects no pods", r, o.id()).isNotEmpty();
            assertThat(np.getSpec().getPolicyTypes()).as("%s: %s", r, o.id()).containsExactly("Ingress");
            for (V1NetworkPolicyIngressRule rule : np.getSpec().getIngress()) {
                assertThat(rule.getPorts()).as("%s: %s: a rule for every port", r, o.id()).isNotEmpty();
                for (V1NetworkPolicyPort p : rule.getPorts()) {
                    for (KustomizeRender.Workload w : pods) {
                        assertThat(containerPorts(w)).as("%s: %s port %s on %s", r, o.id(), p.getPort(), w.obj().id())
                                .anySatisfy(cp -> assertThat(p.getPort().isInteger()
                                        ? (Object) cp.getContainerPort() : cp.getName())
                                        .isEqualTo(p.getPort().isInteger() ? p.getPort().getIntValue()
                                                : p.getPort().getStrValue()));
                    }
                }
                for (V1NetworkPolicyPeer peer : Objects.requireNonNullElse(rule.getFrom(), List.<V1NetworkPolicyPeer>of())) {
                    if (peer.getPodSelector() != null && peer.getNamespaceSelector() == null) {
                        assertThat(r.selected(o.namespace(), peer.getPodSelector()))
                                .as("%s: %s admits pods that the render does not have", r, o.id()).isNotEmpty();
                    }
                    if (peer.getIpBlock() != null) {
                        assertThat(peer.getIpBlock().getCidr()).matches("\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+");
                    }
                }
            }
        }
        // every port the adapter and the agent serve is covered by some rule (nothing unreachable
        // by mistake, nothing open by accident: the checks above bound the rest)
        Set<Integer> admitted = new java.util.HashSet<>();
        for (Manifests.Obj o : policies) {
            for (V1NetworkPolicyIngressRule rule : r.model(o, V1NetworkPolicy.class).getSpec().getIngress()) {
                rule.getPorts().forEach(p -> admitted.add(p.getPort().getIntValue()));
            }
        }
        for (KustomizeRender.Workload w : r.workloads()) {
            assertThat(admitted).as("%s: %s ports", r, w.obj().id())
                    .containsAll(containerPorts(w).stream().map(V1ContainerPort::getContainerPort).toList());
        }
    }

    @Test
    void theAgentsAreReachableByTheAdapterAndPrometheusOnlyAndTheAdaptersMetricsByPrometheusOnly() {
        KustomizeRender base = render("base");
        V1NetworkPolicy agent = base.model(base.get("NetworkPolicy", "gpuscale-agent"), V1NetworkPolicy.class);
        assertThat(agent.getSpec().getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getFrom()).hasSize(2).allSatisfy(p -> assertThat(p.getIpBlock()).isNull());
            assertThat(rule.getFrom().get(0).getPodSelector().getMatchLabels())
                    .containsExactly(Map.entry("app.kubernetes.io/name", "gpuscale-adapter"));
            assertPrometheus(rule.getFrom().get(1));
        });
        V1NetworkPolicy adapter = base.model(base.get("NetworkPolicy", "gpuscale-adapter"), V1NetworkPolicy.class);
        assertThat(adapter.getSpec().getIngress()).hasSize(2);
        // 6443 from any source (authenticated; the API server's addresses cannot be selected in general)
        assertThat(adapter.getSpec().getIngress().get(0).getFrom()).isNullOrEmpty();
        assertThat(adapter.getSpec().getIngress().get(0).getPorts()).extracting(p -> p.getPort().getIntValue())
                .containsExactly(6443);
        assertThat(adapter.getSpec().getIngress().get(1).getPorts()).extracting(p -> p.getPort().getIntValue())
                .containsExactly(9420);
        assertThat(adapter.getSpec().getIngress().get(1).getFrom()).singleElement()
                .satisfies(KustomizeTest::assertPrometheus);
        // the extender is not in base; with its component, 8888 is open to ipBlocks alone
        assertThat(base.find("NetworkPolicy", "gpuscale-adapter-scheduler-extender")).isEmpty();
        assertThat(containerPorts(base.workloads().stream().filter(w -> w.obj().kind().equals("Deployment"))
                .findFirst().orElseThrow())).extracting(V1ContainerPort::getContainerPort).doesNotContain(8888);
        for (String name : List.of("base + components/scheduler-extender", "overlays/k3s-home-lab")) {
            KustomizeRender r = render(name);
            V1NetworkPolicy ext = r.model(r.get("NetworkPolicy", "gpuscale-adapter-scheduler-extender"),
                    V1NetworkPolicy.class);
            assertThat(ext.getSpec().getIngress()).singleElement().satisfies(rule -> {
                assertThat(rule.getPorts()).extracting(p -> p.getPort().getIntValue()).containsExactly(8888);
                assertThat(rule.getFrom()).isNotEmpty().allSatisfy(p -> {
                    assertThat(p.getIpBlock()).isNotNull();
                    assertThat(p.getPodSelector()).isNull();
                    assertThat(p.getNamespaceSelector()).isNull();
                });
            });
            // no other policy opens 8888
            r.ofKind("NetworkPolicy").stream().filter(o -> !o.name().equals("gpuscale-adapter-scheduler-extender"))
                    .flatMap(o -> r.model(o, V1NetworkPolicy.class).getSpec().getIngress().stream())
                    .flatMap(rule -> rule.getPorts().stream())
                    .forEach(p -> assertThat(p.getPort().getIntValue()).isNotEqualTo(8888));
        }
    }

    private static void assertPrometheus(V1NetworkPolicyPeer p) {
        assertThat(p.getNamespaceSelector().getMatchLabels())
                .containsExactly(Map.entry("kubernetes.io/metadata.name", "monitoring"));
        assertThat(p.getPodSelector().getMatchLabels())
                .containsExactly(Map.entry("app.kubernetes.io/name", "prometheus"));
    }

    static List<V1ContainerPort> containerPorts(KustomizeRender.Workload w) {
        return w.allContainers().stream()
                .flatMap(c -> Objects.requireNonNullElse(c.getPorts(), List.<V1ContainerPort>of()).stream()).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void everyApiServicePointsAtAServicePortOfTheAdapter(KustomizeRender r) {
        List<Manifests.Obj> apiServices = r.ofKind("APIService");
        assertThat(apiServices).extracting(Manifests.Obj::name)
                .contains("v1beta2.custom.metrics.k8s.io", "v1beta1.custom.metrics.k8s.io");
        for (Manifests.Obj o : apiServices) {
            V1APIService a = r.model(o, V1APIService.class);
            assertThat(o.name()).isEqualTo(a.getSpec().getVersion() + "." + a.getSpec().getGroup());
            var ref = a.getSpec().getService();
            V1Service svc = r.model(r.get("Service", ref.getName()), V1Service.class);
            assertThat(svc.getMetadata().getNamespace()).isEqualTo(ref.getNamespace());
            V1ServicePort port = svc.getSpec().getPorts().stream().filter(p -> p.getPort().equals(ref.getPort()))
                    .findFirst().orElseThrow(() -> new AssertionError(r + ": " + o.id() + " port " + ref.getPort()
                            + " is not a port of Service " + ref.getName()));
            assertThat(port.getTargetPort().getStrValue()).as("%s: %s", r, o.id()).isEqualTo("https");
            assertThat(r.selected(ref.getNamespace(), svc.getSpec().getSelector())).singleElement()
                    .satisfies(w -> assertThat(w.obj().name()).isEqualTo("gpuscale-adapter"));
        }
        assertThat(r.model(r.get("APIService", "v1beta2.custom.metrics.k8s.io"), V1APIService.class).getSpec()
                .getVersionPriority()).isGreaterThan(r.model(r.get("APIService", "v1beta1.custom.metrics.k8s.io"),
                        V1APIService.class).getSpec().getVersionPriority());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void theAdapterSurvivesADrainAndARollout(KustomizeRender r) {
        V1Deployment d = r.adapter();
        var pdb = r.find("PodDisruptionBudget", "gpuscale-adapter");
        if (r.name().equals("overlays/dev")) {
            assertThat(d.getSpec().getReplicas()).isEqualTo(1);
            assertThat(pdb).as("a PDB of minAvailable 1 over one replica blocks every drain").isEmpty();
            assertThat(r.ofKind("PodDisruptionBudget")).isEmpty();
            return;
        }
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        assertThat(pdb).isPresent();
        V1PodDisruptionBudget b = r.model(pdb.get(), V1PodDisruptionBudget.class);
        assertThat(b.getSpec().getMinAvailable().getIntValue()).isEqualTo(1).isLessThan(d.getSpec().getReplicas());
        assertThat(b.getSpec().getMaxUnavailable()).isNull();
        assertThat(r.selected(pdb.get().namespace(), b.getSpec().getSelector())).extracting(w -> w.obj().id())
                .containsExactly(r.get("Deployment", "gpuscale-adapter").id());
        assertThat(d.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntValue()).isZero();
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntValue()).isEqualTo(1);
        V1PodSpec pod = d.getSpec().getTemplate().getSpec();
        // preferred, not required: the seed cluster has one node the adapter may run on
        assertThat(pod.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()).isNullOrEmpty();
        assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
                .singleElement().satisfies(t -> {
                    assertThat(t.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
                    assertThat(KustomizeRender.matches(t.getPodAffinityTerm().getLabelSelector(),
                            d.getSpec().getTemplate().getMetadata().getLabels())).isTrue();
                });
        assertThat(pod.getTopologySpreadConstraints()).singleElement().satisfies(t -> {
            assertThat(t.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(t.getMaxSkew()).isEqualTo(1);
            assertThat(t.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway");
            assertThat(KustomizeRender.matches(t.getLabelSelector(), d.getSpec().getTemplate().getMetadata().getLabels()))
                    .isTrue();
        });
    }

    @Test
    void prodVerifiesTheAdapterWithCertManagersCaAndDevAndBaseSkipVerification() {
        KustomizeRender prod = render("overlays/prod");
        for (Manifests.Obj o : prod.ofKind("APIService")) {
            V1APIService a = prod.model(o, V1APIService.class);
            assertThat(a.getSpec().getInsecureSkipTLSVerify()).as(o.id()).isNull();
            assertThat(a.getMetadata().getAnnotations()).as(o.id())
                    .containsEntry("cert-manager.io/inject-ca-from", NS + "/gpuscale-adapter-serving");
        }
        // ServiceMonitors and alerts (components/monitoring)
        for (String name : List.of("overlays/prod", "overlays/k3s-home-lab")) {
            KustomizeRender r = render(name);
            assertThat(r.ofKind("ServiceMonitor")).as(name).extracting(Manifests.Obj::name)
                    .containsExactlyInAnyOrder("gpuscale-agent", "gpuscale-adapter");
            assertThat(r.ofKind("PrometheusRule")).as(name).isNotEmpty();
        }
        assertThat(render("base").ofKind("ServiceMonitor")).as("base needs no Prometheus Operator").isEmpty();
        // the home lab's example workload is applied on its own, not with the kustomization
        assertThat(render("overlays/k3s-home-lab").objects()).noneMatch(o -> "demo".equals(o.namespace())
                || "demo".equals(o.name()));
        List<String> args = prod.adapter().getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
        assertThat(args).contains("--tls-cert-file=/etc/gpuscale/serving/tls.crt",
                "--tls-private-key-file=/etc/gpuscale/serving/tls.key");
        assertThat(prod.adapter().getSpec().getTemplate().getSpec().getVolumes())
                .anySatisfy(v -> assertThat(v.getSecret()).isNotNull()
                        .satisfies(s -> assertThat(s.getSecretName()).isEqualTo("gpuscale-adapter-serving")));
        for (String name : List.of("base", "overlays/dev")) {
            KustomizeRender r = render(name);
            for (Manifests.Obj o : r.ofKind("APIService")) {
                assertThat(r.model(o, V1APIService.class).getSpec().getInsecureSkipTLSVerify()).as(o.id()).isTrue();
            }
            assertThat(r.adapter().getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                    .noneMatch(a -> a.startsWith("--tls-"));
        }
    }

    @Test
    void everyProfileLogsText() {
        for (KustomizeRender r : renders()) {
            for (KustomizeRender.Workload w : r.workloads()) {
                assertThat(w.template().getSpec().getContainers().get(0).getArgs()).as("%s: %s", r, w.obj().id())
                        .filteredOn(a -> a.startsWith("--log-format")).containsExactly("--log-format=text");
            }
        }
    }

    @Test
    void devLogsAtDebugEverywhereElseAtInfo() {
        for (KustomizeRender r : renders()) {
            String level = r.name().equals("overlays/dev") ? "debug" : "info";
            for (KustomizeRender.Workload w : r.workloads()) {
                assertThat(w.template().getSpec().getContainers().get(0).getArgs()).as("%s: %s", r, w.obj().id())
                        .filteredOn(a -> a.startsWith("--log-level")).containsExactly("--log-level=" + level);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void everyVolumeIsMountedAndEveryPathInTheArgsIsOnAMount(KustomizeRender r) {
        for (KustomizeRender.Workload w : r.workloads()) {
            List<String> volumes = w.template().getSpec().getVolumes().stream().map(V1Volume::getName).toList();
            assertThat(volumes).as("%s: %s volume names", r, w.obj().id()).doesNotHaveDuplicates();
            List<V1VolumeMount> mounts = new ArrayList<>();
            for (V1Container c : w.allContainers()) {
                List<V1VolumeMount> own = Objects.requireNonNullElse(c.getVolumeMounts(), List.of());
                assertThat(own).as("%s: %s mounts", r, w.obj().id()).extracting(V1VolumeMount::getName)
                        .isSubsetOf(volumes);
                mounts.addAll(own);
                for (String path : ContainerArgs.paths(c)) {
                    if (path.equals("/proc") || path.startsWith("/proc/")) {
                        continue; // the runtime's /proc: the host's, with hostPID
                    }
                    assertThat(own).as("%s: %s container %s uses %s, which no volume provides", r, w.obj().id(),
                            c.getName(), path).anySatisfy(m -> assertThat(path).startsWith(m.getMountPath() + "/"));
                    // a Secret volume that projects some keys only has those files
                    for (V1VolumeMount m : own) {
                        V1Volume v = w.template().getSpec().getVolumes().stream()
                                .filter(x -> x.getName().equals(m.getName())).findFirst().orElseThrow();
                        if (path.startsWith(m.getMountPath() + "/") && v.getSecret() != null
                                && v.getSecret().getItems() != null && !v.getSecret().getItems().isEmpty()) {
                            assertThat(v.getSecret().getItems()).as("%s: %s: %s is not among the files of Secret "
                                    + "volume %s", r, w.obj().id(), path, v.getName())
                                    .extracting(i -> m.getMountPath() + "/" + i.getPath()).contains(path);
                        }
                    }
                }
            }
            assertThat(mounts).extracting(V1VolumeMount::getName).as("%s: %s volumes never mounted", r, w.obj().id())
                    .containsAll(volumes);
        }
    }
}
