package io.gpuscale.deploy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The PromQL of deploy/monitoring/dashboards/gpuscale.json: panel targets and template variables. */
final class MonitoringDashboard {
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\)");

    private MonitoringDashboard() {
    }

    /**
     * One query.
     *
     * @param where the panel's title and target, or the variable's name
     * @param expr the PromQL as Grafana holds it (with $variables)
     * @param label for a label_values() variable, the label it lists; else null
     */
    record Query(String where, String expr, String label) {
        /**
         * The query as Prometheus runs it for "All" on every variable: $node, $gpu, $namespace become
         * {@code .*}; Grafana's interval variables fixed lengths (the test scrapes every second).
         */
        String evaluable() {
            return expr.replace("$__rate_interval", "1m").replace("$__interval", "15s").replace("$__range", "5m")
                    .replaceAll("\\$\\{?[a-zA-Z_][a-zA-Z0-9_]*(:[a-z]+)?\\}?", ".*");
        }
    }

    static JsonObject json() {
        try {
            return JsonParser.parseString(Files.readString(MonitoringRules.monitoring()
                    .resolve("dashboards/gpuscale.json"))).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Query> queries() {
        JsonObject dash = json();
        List<Query> out = new ArrayList<>();
        for (JsonElement p : dash.getAsJsonArray("panels")) {
            JsonObject panel = p.getAsJsonObject();
            if (!panel.has("targets")) {
                continue;
            }
            for (JsonElement t : panel.getAsJsonArray("targets")) {
                JsonObject target = t.getAsJsonObject();
                out.add(new Query("panel '" + panel.get("title").getAsString() + "' target "
                        + target.get("refId").getAsString(), target.get("expr").getAsString(), null));
            }
        }
        for (JsonElement v : dash.getAsJsonObject("templating").getAsJsonArray("list")) {
            JsonObject variable = v.getAsJsonObject();
            if (!variable.get("type").getAsString().equals("query")) {
                continue;
            }
            String definition = variable.get("definition").getAsString();
            Matcher m = LABEL_VALUES.matcher(definition);
            if (!m.matches()) {
                throw new AssertionError("variable " + variable.get("name") + ": not label_values(SELECTOR, LABEL): "
                        + definition);
            }
            out.add(new Query("variable $" + variable.get("name").getAsString(), m.group(1), m.group(2)));
        }
        return out;
    }
}
