package io.gpuscale.adapter.selector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector in its string form, as {@code labelSelector=} and
 * {@code metricLabelSelector=} carry it: comma-separated requirements, each {@code key=value},
 * {@code key==value}, {@code key!=value}, {@code key in (a,b)}, {@code key notin (a,b)},
 * {@code key} (exists), {@code !key} (does not exist), {@code key>N} or {@code key<N} (the
 * label's value, read as an integer, is greater or less than N). Requirements are ANDed; the
 * empty selector matches everything. Spaces, tabs and line breaks may surround any token, as in
 * Kubernetes' {@code labels.Parse}, whose grammar and checks this follows. Immutable and
 * thread-safe.
 */
public final class LabelSelector {
    /** The longest selector accepted; longer input is refused rather than parsed. */
    public static final int MAX_LENGTH = 4096;
    private static final Pattern KEY = Pattern.compile(
            "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");

    public static final LabelSelector EVERYTHING = new LabelSelector(List.of(), "");

    /** One requirement on one key. */
    public enum Operator { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GREATER_THAN, LESS_THAN }

    public record Requirement(String key, Operator operator, Set<String> values) {
        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (operator) {
                case EQUALS, IN -> v != null && values.contains(v);
                case NOT_EQUALS, NOT_IN -> v == null || !values.contains(v);
                case EXISTS -> v != null;
                case DOES_NOT_EXIST -> v == null;
                case GREATER_THAN, LESS_THAN -> v != null && compares(v);
            };
        }

        /** Kubernetes compares as int64 and leaves out labels whose value is not one. */
        private boolean compares(String labelValue) {
            long have;
            try {
                have = Long.parseLong(labelValue);
            } catch (NumberFormatException e) {
                return false;
            }
            long bound = Long.parseLong(values.iterator().next());
            return operator == Operator.GREATER_THAN ? have > bound : have < bound;
        }
    }

    private final List<Requirement> requirements;
    private final String text;

    private LabelSelector(List<Requirement> requirements, String text) {
        this.requirements = List.copyOf(requirements);
        this.text = text;
    }

    /**
     * Parses a selector; null or blank is {@link #EVERYTHING}.
     *
     * @throws IllegalArgumentException with a message fit for a 400 answer
     */
    public static LabelSelector parse(String text) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("label selector longer than " + MAX_LENGTH + " characters");
        }
        List<Requirement> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (true) {
            i = skipSpaces(text, i);
            boolean not = false;
            if (i < n && text.charAt(i) == '!') {
                not = true;
                i = skipSpaces(text, i + 1);
            }
            int keyStart = i;
            while (i < n && isKeyChar(text.charAt(i))) {
                i++;
            }
            String key = text.substring(keyStart, i);
            checkKey(key, text);
            i = skipSpaces(text, i);
            if (not) {
                out.add(new Requirement(key, Operator.DOES_NOT_EXIST, Set.of()));
            } else if (i >= n || text.charAt(i) == ',') {
                out.add(new Requirement(key, Operator.EXISTS, Set.of()));
            } else if (text.startsWith("==", i) || text.startsWith("!=", i) || text.charAt(i) == '=') {
                Operator op = text.charAt(i) == '!' ? Operator.NOT_EQUALS : Operator.EQUALS;
                i += text.startsWith("=", i) && !text.startsWith("==", i) ? 1 : 2;
                i = skipSpaces(text, i);
                int valueStart = i;
                while (i < n && text.charAt(i) != ',' && !isSpace(text.charAt(i))) {
                    i++;
                }
                out.add(new Requirement(key, op, Set.of(checkValue(text.substring(valueStart, i), text))));
            } else if (text.charAt(i) == '>' || text.charAt(i) == '<') {
                Operator op = text.charAt(i) == '>' ? Operator.GREATER_THAN : Operator.LESS_THAN;
                i = skipSpaces(text, i + 1);
                int valueStart = i;
                while (i < n && text.charAt(i) != ',' && !isSpace(text.charAt(i))) {
                    i++;
                }
                String value = checkValue(text.substring(valueStart, i), text);
                try {
                    Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw bad(text, "for '" + (op == Operator.GREATER_THAN ? ">" : "<")
                            + "' the value must be an integer, not '" + shorten(value) + "'");
                }
                out.add(new Requirement(key, op, Set.of(value)));
            } else if (word(text, i, "in") || word(text, i, "notin")) {
                Operator op = word(text, i, "in") ? Operator.IN : Operator.NOT_IN;
                i = skipSpaces(text, i + (op == Operator.IN ? 2 : 5));
                if (i >= n || text.charAt(i) != '(') {
                    throw bad(text, "expected '(' after " + (op == Operator.IN ? "in" : "notin"));
                }
                int close = text.indexOf(')', i);
                if (close < 0) {
                    throw bad(text, "missing ')'");
                }
                Set<String> values = new TreeSet<>();
                for (String v : text.substring(i + 1, close).split(",", -1)) {
                    values.add(checkValue(v.trim(), text));
                }
                out.add(new Requirement(key, op, Set.copyOf(values)));
                i = close + 1;
            } else {
                throw bad(text, "unexpected '" + text.charAt(i) + "' after key '" + shorten(key) + "'");
            }
            i = skipSpaces(text, i);
            if (i >= n) {
                break;
            }
            if (text.charAt(i) != ',') {
                throw bad(text, "expected ',' at position " + i);
            }
            i++;
        }
        return new LabelSelector(out, text);
    }

    private static boolean word(String text, int i, String w) {
        if (!text.startsWith(w, i)) {
            return false;
        }
        int end = i + w.length();
        return end < text.length() && (isSpace(text.charAt(end)) || text.charAt(end) == '(');
    }

    private static boolean isKeyChar(char c) {
        return Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '_' || c == '.' || c == '/';
    }

    /** Whitespace as Kubernetes' selector lexer knows it. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static void checkKey(String key, String text) {
        if (key.isEmpty()) {
            throw bad(text, "missing label key");
        }
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (key.length() > 317 || name.length() > 63 || (slash >= 0 && slash > 253) || !KEY.matcher(key).matches()) {
            throw bad(text, "invalid label key '" + shorten(key) + "'");
        }
    }

    private static String checkValue(String value, String text) {
        if (value.length() > 63 || !VALUE.matcher(value).matches()) {
            throw bad(text, "invalid label value '" + shorten(value) + "'");
        }
        return value;
    }

    /** A key or value as quoted in a message: a 400's message stays short whatever the input. */
    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static IllegalArgumentException bad(String text, String why) {
        String shown = text.length() > 100 ? text.substring(0, 100) + "..." : text;
        return new IllegalArgumentException("unable to parse label selector \"" + shown + "\": " + why);
    }

    public boolean matches(Map<String, String> labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return requirements.isEmpty();
    }

    public List<Requirement> requirements() {
        return requirements;
    }

    /** The selector as it was given. */
    @Override
    public String toString() {
        return text;
    }
}
