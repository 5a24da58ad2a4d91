package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/monitoring as installed: the ServiceMonitors find base's Services and ports, the dashboard
 * ConfigMap is what the Grafana sidecar loads, the Component carries the same objects, and the
 * plain scrape config is valid Prometheus configuration with the ServiceMonitors' job names.
 */
class MonitoringManifestsTest {
    @TempDir
    Path dir;

    private static List<Manifests.Obj> monitoring() {
        return Manifests.parse(Manifests.kustomize(MonitoringRules.monitoring()));
    }

    private static Manifests.Obj find(List<Manifests.Obj> objects, String kind, String name) {
        return objects.stream().filter(o -> o.kind().equals(kind) && o.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + objects.stream()
                        .map(Manifests.Obj::id).toList()));
    }

    @Test
    void monitoringHoldsTheServiceMonitorsTheRuleAndTheDashboard() {
        List<Manifests.Obj> objects = monitoring();
        assertThat(objects).extracting(Manifests.Obj::id).containsExactlyInAnyOrder(
                "ServiceMonitor gpuscale-system/gpuscale-agent", "ServiceMonitor gpuscale-system/gpuscale-adapter",
                "PrometheusRule gpuscale-system/gpuscale", "ConfigMap gpuscale-system/gpuscale-dashboard");
        for (Manifests.Obj o : objects) {
            assertThat(o.map("metadata", "labels")).as("%s labels", o.id())
                    .containsEntry("app.kubernetes.io/part-of", "gpuscale");
        }
    }

    @SuppressWarnings("unchecked")
    @Test
    void eachServiceMonitorSelectsABaseServiceWithAMetricsPort() {
        List<Manifests.Obj> base = Manifests.parse(Manifests.kustomize(Manifests.deploy().resolve("base")));
        for (String name : List.of("gpuscale-agent", "gpuscale-adapter")) {
            Manifests.Obj monitor = find(monitoring(), "ServiceMonitor", name);
            Map<String, Object> selector = (Map<String, Object>) monitor.map("spec", "selector").get("matchLabels");
            List<Manifests.Obj> selected = base.stream().filter(o -> o.kind().equals("Service")
                    && ((Map<String, Object>) o.map("metadata").getOrDefault("labels", Map.of())).entrySet()
                            .containsAll(selector.entrySet())).toList();
            // One Service: the job label is the Service's name, which the alerts' up{job=...} match.
            assertThat(selected).as("Services %s selects", name).extracting(Manifests.Obj::name).containsExactly(name);
            Manifests.Obj service = selected.get(0);
            assertThat((List<String>) monitor.map("spec", "namespaceSelector").get("matchNames"))
                    .containsExactly(service.namespace());
            assertThat(monitor.map("spec").get("jobLabel")).as("%s: the job is the Service's name", name).isNull();
            List<Map<String, Object>> endpoints = (List<Map<String, Object>>) monitor.map("spec").get("endpoints");
            assertThat(endpoints).extracting(e -> e.get("port")).containsExactly("metrics");
            List<Map<String, Object>> ports = (List<Map<String, Object>>) service.map("spec").get("ports");
            assertThat(ports).extracting(p -> p.get("name")).as("%s ports", service.id()).contains("metrics");
        }
    }

    @Test
    void theDashboardConfigMapIsWhatTheGrafanaSidecarLoads() throws IOException {
        Manifests.Obj cm = find(monitoring(), "ConfigMap", "gpuscale-dashboard");
        assertThat(cm.map("metadata", "labels")).containsEntry("grafana_dashboard", "1");
        assertThat(cm.map("data")).containsOnlyKeys("gpuscale.json");
        assertThat(cm.map("data").get("gpuscale.json"))
                .isEqualTo(Files.readString(MonitoringRules.monitoring().resolve("dashboards/gpuscale.json")));
        assertThat(Manifests.decodeStrict(cm)).isNotNull();
    }

    @Test
    void theComponentAddsTheSameObjectsToBase() {
        Path overlay = dir.resolve("overlay");
        try {
            Files.createDirectories(overlay);
            Files.writeString(overlay.resolve("kustomization.yaml"), """
                    apiVersion: kustomize.config.k8s.io/v1beta1
                    kind: Kustomization
                    resources:
                      - %s
                    components:
                      - %s
                    """.formatted(overlay.relativize(Manifests.deploy().resolve("base")),
                    overlay.relativize(Manifests.deploy().resolve("components/monitoring"))));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(Manifests.deploy().resolve("components/monitoring/kustomization.yaml"))
                .content().contains("kind: Component");
        List<Manifests.Obj> withBase = Manifests.parse(Manifests.kustomize(overlay));
        List<Manifests.Obj> base = Manifests.parse(Manifests.kustomize(Manifests.deploy().resolve("base")));
        List<String> added = new ArrayList<>(withBase.stream().map(Manifests.Obj::id).toList());
        added.removeAll(base.stream().map(Manifests.Obj::id).toList());
        assertThat(added).containsExactlyInAnyOrderElementsOf(monitoring().stream().map(Manifests.Obj::id).toList());
    }

    @Test
    void theDashboardUsesTheDatasourceVariableAndFiltersByNodeGpuAndNamespace() throws IOException {
        JsonObject dash = JsonParser.parseString(Files.readString(
                MonitoringRules.monitoring().resolve("dashboards/gpuscale.json"))).getAsJsonObject();
        assertThat(dash.get("uid").getAsString()).isEqualTo("gpuscale");
        Map<String, String> variables = new LinkedHashMap<>();
        for (JsonElement v : dash.getAsJsonObject("templating").getAsJsonArray("list")) {
            variables.put(v.getAsJsonObject().get("name").getAsString(), v.getAsJsonObject().get("type").getAsString());
        }
        assertThat(variables).containsEntry("datasource", "datasource").containsEntry("node", "query")
                .containsEntry("gpu", "query").containsEntry("namespace", "query");
        Set<Integer> ids = new HashSet<>();
        List<MonitoringDashboard.Query> queries = MonitoringDashboard.queries();
        assertThat(queries).hasSizeGreaterThan(20);
        for (JsonElement p : dash.getAsJsonArray("panels")) {
            JsonObject panel = p.getAsJsonObject();
            assertThat(ids.add(panel.get("id").getAsInt())).as("panel id %s twice", panel.get("id")).isTrue();
            if (!panel.get("type").getAsString().equals("row")) {
                assertThat(panel.getAsJsonObject("datasource").get("uid").getAsString())
                        .as("panel %s datasource", panel.get("title")).isEqualTo("${datasource}");
            }
        }
        String all = String.join("\n", queries.stream().map(MonitoringDashboard.Query::expr).toList());
        assertThat(all).contains("node=~\"$node\"", "uuid=~\"$gpu\"", "namespace=~\"$namespace\"");
    }

    /**
     * Debian's Prometheus is built without Kubernetes service discovery, so promtool checks the
     * scrape config with each kubernetes_sd_configs replaced by a static target: the rest (relabeling,
     * intervals) is checked as Prometheus reads it; the discovery part is checked here.
     */
    @SuppressWarnings("unchecked")
    @Test
    void thePlainScrapeConfigIsValidAndMatchesTheServiceMonitors() throws IOException {
        Map<String, Object> config = (Map<String, Object>) MonitoringRules.loadYaml(
                MonitoringRules.monitoring().resolve("prometheus-scrape-config.yaml"));
        List<Map<String, Object>> jobs = (List<Map<String, Object>>) config.get("scrape_configs");
        assertThat(jobs).extracting(j -> j.get("job_name")).containsExactly("gpuscale-agent", "gpuscale-adapter");
        for (Map<String, Object> job : jobs) {
            List<Map<String, Object>> sd = (List<Map<String, Object>>) job.remove("kubernetes_sd_configs");
            assertThat(sd).as("%s discovery", job.get("job_name")).hasSize(1);
            assertThat(sd.get(0)).containsEntry("role", "endpointslice")
                    .containsEntry("namespaces", Map.of("names", List.of("gpuscale-system")));
            List<Map<String, Object>> relabel = (List<Map<String, Object>>) job.get("relabel_configs");
            assertThat(relabel.get(0)).containsEntry("action", "keep")
                    .containsEntry("source_labels", List.of("__meta_kubernetes_service_name",
                            "__meta_kubernetes_endpointslice_port_name"))
                    .containsEntry("regex", job.get("job_name") + ";metrics");
            job.put("static_configs", List.of(Map.of("targets", List.of("127.0.0.1:9"))));
        }
        assertThat(jobs.get(0)).containsEntry("honor_labels", true);
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Path file = dir.resolve("prometheus.yml");
        Files.writeString(file, new Yaml(options).dump(config));
        Manifests.Result r = Manifests.run(List.of(MonitoringRules.promtool(), "check", "config", file.toString()));
        assertThat(r.exit()).as("promtool check config:\n%s\n%s", r.out(), r.err()).isZero();
    }
}
