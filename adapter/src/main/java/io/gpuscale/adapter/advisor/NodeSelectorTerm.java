package io.gpuscale.adapter.advisor;

import io.kubernetes.client.openapi.models.V1NodeSelectorRequirement;
import io.kubernetes.client.openapi.models.V1NodeSelectorTerm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One {@code nodeSelectorTerm}, parsed once per request with the rules of
 * {@code component-helpers/scheduling/corev1/nodeaffinity} and {@code apimachinery/pkg/labels}:
 * its matchExpressions and matchFields are ANDed; a term that fails to parse (a bad key or value,
 * the wrong number of values, a Gt/Lt value that is not an integer, an unknown operator) matches
 * no node, and the error is otherwise ignored, as kube-scheduler does.
 */
final class NodeSelectorTerm {
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Pattern NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    enum Op { IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GT, LT }

    /** One parsed requirement on a label (or, for fields, on {@code metadata.name}). */
    record Requirement(String key, Op op, Set<String> values, long number, String text) {
        boolean matches(Map<String, String> labels) {
            return matchesValue(labels.get(key));
        }

        /** Whether a node whose value for {@link #key} is {@code v} (null: the node lacks the key) matches. */
        boolean matchesValue(String v) {
            switch (op) {
                case IN:
                    return v != null && values.contains(v);
                case NOT_IN:
                    return v == null || !values.contains(v);
                case EXISTS:
                    return v != null;
                case DOES_NOT_EXIST:
                    return v == null;
                default:
                    if (v == null) {
                        return false;
                    }
                    long have;
                    try {
                        have = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        return false;
                    }
                    return op == Op.GT ? have > number : have < number;
            }
        }

        boolean matchesField(String nodeName) {
            String v = "metadata.name".equals(key) ? nodeName : "";
            String wanted = values.iterator().next();
            return op == Op.IN ? v.equals(wanted) : !v.equals(wanted);
        }
    }

    final List<Requirement> labels;
    final List<Requirement> fields;
    /** Why the term cannot match anything, or null when it parsed. */
    final String parseError;

    private NodeSelectorTerm(List<Requirement> labels, List<Requirement> fields, String parseError) {
        this.labels = labels;
        this.fields = fields;
        this.parseError = parseError;
    }

    /** True for a term with neither matchExpressions nor matchFields: kube-scheduler drops it. */
    static boolean isEmpty(V1NodeSelectorTerm term) {
        return term == null || ((term.getMatchExpressions() == null || term.getMatchExpressions().isEmpty())
                && (term.getMatchFields() == null || term.getMatchFields().isEmpty()));
    }

    static NodeSelectorTerm parse(V1NodeSelectorTerm term) {
        List<Requirement> labels = new ArrayList<>();
        List<Requirement> fields = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        if (term.getMatchExpressions() != null) {
            for (V1NodeSelectorRequirement r : term.getMatchExpressions()) {
                Requirement parsed = label(r, errors);
                if (parsed != null) {
                    labels.add(parsed);
                }
            }
        }
        if (term.getMatchFields() != null) {
            for (V1NodeSelectorRequirement r : term.getMatchFields()) {
                Requirement parsed = field(r, errors);
                if (parsed != null) {
                    fields.add(parsed);
                }
            }
        }
        return new NodeSelectorTerm(List.copyOf(labels), List.copyOf(fields),
                errors.isEmpty() ? null : String.join("; ", errors));
    }

    boolean matches(Map<String, String> nodeLabels, String nodeName) {
        if (parseError != null) {
            return false;
        }
        for (Requirement r : labels) {
            if (!r.matches(nodeLabels)) {
                return false;
            }
        }
        for (Requirement r : fields) {
            if (!r.matchesField(nodeName)) {
                return false;
            }
        }
        return true;
    }

    /** Why this term does not match the node: its parse error or its first failing requirement. */
    String whyNot(Map<String, String> nodeLabels, String nodeName) {
        if (parseError != null) {
            return "cannot match any node: " + parseError;
        }
        for (Requirement r : labels) {
            if (!r.matches(nodeLabels)) {
                String have = nodeLabels.get(r.key());
                return r.text() + " (node has " + (have == null ? "no label " + r.key() : r.key() + "=" + have) + ")";
            }
        }
        for (Requirement r : fields) {
            if (!r.matchesField(nodeName)) {
                return r.text() + " (node is " + nodeName + ")";
            }
        }
        return "matches";
    }

    /** This term against the index's label dictionary, for one request (under the index's read lock). */
    Compiled compile(LabelDictionary dictionary) {
        return new Compiled(this, dictionary);
    }

    /**
     * A term compiled against a {@link LabelDictionary}: each label requirement becomes its key's
     * number and, per value number of that key, whether a node with that value matches, worked
     * out once per request from the distinct values rather than once per node. A node then
     * matches by reading its label array ({@link IndexedNode#labelIds}); the outcome is exactly
     * {@link NodeSelectorTerm#matches}'s, which the tests check on random clusters.
     */
    static final class Compiled {
        final NodeSelectorTerm term;
        private final int[] keys;
        /** Per label requirement and value number, whether it matches; null: {@link #whenPresent} for every value. */
        private final boolean[][] accepts;
        private final boolean[] whenPresent;
        private final boolean[] whenAbsent;

