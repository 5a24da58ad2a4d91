package io.gpuscale.adapter.scrape;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** The labels of one sample, in exposition order: an immutable list of name/value pairs. */
public final class Labels {
    public static final Labels EMPTY = new Labels(new String[0]);

    private final String[] pairs;

    private Labels(String[] pairs) {
        this.pairs = pairs;
    }

    /** Labels from alternating names and values: {@code of("node", "n1", "gpu", "0")}. */
    public static Labels of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values must alternate");
        }
        for (String s : namesAndValues) {
            if (s == null) {
                throw new NullPointerException("label names and values must not be null");
            }
        }
        return namesAndValues.length == 0 ? EMPTY : new Labels(namesAndValues.clone());
    }

    /** Takes ownership of the array: the caller must not change it afterwards. */
    static Labels wrap(String[] pairs) {
        return pairs.length == 0 ? EMPTY : new Labels(pairs);
    }

    public int size() {
        return pairs.length / 2;
    }

    public String name(int i) {
        return pairs[2 * i];
    }

    public String value(int i) {
        return pairs[2 * i + 1];
    }

    /** The value of a label, or null when the sample has no such label. */
    public String get(String name) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(name)) {
                return pairs[i + 1];
            }
        }
        return null;
    }

    /** The labels as a map, in exposition order. */
    public Map<String, String> toMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Labels other && Arrays.equals(pairs, other.pairs);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pairs);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < pairs.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(pairs[i]).append("=\"").append(pairs[i + 1]
                    .replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        }
        return sb.append('}').toString();
    }
}
