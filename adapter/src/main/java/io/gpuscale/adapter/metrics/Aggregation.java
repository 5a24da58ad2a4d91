package io.gpuscale.adapter.metrics;

import java.util.List;
import java.util.OptionalDouble;

/** How several GPUs' readings become one value. */
public enum Aggregation {
    /** Utilization of a pod with several GPUs: their mean. */
    MEAN,
    /** Memory and power: their sum. */
    SUM,
    /** Temperature: the hottest. */
    MAX;

    public OptionalDouble apply(List<Reading> readings) {
        if (readings.isEmpty()) {
            return OptionalDouble.empty();
        }
        double acc = this == MAX ? Double.NEGATIVE_INFINITY : 0;
        for (Reading r : readings) {
            acc = this == MAX ? Math.max(acc, r.value()) : acc + r.value();
        }
        return OptionalDouble.of(this == MEAN ? acc / readings.size() : acc);
    }
}
