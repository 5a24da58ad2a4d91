package io.gpuscale.agent.metrics;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which metric families a scrape asks for: {@code name[]=...} on {@code /metrics}, the Prometheus
 * Java client's convention. A family is served when one of the names is the family's name or one
 * of its series' names (a counter's {@code _total}, a summary's {@code _count} and {@code _sum},
 * ...). Names the agent does not serve are ignored. Two filters with the same names, in any order
 * and with repeats, are equal: the per-snapshot cache of rendered bodies is keyed by the filter.
 */
public final class FamilyFilter {
    /** No {@code name[]}: every family. */
    public static final FamilyFilter ALL = new FamilyFilter(null);

    /** Series name suffixes a family's samples may carry in either text format. */
    private static final String[] SUFFIXES = {"_total", "_count", "_sum", "_bucket", "_created"};

    private final Set<String> names;
    /** The names, plus each one without a series suffix: the family names that match. */
    private final Set<String> families;

    private FamilyFilter(Set<String> names) {
        this.names = names;
        if (names == null) {
            this.families = null;
        } else {
            Set<String> f = new java.util.HashSet<>(names);
            for (String name : names) {
                for (String suffix : SUFFIXES) {
                    if (name.endsWith(suffix) && name.length() > suffix.length()) {
                        f.add(name.substring(0, name.length() - suffix.length()));
                    }
                }
            }
            this.families = Set.copyOf(f);
        }
    }

    /** The filter for these names; {@link #ALL} when there are none. */
    public static FamilyFilter of(Collection<String> names) {
        if (names.isEmpty()) {
            return ALL;
        }
        return new FamilyFilter(Set.copyOf(names));
    }

    public boolean all() {
        return names == null;
    }

    /**
     * Whether the family is served.
     *
     * @param family the family's name as OpenMetrics writes it (a counter without {@code _total})
     */
    public boolean includes(String family) {
        return families == null || families.contains(family);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FamilyFilter f && java.util.Objects.equals(names, f.names);
    }

    @Override
    public int hashCode() {
        return names == null ? 0 : names.hashCode();
    }

    @Override
    public String toString() {
        return names == null ? "all families" : new TreeSet<>(names).toString();
    }
}
