package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** values.yaml is documented and values.schema.json rejects what the chart cannot use, naming the value. */
class HelmValuesTest {
    /**
     * A bad value in a user's values file is refused by values.schema.json, with Helm's message
     * naming where it is (a JSON pointer such as /tls/mode).
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            tls.mode                         | bogus              | /tls/mode
            adapter.replicas                 | two                | /adapter/replicas
            adapter.replicas                 | 0                  | /adapter/replicas
            adapter.logLevel                 | trace              | /adapter/logLevel
            agent.logLevel                   | loud               | /agent/logLevel
            adapter.logFormat                | xml                | /adapter/logFormat
            agent.logFormat                  | logfmt             | /agent/logFormat
            agent.interval                   | 1 sec              | /agent/interval
            image.pullPolicy                 | Maybe              | /image/pullPolicy
            schedulerExtender.port           | 70000              | /schedulerExtender/port
            networkPolicy.apiServerCIDRs     | [10.0.0.1]         | /networkPolicy/apiServerCIDRs/0
            agent.extraArgs                  | [listen=:1]        | /agent/extraArgs/0
            adapter.prometheusUrl            | prometheus:9090    | /adapter/prometheusUrl
            adapter.prometheusTimeout        | 2 seconds          | /adapter/prometheusTimeout
            adapter.prometheusMaxAge         | 1.5m               | /adapter/prometheusMaxAge
            adapter.replica                  | 2                  | replica
            """)
    void theSchemaRejectsABadValueNamingIt(String key, String value, String named) {
        StringBuilder yaml = new StringBuilder();
        String[] parts = key.split("\\.");
        for (int i = 0; i < parts.length; i++) {
            yaml.append("  ".repeat(i)).append(parts[i]).append(':')
                    .append(i == parts.length - 1 ? " " + value : "").append('\n');
        }
        assertThatThrownBy(() -> HelmChart.render(key + "=" + value, "values.yaml", yaml.toString()))
                .hasMessageContaining("schema")
                .hasMessageContaining(named);
    }

    @Test
    void combinationsTheSchemaCannotExpressFailWithOneLineNamingTheValues() {
        assertThatThrownBy(() -> HelmChart.template("values.yaml", Map.of("tls.mode", "existingSecret")))
                .hasMessageContaining("tls.mode=existingSecret needs tls.existingSecret.name");
        assertThatThrownBy(() -> HelmChart.template("values.yaml", Map.of("tls.mode", "existingSecret",
                "tls.existingSecret.name", "s", "tls.existingSecret.caBundle", "Zm9v")))
                .hasMessageContaining("tls.existingSecret.caBundle is not a PEM certificate");
        assertThatThrownBy(() -> HelmChart.template("values.yaml", Map.of("schedulerExtender.enabled", "true")))
                .hasMessageContaining("needs schedulerExtender.allowedCIDRs");
        assertThatThrownBy(() -> HelmChart.template("values.yaml", Map.of("schedulerExtender.mtls.enabled", "true")))
                .hasMessageContaining("schedulerExtender.mtls.enabled needs schedulerExtender.enabled");
        assertThatThrownBy(() -> HelmChart.render("port clash", "values-k3s-home-lab.yaml",
                "adapter: {metricsPort: 8888}\n"))
                .hasMessageContaining("schedulerExtender.port and adapter.metricsPort are both 8888");
        assertThatThrownBy(() -> HelmChart.template("values.yaml", Map.of("adapter.pdb.minAvailable", "2")))
                .hasMessageContaining("adapter.pdb.minAvailable=2 with adapter.replicas=2 would block every node drain");
    }

    @Test
    void everyProfileKeyIsAValueOfValuesYaml() {
        Map<String, Object> defaults = HelmChart.load(HelmChart.file("values.yaml"));
        for (String profile : HelmChart.PROFILES) {
            List<String> unknown = new ArrayList<>();
            unknownKeys("", defaults, HelmChart.load(HelmChart.file(profile)), unknown);
            assertThat(unknown).as("keys of %s not in values.yaml", profile).isEmpty();
        }
    }

    /**
     * Every value of values.yaml (every key of an object the schema defines, where it requires all
     * keys; not the keys inside a free-form default such as resources or labels) has a comment of its own: on the lines just above it, or
     * after it on its line. And every key the schema defines is in values.yaml.
     */
    @Test
    void everyValueIsDocumented() throws IOException {
        JsonObject schema = JsonParser.parseString(Files.readString(HelmChart.file("values.schema.json")))
                .getAsJsonObject();
        List<String> lines = Files.readAllLines(HelmChart.file("values.yaml"));
        List<String> undocumented = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        Deque<int[]> indents = new ArrayDeque<>();
        Deque<String> path = new ArrayDeque<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int indent = line.length() - line.stripLeading().length();
            while (!indents.isEmpty() && indents.peek()[0] >= indent) {
                indents.pop();
                path.pop();
            }
            if (trimmed.startsWith("- ") || !trimmed.matches("[A-Za-z0-9_.\"/-]+:( .*)?")) {
                continue; // a list item, or inside one: part of its key's value
            }
            String key = trimmed.substring(0, trimmed.indexOf(':'));
            List<String> keys = new ArrayList<>(path);
            java.util.Collections.reverse(keys);
            keys.add(key);
            indents.push(new int[] {indent});
            path.push(key);
            if (definedBySchema(schema, keys)) {
                seen.add(String.join(".", keys));
                boolean commented = trimmed.contains(" # ") || lines.get(i - 1).strip().startsWith("#");
                if (!commented) {
                    undocumented.add((i + 1) + ": " + String.join(".", keys));
                }
            }
        }
        assertThat(undocumented).as("values.yaml values without a comment").isEmpty();
        List<String> defined = new ArrayList<>();
        schemaKeys("", schema, defined);
        assertThat(seen).as("values.yaml holds every value the schema defines").containsExactlyInAnyOrderElementsOf(defined);
    }

    private static boolean definedBySchema(JsonObject schema, List<String> keys) {
        JsonObject node = schema;
        for (String k : keys) {
            if (!required(node).contains(k)) {
                return false;
            }
            node = node.getAsJsonObject("properties").getAsJsonObject(k);
        }
        return true;
    }

    private static void schemaKeys(String prefix, JsonObject node, List<String> out) {
        for (String k : required(node)) {
            out.add(prefix + k);
            schemaKeys(prefix + k + ".", node.getAsJsonObject("properties").getAsJsonObject(k), out);
        }
    }

    /** The keys of an object the chart defines (the schema requires them all); none for free-form data. */
    private static List<String> required(JsonObject node) {
        List<String> out = new ArrayList<>();
        if (node.has("required")) {
            node.getAsJsonArray("required").forEach(e -> out.add(e.getAsString()));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void unknownKeys(String prefix, Map<String, Object> known, Map<String, Object> given,
            List<String> out) {
        for (Map.Entry<String, Object> e : given.entrySet()) {
            String key = prefix + e.getKey();
            if (!known.containsKey(e.getKey())) {
                out.add(key);
            } else if (known.get(e.getKey()) instanceof Map<?, ?> k && e.getValue() instanceof Map<?, ?> g
                    && !k.isEmpty()) {
                unknownKeys(key + ".", (Map<String, Object>) k, (Map<String, Object>) g, out);
            }
        }
    }
}
