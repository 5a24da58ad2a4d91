package io.gpuscale.deploy;

import io.gpuscale.common.testing.PrometheusServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** deploy/monitoring's PrometheusRule as the tests read it: its groups, rules and alerts. */
final class MonitoringRules {
    /** What promtool's unit tests name the extracted rule file (tests/*.yaml: rule_files). */
    static final String RULE_FILE = "gpuscale-rules.yml";

    private MonitoringRules() {
    }

    static Path monitoring() {
        return Manifests.deploy().resolve("monitoring");
    }

    /** One alerting or recording rule, with the group it is in. */
    record Rule(String group, String alert, String record, String expr, Map<String, Object> labels,
            Map<String, Object> annotations) {
        String name() {
            return alert != null ? alert : record;
        }
    }

    /** The PrometheusRule object of prometheusrule.yaml. */
    static Manifests.Obj prometheusRule() {
        try {
            List<Manifests.Obj> objects = Manifests.parse(Files.readString(monitoring().resolve("prometheusrule.yaml")));
            if (objects.size() != 1 || !"PrometheusRule".equals(objects.get(0).kind())) {
                throw new AssertionError("prometheusrule.yaml must hold one PrometheusRule, not " + objects);
            }
            return objects.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** spec.groups, as a plain Prometheus rule file would hold them. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> groups() {
        return (List<Map<String, Object>>) prometheusRule().map("spec").get("groups");
    }

    @SuppressWarnings("unchecked")
    static List<Rule> rules() {
        List<Rule> out = new ArrayList<>();
        for (Map<String, Object> g : groups()) {
            for (Map<String, Object> r : (List<Map<String, Object>>) g.get("rules")) {
                out.add(new Rule((String) g.get("name"), (String) r.get("alert"), (String) r.get("record"),
                        String.valueOf(r.get("expr")), (Map<String, Object>) r.getOrDefault("labels", Map.of()),
                        (Map<String, Object>) r.getOrDefault("annotations", Map.of())));
            }
        }
        return out;
    }

    static List<Rule> alerts() {
        return rules().stream().filter(r -> r.alert() != null).toList();
    }

    /** Writes spec.groups to {@code dir}/gpuscale-rules.yml: the rule file promtool reads. */
    static Path writeRuleFile(Path dir) throws IOException {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setWidth(200);
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("groups", groups());
        Path out = dir.resolve(RULE_FILE);
        Files.writeString(out, new Yaml(options).dump(file));
        return out;
    }

    static Object loadYaml(Path file) {
        try {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String promtool() {
        return PrometheusServer.promtool();
    }
}
