package io.gpuscale.adapter.cluster;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One instance of each equal value the projections keep, so that a cluster's thousands of pods
 * share their namespaces, node names, label keys and values, and the label maps, resources and
 * tolerations that every replica of a workload has alike.
 *
 * <p>Strings go through {@link String#intern()}: the JVM's table holds them weakly, so a value no
 * record uses any more is collected. Other values (immutable maps, lists and records) go through
 * one table of at most {@value #MAX_VALUES} entries, emptied when full: it bounds the table against
 * values that never repeat, and a value already shared stays shared.
 */
final class Canonical {
    static final int MAX_VALUES = 16_384;
    private static final ConcurrentHashMap<Object, Object> VALUES = new ConcurrentHashMap<>();

    private Canonical() {
    }

    /** The canonical instance of a string that repeats across objects (not of names or UIDs). */
    static String string(String s) {
        return s == null ? null : s.intern();
    }

    /** The shared instance equal to an immutable value. */
    static <T> T value(T value) {
        return value(value, value);
    }

    /**
     * The shared instance of the values with this key, for values whose own {@code equals} is
     * looser than sharing allows ({@code Quantity} finds {@code 1} and {@code 1000m} equal).
     */
    @SuppressWarnings("unchecked")
    static <T> T value(Object key, T value) {
        if (VALUES.size() >= MAX_VALUES) {
            VALUES.clear();
        }
        Object prior = VALUES.putIfAbsent(key, value);
        return prior == null ? value : (T) prior;
    }

    /** A key by identity, for parts that are canonical instances already. */
    static Object same(Object o) {
        return new Same(o);
    }

    private record Same(Object o) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Same s && s.o == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(o);
        }
    }
}
