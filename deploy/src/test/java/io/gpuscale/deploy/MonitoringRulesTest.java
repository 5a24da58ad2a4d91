package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PrometheusRule's groups pass {@code promtool check rules}, and {@code promtool test rules}
 * with deploy/monitoring/tests/*.yaml, which must hold a firing and a not-firing case of every alert.
 */
class MonitoringRulesTest {
    private static final Pattern RUNBOOK = Pattern.compile("docs/operations\\.md#([a-z0-9-]+)");

    @TempDir
    Path dir;

    private static List<Path> testFiles() throws IOException {
        try (Stream<Path> s = Files.list(MonitoringRules.monitoring().resolve("tests"))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void promtoolChecksTheRules() throws IOException {
        Path rules = MonitoringRules.writeRuleFile(dir);
        Manifests.Result r = Manifests.run(List.of(MonitoringRules.promtool(), "check", "rules", rules.toString()));
        assertThat(r.exit()).as("promtool check rules:\n%s\n%s", r.out(), r.err()).isZero();
        assertThat(r.out()).contains("SUCCESS: " + MonitoringRules.rules().size() + " rules found");
    }

    @Test
    void promtoolUnitTestsPass() throws IOException {
        MonitoringRules.writeRuleFile(dir);
        List<String> command = new ArrayList<>(List.of(MonitoringRules.promtool(), "test", "rules"));
        for (Path t : testFiles()) {
            Files.copy(t, dir.resolve(t.getFileName()));
            command.add(dir.resolve(t.getFileName()).toString());
        }
        assertThat(command).hasSizeGreaterThan(3);
        Manifests.Result r = Manifests.run(command);
        assertThat(r.exit()).as("promtool test rules:\n%s\n%s", r.out(), r.err()).isZero();
        assertThat(r.err() + r.out()).doesNotContain("FAILED");
    }

    /** Alert name → [has a firing case, has a not-firing case], from every test file. */
    @SuppressWarnings("unchecked")
    private static Map<String, boolean[]> cases() throws IOException {
        Map<String, boolean[]> cases = new LinkedHashMap<>();
        for (Path t : testFiles()) {
            Map<String, Object> file = (Map<String, Object>) MonitoringRules.loadYaml(t);
            assertThat((List<String>) file.get("rule_files")).as("%s: rule_files", t.getFileName())
                    .containsExactly(MonitoringRules.RULE_FILE);
            for (Map<String, Object> test : (List<Map<String, Object>>) file.get("tests")) {
                for (Map<String, Object> c : (List<Map<String, Object>>) test.getOrDefault("alert_rule_test",
                        List.of())) {
                    boolean[] seen = cases.computeIfAbsent((String) c.get("alertname"), k -> new boolean[2]);
                    List<?> expected = (List<?>) c.get("exp_alerts");
                    seen[expected == null || expected.isEmpty() ? 1 : 0] = true;
                }
            }
        }
        return cases;
    }

    @Test
    void everyAlertHasAFiringAndANotFiringUnitTest() throws IOException {
        Map<String, boolean[]> cases = cases();
        List<String> missing = new ArrayList<>();
        for (MonitoringRules.Rule a : MonitoringRules.alerts()) {
            boolean[] seen = cases.getOrDefault(a.alert(), new boolean[2]);
            if (!seen[0]) {
                missing.add(a.alert() + " (no case where it fires)");
            }
            if (!seen[1]) {
                missing.add(a.alert() + " (no case where it does not fire)");
            }
        }
        assertThat(missing).as("alerts without unit tests in deploy/monitoring/tests/").isEmpty();
        assertThat(cases.keySet()).as("unit tests of alerts that do not exist")
                .isSubsetOf(MonitoringRules.alerts().stream().map(MonitoringRules.Rule::alert).toList());
    }

    @Test
    void everyAlertHasSeveritySummaryDescriptionAndRunbook() {
        Set<String> names = new HashSet<>();
        for (MonitoringRules.Rule a : MonitoringRules.alerts()) {
            assertThat(names.add(a.alert())).as("alert %s defined twice", a.alert()).isTrue();
            assertThat(a.alert()).as("alert names").startsWith("Gpuscale");
            assertThat(a.labels().get("severity")).as("%s severity", a.alert()).isIn("warning", "critical");
            assertThat(a.annotations()).as("%s annotations", a.alert())
                    .containsKeys("summary", "description", "runbook");
            String runbook = String.valueOf(a.annotations().get("runbook"));
            Matcher m = RUNBOOK.matcher(runbook);
            assertThat(m.matches()).as("%s runbook %s: docs/operations.md#anchor", a.alert(), runbook).isTrue();
            assertThat(m.group(1)).as("%s runbook anchor: the alert's name as a heading", a.alert())
                    .isEqualTo(a.alert().toLowerCase(java.util.Locale.ROOT));
        }
        assertThat(names).contains("GpuscaleGpuHot", "GpuscaleGpuLost", "GpuscaleGpuXidErrors",
                "GpuscaleGpuMemoryNearlyFull", "GpuscaleGpuThrottled", "GpuscaleAgentDown",
                "GpuscalePodResourcesUnavailable", "GpuscaleAdapterDown", "GpuscaleAdapterDataStale",
                "GpuscaleMetricsAPIServiceUnavailable");
    }

    /** Once docs/operations.md exists, every runbook anchor must be one of its headings. */
    @Test
    void runbookAnchorsAreHeadingsOfOperationsMd() throws IOException {
        Path operations = Manifests.repo().resolve("docs/operations.md");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(operations),
                "docs/operations.md is written on another branch; checked here once they meet");
        Set<String> anchors = new HashSet<>();
        for (String line : Files.readAllLines(operations)) {
            if (line.startsWith("#")) {
                anchors.add(line.replaceFirst("^#+\\s*", "").strip().toLowerCase(java.util.Locale.ROOT)
                        .replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        for (MonitoringRules.Rule a : MonitoringRules.alerts()) {
            Matcher m = RUNBOOK.matcher(String.valueOf(a.annotations().get("runbook")));
            assertThat(m.matches()).isTrue();
            assertThat(anchors).as("docs/operations.md headings (runbook of %s)", a.alert()).contains(m.group(1));
        }
    }

    @Test
    void theAgentJobAndAdapterJobAreTheServicesNames() {
        List<String> up = MonitoringRules.alerts().stream().map(MonitoringRules.Rule::expr)
                .filter(e -> e.contains("up{")).toList();
        assertThat(String.join("\n", up)).contains("up{job=\"gpuscale-agent\"}", "up{job=\"gpuscale-adapter\"}");
    }
}
