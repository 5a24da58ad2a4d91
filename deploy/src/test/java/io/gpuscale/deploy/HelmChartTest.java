package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.kubernetes.client.openapi.models.V1APIService;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Service;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart lints and renders with every shipped profile and with every option on; every object
 * decodes strictly; the renderings pass the same checks as the kustomize renderings (KustomizeTest's,
 * CustomResources') and the chart's own (labels, TLS modes, options).
 */
class HelmChartTest {
    static final List<String> PROFILES = HelmChart.PROFILES;
    /** The renderings whose objects are all the chart's own (no Secret or issuer made outside it). */
    private static final Set<String> SELF_CONTAINED = Set.of("chart with values.yaml", "chart with values-prod.yaml",
            "chart with values-k3s-home-lab.yaml", "dev-like", "extender with mTLS, external metrics, narrowed API port");
    private static final String CA_BUNDLE = ServingCertificate.selfSigned(List.of("gpuscale-test-ca"),
            Clock.systemUTC()).certificatePem();
    private static List<KustomizeRender> renders;

    static synchronized List<KustomizeRender> renders() {
        if (renders == null) {
            List<KustomizeRender> out = new ArrayList<>();
            for (String p : PROFILES) {
                out.add(HelmChart.render(p));
            }
            out.add(HelmChart.render("dev-like", "values.yaml", """
                    adapter: {replicas: 1, logLevel: debug}
                    agent: {logLevel: debug}
                    """));
            out.add(HelmChart.render("extender with mTLS, external metrics, narrowed API port", "values.yaml", """
                    schedulerExtender:
                      enabled: true
                      allowedCIDRs: [10.0.0.10/32]
                      mtls: {enabled: true}
                    externalMetrics: {enabled: true}
                    networkPolicy:
                      apiServerCIDRs: [10.0.0.0/24, 10.0.1.0/24]
                    """));
            out.add(HelmChart.render("existing Secret, Prometheus backend, no RuntimeClass, private registry",
                    "values.yaml", """
                    image:
                      registry: registry.example.com/mirror
                      tag: 0.1.0-rc1
                      pullSecrets: [regcred]
                    tls:
                      mode: existingSecret
                      existingSecret:
                        name: gpuscale-adapter-tls
                        caBundle: |
                    %s
                    adapter:
                      prometheusUrl: http://prometheus-operated.monitoring.svc:9090
                      extraArgs: [--gpu-policy=spread]
                    agent:
                      runtimeClassName: ""
                      extraArgs: [--pod-attribution=false]
                    """.formatted(CA_BUNDLE.strip().indent(10).stripTrailing())));
            out.add(HelmChart.render("cert-manager with a ClusterIssuer", "values-prod.yaml", """
                    tls:
                      certManager:
                        issuerRef: {name: corp-ca, kind: ClusterIssuer}
                    """));
            renders = out;
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

    @ParameterizedTest
    @FieldSource("PROFILES")
    void lintStrictPasses(String profile) {
        LintResult result = HelmChart.lint(profile);
        assertThat(result.isFailed()).as("helm lint --strict with %s: %s", profile, result.getMessages()).isFalse();
    }

    /** The kustomize renderings' checks, on the chart's renderings. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void theManifestsChecksHold(KustomizeRender r) {
        KustomizeTest k = new KustomizeTest();
        if (SELF_CONTAINED.contains(r.name())) {
            k.everyObjectDecodesStrictlyOrIsAKnownCustomResource(r);
        }
        k.everythingIsInTheNamespaceAndLabelled(r);
        k.theNamespaceEnforcesPrivilegedPodSecurityForTheAgentAlone(r);
        k.everyContainerRunsWithSeccompNoCapabilitiesAndNoEscalation(r);
        k.theAgentRunsAsRootWithNothingAddedOnEveryGpuNodeWhateverItsTaints(r);
        k.workloadSelectorsMatchTheirOwnPodsAndNoOtherWorkloads(r);
        k.everyServiceSelectsPodsAndTargetsANamedContainerPort(r);
        k.everyNetworkPolicySelectsPodsOfTheRenderOnPortsTheyServe(r);
        k.everyApiServicePointsAtAServicePortOfTheAdapter(r);
        k.everyVolumeIsMountedAndEveryPathInTheArgsIsOnAMount(r);
        if (!r.name().startsWith("existing Secret")) {
            k.imagesAreTheOnesTheProjectBuilds(r);
        }
        if (r.adapter().getSpec().getReplicas() > 1) {
            k.theAdapterSurvivesADrainAndARollout(r);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void everyObjectCarriesHelmsRecommendedLabels(KustomizeRender r) {
        for (Manifests.Obj o : r.objects()) {
            Map<String, Object> labels = o.map("metadata", "labels");
            assertThat(labels).as("%s: %s", r, o.id())
                    .containsEntry("app.kubernetes.io/instance", HelmChart.RELEASE)
                    .containsEntry("app.kubernetes.io/managed-by", "Helm")
                    .containsEntry("app.kubernetes.io/part-of", "gpuscale")
                    .containsEntry("helm.sh/chart", "gpuscale-" + HelmChart.load(HelmChart.file("Chart.yaml")).get("version"))
                    .containsKey("app.kubernetes.io/name");
        }
        for (KustomizeRender.Workload w : r.workloads()) {
            assertThat(w.labels()).as("%s: %s pods", r, w.obj().id()).containsKeys("app.kubernetes.io/component",
                    "app.kubernetes.io/instance", "helm.sh/chart");
        }
    }

    @Test
    void theChartsAppVersionIsTheProjectsRelease() {
        assertThat(HelmChart.load(HelmChart.file("Chart.yaml")).get("appVersion")).isEqualTo(ProjectVersion.release());
    }

    @Test
    void selfSignedSkipsVerificationAndTheOtherModesGiveTheCa() {
        for (Manifests.Obj o : render("chart with values.yaml").ofKind("APIService")) {
            V1APIService a = render("chart with values.yaml").model(o, V1APIService.class);
            assertThat(a.getSpec().getInsecureSkipTLSVerify()).as(o.id()).isTrue();
            assertThat(a.getSpec().getCaBundle()).as(o.id()).isNull();
            assertThat(a.getMetadata().getAnnotations()).as(o.id()).isNullOrEmpty();
        }
        assertThat(adapterArgs(render("chart with values.yaml"))).noneMatch(a -> a.startsWith("--tls-"));
        for (String name : List.of("chart with values-prod.yaml", "cert-manager with a ClusterIssuer")) {
            KustomizeRender r = render(name);
            for (Manifests.Obj o : r.ofKind("APIService")) {
                V1APIService a = r.model(o, V1APIService.class);
                assertThat(a.getSpec().getInsecureSkipTLSVerify()).as("%s: %s", name, o.id()).isNull();
                assertThat(a.getMetadata().getAnnotations()).as("%s: %s", name, o.id())
                        .containsExactly(Map.entry("cert-manager.io/inject-ca-from",
                                HelmChart.NAMESPACE + "/gpuscale-adapter-serving"));
            }
            assertThat(adapterArgs(r)).contains("--tls-cert-file=/etc/gpuscale/serving/tls.crt",
                    "--tls-private-key-file=/etc/gpuscale/serving/tls.key");
            assertThat(r.get("Certificate", "gpuscale-adapter-serving").map("spec").get("secretName"))
                    .isEqualTo("gpuscale-adapter-serving");
        }
        KustomizeRender corp = render("cert-manager with a ClusterIssuer");
        assertThat(corp.get("Certificate", "gpuscale-adapter-serving").map("spec", "issuerRef"))
                .containsEntry("kind", "ClusterIssuer").containsEntry("name", "corp-ca");
        assertThat(corp.ofKind("Issuer")).as("no CA chain of the chart's own").isEmpty();
        assertThat(corp.find("Certificate", "gpuscale-ca")).isEmpty();

        KustomizeRender own = render("existing Secret, Prometheus backend, no RuntimeClass, private registry");
        for (Manifests.Obj o : own.ofKind("APIService")) {
            V1APIService a = own.model(o, V1APIService.class);
            assertThat(a.getSpec().getInsecureSkipTLSVerify()).as(o.id()).isNull();
            assertThat(new String(a.getSpec().getCaBundle(), StandardCharsets.US_ASCII)).as(o.id()).isEqualTo(CA_BUNDLE);
        }
        assertThat(own.ofKind("Certificate")).isEmpty();
        assertThat(own.adapter().getSpec().getTemplate().getSpec().getVolumes())
                .anySatisfy(v -> assertThat(v.getSecret()).isNotNull()
                        .satisfies(s -> assertThat(s.getSecretName()).isEqualTo("gpuscale-adapter-tls")));
        assertThat(Base64.getEncoder().encodeToString(CA_BUNDLE.getBytes(StandardCharsets.US_ASCII)))
                .as("the raw caBundle in the YAML").isEqualTo(own.get("APIService", "v1beta2.custom.metrics.k8s.io")
                        .map("spec").get("caBundle"));
    }

    @Test
    void logFormatIsAValueOfEachComponent() {
        KustomizeRender json = HelmChart.render("json logs", "values.yaml", """
                adapter: {logFormat: json}
                agent: {logFormat: json}
                """);
        assertThat(json.workloads()).hasSize(2);
        for (KustomizeRender.Workload w : json.workloads()) {
            assertThat(w.template().getSpec().getContainers().get(0).getArgs()).as(w.obj().id())
                    .filteredOn(a -> a.startsWith("--log-format")).containsExactly("--log-format=json");
        }
        for (KustomizeRender.Workload w : render("chart with values.yaml").workloads()) {
            assertThat(w.template().getSpec().getContainers().get(0).getArgs()).as(w.obj().id())
                    .contains("--log-format=text");
        }
    }

    @Test
    void oneAdapterReplicaRendersNoDisruptionBudget() {
        KustomizeRender dev = render("dev-like");
        assertThat(dev.adapter().getSpec().getReplicas()).isEqualTo(1);
        assertThat(dev.ofKind("PodDisruptionBudget")).as("a PDB of minAvailable 1 over one replica blocks every drain")
                .isEmpty();
        for (KustomizeRender.Workload w : dev.workloads()) {
            assertThat(w.template().getSpec().getContainers().get(0).getArgs()).contains("--log-level=debug");
        }
        assertThat(render("chart with values.yaml").find("PodDisruptionBudget", "gpuscale-adapter")).isPresent();
    }

    @Test
    void theHomeLabRunsTheExtenderOnAFixedClusterIpOpenToMainpcAlone() {
        KustomizeRender lab = render("chart with values-k3s-home-lab.yaml");
        V1Service svc = lab.model(lab.get("Service", "gpuscale-adapter"), V1Service.class);
        assertThat(svc.getSpec().getClusterIP()).isEqualTo("10.43.200.200");
        assertThat(svc.getSpec().getPorts()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("scheduler-extender");
            assertThat(p.getPort()).isEqualTo(8888);
        });
        assertThat(adapterArgs(lab)).contains("--scheduler-extender-port=8888")
                .noneMatch(a -> a.startsWith("--scheduler-extender-client-ca-file"));
        V1NetworkPolicy ext = lab.model(lab.get("NetworkPolicy", "gpuscale-adapter-scheduler-extender"),
                V1NetworkPolicy.class);
        assertThat(ext.getSpec().getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getFrom()).singleElement().satisfies(p -> assertThat(p.getIpBlock().getCidr())
                    .isEqualTo("10.42.0.0/31"));
            assertThat(rule.getPorts()).extracting(p -> p.getPort().getIntValue()).containsExactly(8888);
        });
        V1PodSpec agent = lab.agent().getSpec().getTemplate().getSpec();
        assertThat(agent.getRuntimeClassName()).isEqualTo("nvidia");
        assertThat(agent.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()).singleElement().satisfies(t -> assertThat(t.getMatchExpressions())
                        .singleElement().satisfies(e -> assertThat(e.getKey()).isEqualTo("gpuscale.io/gpu")));
        assertThat(lab.ofKind("ServiceMonitor")).extracting(Manifests.Obj::name)
                .containsExactlyInAnyOrder("gpuscale-agent", "gpuscale-adapter");
        assertThat(lab.find("ConfigMap", "gpuscale-dashboard")).isPresent();
        // without the extender, no port, no policy, no fixed address
        KustomizeRender base = render("chart with values.yaml");
        assertThat(base.find("NetworkPolicy", "gpuscale-adapter-scheduler-extender")).isEmpty();
        assertThat(base.model(base.get("Service", "gpuscale-adapter"), V1Service.class).getSpec().getClusterIP()).isNull();
        assertThat(adapterArgs(base)).noneMatch(a -> a.startsWith("--scheduler-extender"));
        assertThat(base.ofKind("ServiceMonitor")).as("the defaults need no Prometheus Operator").isEmpty();
        assertThat(base.ofKind("PrometheusRule")).isEmpty();
    }

    @Test
    void theOptionsReachTheObjects() {
        KustomizeRender mtls = render("extender with mTLS, external metrics, narrowed API port");
        assertThat(adapterArgs(mtls)).contains("--scheduler-extender-port=8888", "--enable-external-metrics",
                "--scheduler-extender-client-ca-file=/etc/gpuscale/scheduler-client-ca/ca.crt",
                "--scheduler-extender-allowed-names=kube-scheduler");
        assertThat(mtls.find("APIService", "v1beta1.external.metrics.k8s.io")).isPresent();
        V1NetworkPolicy adapter = mtls.model(mtls.get("NetworkPolicy", "gpuscale-adapter"), V1NetworkPolicy.class);
        assertThat(adapter.getSpec().getIngress().get(0).getFrom()).extracting(p -> p.getIpBlock().getCidr())
                .containsExactly("10.0.0.0/24", "10.0.1.0/24");
        assertThat(render("chart with values.yaml").find("APIService", "v1beta1.external.metrics.k8s.io")).isEmpty();

        KustomizeRender own = render("existing Secret, Prometheus backend, no RuntimeClass, private registry");
        assertThat(adapterArgs(own)).contains("--prometheus=http://prometheus-operated.monitoring.svc:9090",
                "--prometheus-timeout=10s", "--max-age=30s", "--gpu-policy=spread")
                .noneMatch(a -> a.startsWith("--agent-service"));
        assertThat(adapterArgs(render("chart with values.yaml")))
                .noneMatch(a -> a.startsWith("--prometheus") || a.startsWith("--max-age"));
        V1PodSpec agent = own.agent().getSpec().getTemplate().getSpec();
        assertThat(agent.getRuntimeClassName()).isNull();
        assertThat(agent.getContainers().get(0).getArgs()).endsWith("--pod-attribution=false");
        for (KustomizeRender.Workload w : own.workloads()) {
            assertThat(w.template().getSpec().getImagePullSecrets()).singleElement()
                    .satisfies(s -> assertThat(s.getName()).isEqualTo("regcred"));
            assertThat(w.template().getSpec().getContainers().get(0).getImage())
                    .startsWith("registry.example.com/mirror/gpuscale/gpuscale-").endsWith(":0.1.0-rc1");
        }

        KustomizeRender noNs = HelmChart.render("no namespace", "values.yaml", "namespace: {create: false}\n");
        assertThat(noNs.ofKind("Namespace")).isEmpty();
        // helm install stores the release in its namespace before it creates anything, so the chart
        // cannot make its own release namespace: by default it leaves it to the installer.
        String installed = new com.marcnuri.helm.Helm(HelmChart.dir()).template().withName(HelmChart.RELEASE)
                .withNamespace(HelmChart.NAMESPACE).withKubeVersion(HelmChart.KUBE_VERSION).call();
        assertThat(Manifests.parse(installed)).noneMatch(o -> "Namespace".equals(o.kind()));
        KustomizeRender noPolicies = HelmChart.render("no policies", "values.yaml",
                "networkPolicy: {enabled: false}\nschedulerExtender: {enabled: true}\n");
        assertThat(noPolicies.ofKind("NetworkPolicy")).isEmpty();
    }

    private static List<String> adapterArgs(KustomizeRender r) {
        V1Container c = r.adapter().getSpec().getTemplate().getSpec().getContainers().get(0);
        return c.getArgs();
    }
}
