package io.gpuscale.adapter.monitoring;

import io.gpuscale.adapter.scrape.ParseReport;
import io.gpuscale.adapter.scrape.ScrapeRecorder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scraping as fleet-wide meters, all made at start so that recording a scrape only adds to
 * existing ones (no lookup, no allocation): duration by mode, failures by reason, body bytes,
 * samples by outcome, lateness and skipped phases. Nothing here is per target: at 5,000 agents a
 * per-target series costs 5,000 series in Prometheus (see docs/metrics.md).
 */
final class ScrapeMeters implements ScrapeRecorder {
    private final Timer pollDuration;
    private final Timer watchDuration;
    private final Map<Failure, Counter> failures = new EnumMap<>(Failure.class);
    private final Counter bodyBytes;
    private final Counter kept;
    private final Counter unwanted;
    private final Counter malformed;
    private final Counter overLimit;
    private final Counter outOfRange;
    private final Timer lateness;
    private final Counter skipped;

    ScrapeMeters(MeterRegistry registry) {
        pollDuration = duration(registry, "poll");
        watchDuration = duration(registry, "watch");
        for (Failure f : Failure.values()) {
            failures.put(f, Counter.builder("gpuscale.adapter.scrape.failures")
                    .description("Failed scrapes of agents, by reason; the agent keeps its last data.")
                    .tag("reason", f.label())
                    .register(registry));
        }
        bodyBytes = Counter.builder("gpuscale.adapter.scrape.body")
                .description("Bytes of the agents' bodies parsed by successful scrapes (after decompression).")
                .baseUnit("bytes")
                .register(registry);
        kept = samples(registry, "kept");
        unwanted = samples(registry, "unwanted");
        malformed = samples(registry, "malformed");
        overLimit = samples(registry, "over_limit");
        outOfRange = samples(registry, "out_of_range");
        lateness = Timer.builder("gpuscale.adapter.scrape.lateness")
                .description("How late a scrape started after the time its timer was due: a busy lane starts late.")
                .serviceLevelObjectives(Buckets.LATENESS)
                .register(registry);
        skipped = Counter.builder("gpuscale.adapter.scrape.skipped")
                .description("Scrapes not started because the target's previous scrape was still running.")
                .register(registry);
    }

    private static Timer duration(MeterRegistry registry, String mode) {
        return Timer.builder("gpuscale.adapter.scrape.duration")
                .description("Time from sending a scrape to the end of its body or its failure; a watch (mode=watch) "
                        + "includes the agent holding it until its next sample.")
                .tag("mode", mode)
                .serviceLevelObjectives(Buckets.SCRAPE)
                .register(registry);
    }

    private static Counter samples(MeterRegistry registry, String outcome) {
        return Counter.builder("gpuscale.adapter.scrape.samples")
                .description("Sample lines of successful scrapes by outcome: kept (stored), unwanted (a family not "
                        + "asked for), malformed, over_limit (a label or series limit), out_of_range (an impossible "
                        + "value).")
                .tag("outcome", outcome)
                .register(registry);
    }

    @Override
    public void started(long latenessMillis) {
        lateness.record(latenessMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void succeeded(boolean watch, long nanos, ParseReport report, long rejected) {
        (watch ? watchDuration : pollDuration).record(nanos, TimeUnit.NANOSECONDS);
        bodyBytes.increment(report.bytes());
        kept.increment(Math.max(0, report.samples() - rejected));
        unwanted.increment(report.skipped());
        malformed.increment(report.malformed());
        overLimit.increment(report.overLimit());
        outOfRange.increment(rejected);
    }

    @Override
    public void failed(boolean watch, Failure reason, long nanos) {
        (watch ? watchDuration : pollDuration).record(nanos, TimeUnit.NANOSECONDS);
        failures.get(reason).increment();
    }

    @Override
    public void skipped(long phases) {
        skipped.increment(phases);
    }
}
