package io.gpuscale.adapter.api;

import io.gpuscale.adapter.selector.LabelSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A selector written as a {@code metav1.LabelSelector}, as Kubernetes' {@code ParseToLabelSelector}
 * turns the string form into one: {@code k=v} and {@code k==v} into {@code matchLabels}; {@code in},
 * {@code notin}, exists and {@code !k} into {@code matchExpressions}; {@code k!=v} as {@code NotIn (v)};
 * {@code k>N} and {@code k<N}, which metav1 cannot express, as {@code Gt}/{@code Lt} expressions.
 * Empty parts are left out; the empty selector is written as {@code null}.
 */
final class SelectorJson {
    private SelectorJson() {
    }

    static void write(JsonText json, LabelSelector selector) {
        if (selector == null || selector.isEmpty()) {
            json.nullValue();
            return;
        }
        Map<String, String> matchLabels = new TreeMap<>();
        List<LabelSelector.Requirement> expressions = new ArrayList<>();
        for (LabelSelector.Requirement r : selector.requirements()) {
            if (r.operator() == LabelSelector.Operator.EQUALS && r.values().size() == 1
                    && !matchLabels.containsKey(r.key())) {
                matchLabels.put(r.key(), r.values().iterator().next());
            } else {
                expressions.add(r);
            }
        }
        json.begin();
        if (!matchLabels.isEmpty()) {
            json.key("matchLabels").begin();
            matchLabels.forEach(json::field);
            json.end();
        }
        if (!expressions.isEmpty()) {
            json.key("matchExpressions").beginArray();
            for (LabelSelector.Requirement r : expressions) {
                json.begin().field("key", r.key()).field("operator", operator(r.operator()));
                if (!r.values().isEmpty()) {
                    json.key("values").beginArray();
                    r.values().stream().sorted().forEach(json::value);
                    json.endArray();
                }
                json.end();
            }
            json.endArray();
        }
        json.end();
    }

    private static String operator(LabelSelector.Operator op) {
        return switch (op) {
            case EQUALS, IN -> "In";
            case NOT_EQUALS, NOT_IN -> "NotIn";
            case EXISTS -> "Exists";
            case DOES_NOT_EXIST -> "DoesNotExist";
            // operators a metav1.LabelSelector cannot express (k>N, k<N; the HPA never sends them):
            // echoed in node-affinity words
            default -> op.name().startsWith("GREATER") ? "Gt" : op.name().startsWith("LESS") ? "Lt" : op.name();
        };
    }
}