        private Compiled(NodeSelectorTerm term, LabelDictionary dictionary) {
            this.term = term;
            int n = term.labels.size();
            this.keys = new int[n];
            this.accepts = new boolean[n][];
            this.whenPresent = new boolean[n];
            this.whenAbsent = new boolean[n];
            for (int i = 0; i < n; i++) {
                Requirement r = term.labels.get(i);
                int key = dictionary.keyId(r.key());
                keys[i] = key;
                whenAbsent[i] = r.matchesValue(null);
                if (key == LabelDictionary.ABSENT) {
                    continue; // no node has the key: every node takes whenAbsent
                }
                switch (r.op()) {
                    case EXISTS, DOES_NOT_EXIST -> whenPresent[i] = r.op() == Op.EXISTS;
                    case IN, NOT_IN -> {
                        boolean[] a = new boolean[dictionary.valueBound(key)];
                        if (r.op() == Op.NOT_IN) {
                            java.util.Arrays.fill(a, true);
                        }
                        for (String v : r.values()) {
                            int id = dictionary.valueId(key, v);
                            if (id != LabelDictionary.ABSENT) {
                                a[id] = r.op() == Op.IN;
                            }
                        }
                        accepts[i] = a;
                    }
                    default -> { // Gt, Lt: each distinct value parsed once
                        boolean[] a = new boolean[dictionary.valueBound(key)];
                        for (int id = 0; id < a.length; id++) {
                            String v = dictionary.value(key, id);
                            a[id] = v != null && r.matchesValue(v);
                        }
                        accepts[i] = a;
                    }
                }
            }
        }

        /** The key number of label requirement {@code i}, {@link LabelDictionary#ABSENT} when no node has it. */
        int key(int i) {
            return keys[i];
        }

        /**
         * The index of the first label requirement the node fails, or -1 when it meets them all
         * (its fields and a parse error are not looked at).
         */
        int firstFailingLabel(int[] labelIds) {
            for (int i = 0; i < keys.length; i++) {
                int v = valueOf(labelIds, keys[i]);
                boolean ok = v == LabelDictionary.ABSENT ? whenAbsent[i]
                        : accepts[i] == null ? whenPresent[i] : accepts[i][v];
                if (!ok) {
                    return i;
                }
            }
            return -1;
        }

        boolean matches(int[] labelIds, String nodeName) {
            if (term.parseError != null || firstFailingLabel(labelIds) >= 0) {
                return false;
            }
            for (Requirement r : term.fields) {
                if (!r.matchesField(nodeName)) {
                    return false;
                }
            }
            return true;
        }

        /** A node's value number for a key number, {@link LabelDictionary#ABSENT} when it lacks the key. */
        static int valueOf(int[] labelIds, int key) {
            return key >= 0 && key < labelIds.length ? labelIds[key] : LabelDictionary.ABSENT;
        }
    }

    private static Requirement label(V1NodeSelectorRequirement r, List<String> errors) {
        String key = r.getKey() == null ? "" : r.getKey();
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        String operator = r.getOperator() == null ? "" : r.getOperator();
        String text = key + " " + operator + (values.isEmpty() ? "" : " " + values);
        int before = errors.size();
        Op op = switch (operator) {
            case "In" -> Op.IN;
            case "NotIn" -> Op.NOT_IN;
            case "Exists" -> Op.EXISTS;
            case "DoesNotExist" -> Op.DOES_NOT_EXIST;
            case "Gt" -> Op.GT;
            case "Lt" -> Op.LT;
            default -> null;
        };
        if (op == null) {
            errors.add("\"" + operator + "\" is not a valid node selector operator");
            return null;
        }
        if (!validKey(key)) {
            errors.add("invalid label key \"" + key + "\"");
        }
        long number = 0;
        switch (op) {
            case IN, NOT_IN -> {
                if (values.isEmpty()) {
                    errors.add(text + ": for 'in', 'notin' operators, values set can't be empty");
                }
            }
            case EXISTS, DOES_NOT_EXIST -> {
                if (!values.isEmpty()) {
                    errors.add(text + ": values set must be empty for exists and does not exist");
                }
            }
            default -> {
                if (values.size() != 1) {
                    errors.add(text + ": exactly one value is required for 'Gt', 'Lt' operators");
                }
                for (String v : values) {
                    try {
                        number = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        errors.add(text + ": for 'Gt', 'Lt' operators, the value must be an integer");
                    }
                }
            }
        }
        for (String v : values) {
            if (v.length() > 63 || !LABEL_VALUE.matcher(v).matches()) {
                errors.add(text + ": invalid label value \"" + v + "\"");
            }
        }
        return errors.size() > before ? null : new Requirement(key, op, Set.copyOf(values), number, text);
    }

    private static Requirement field(V1NodeSelectorRequirement r, List<String> errors) {
        String key = r.getKey() == null ? "" : r.getKey();
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        String operator = r.getOperator() == null ? "" : r.getOperator();
        String text = "field " + key + " " + operator + " " + values;
        Op op = switch (operator) {
            case "In" -> Op.IN;
            case "NotIn" -> Op.NOT_IN;
            default -> null;
        };
        if (op == null) {
            errors.add(text + ": operator \"" + operator + "\" is not supported for matchFields");
            return null;
        }
        if (values.size() != 1) {
            errors.add(text + ": must have one element");
            return null;
        }
        return new Requirement(key, op, Set.copyOf(values), 0, text);
    }

    /** {@code validation.IsQualifiedName}: an optional DNS-subdomain prefix (≤ 253) and a name (≤ 63). */
    static boolean validKey(String key) {
        int slash = key.indexOf('/');
        String name = key;
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
                return false;
            }
        }
        return !name.isEmpty() && name.length() <= 63 && NAME_PART.matcher(name).matches();
    }
}
