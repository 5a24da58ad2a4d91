package io.gpuscale.adapter.scrape;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A sink that keeps every sample it accepts, for assertions. */
final class RecordingSink implements SampleSink {
    record Sample(String name, Labels labels, double value, long timestampMillis) {
    }

    final List<Sample> samples = new ArrayList<>();
    final List<String> asked = new ArrayList<>();
    private final Predicate<String> wanted;

    RecordingSink() {
        this(name -> true);
    }

    RecordingSink(Predicate<String> wanted) {
        this.wanted = wanted;
    }

    @Override
    public boolean accepts(String name) {
        asked.add(name);
        return wanted.test(name);
    }

    @Override
    public void sample(String name, Labels labels, double value, long timestampMillis) {
        samples.add(new Sample(name, labels, value, timestampMillis));
    }

    Sample only() {
        if (samples.size() != 1) {
            throw new AssertionError("expected one sample, got " + samples);
        }
        return samples.get(0);
    }
}
