package io.gpuscale.adapter.monitoring;

import io.gpuscale.adapter.auth.AuthRecorder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Delegated authentication and authorization as meters, all made at start (a few dozen series,
 * zero while nothing is delegated): reviews sent by outcome with their duration, cache lookups,
 * and requests refused by reason.
 */
final class AuthMeters implements AuthRecorder {
    private final Map<Review, Map<Outcome, Counter>> reviews = new EnumMap<>(Review.class);
    private final Map<Review, Timer> durations = new EnumMap<>(Review.class);
    private final Map<Review, Counter> hits = new EnumMap<>(Review.class);
    private final Map<Review, Counter> misses = new EnumMap<>(Review.class);
    private final Map<Denial, Counter> denials = new EnumMap<>(Denial.class);

    AuthMeters(MeterRegistry registry) {
        for (Review r : Review.values()) {
            Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
            for (Outcome o : Outcome.values()) {
                byOutcome.put(o, Counter.builder("gpuscale.adapter.auth.reviews")
                        .description("TokenReviews (review=token) and SubjectAccessReviews (review=access) sent to "
                                + "kube-apiserver, by outcome: allowed (authenticated), denied, error (not made).")
                        .tags("review", r.label(), "outcome", o.label())
                        .register(registry));
            }
            reviews.put(r, byOutcome);
            durations.put(r, Timer.builder("gpuscale.adapter.auth.review.duration")
                    .description("Time from sending a review to its answer or failure.")
                    .tag("review", r.label())
                    .serviceLevelObjectives(Buckets.REQUEST)
                    .register(registry));
            hits.put(r, cache(registry, r, "hit"));
            misses.put(r, cache(registry, r, "miss"));
        }
        for (Denial d : Denial.values()) {
            denials.put(d, Counter.builder("gpuscale.adapter.auth.denials")
                    .description("Requests the authentication and authorization gate refused, by reason.")
                    .tag("reason", d.label())
                    .register(registry));
        }
    }

    private static Counter cache(MeterRegistry registry, Review r, String result) {
        return Counter.builder("gpuscale.adapter.auth.cache.lookups")
                .description("Lookups in the review caches: a hit answers without asking kube-apiserver.")
                .tags("review", r.label(), "result", result)
                .register(registry);
    }

    @Override
    public void cacheLookup(Review review, boolean hit) {
        (hit ? hits : misses).get(review).increment();
    }

    @Override
    public void reviewed(Review review, Outcome outcome, long nanos) {
        reviews.get(review).get(outcome).increment();
        durations.get(review).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void denied(Denial reason) {
        denials.get(reason).increment();
    }
}
