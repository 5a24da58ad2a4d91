package io.gpuscale.adapter.monitoring;

import io.gpuscale.adapter.http.ApiRecorder;
import io.gpuscale.adapter.api.RequestKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API servers' requests as meters: {@code gpuscale_adapter_api_requests_total} (by kind and
 * code), {@code gpuscale_adapter_api_request_duration_seconds} (by kind), the requests in flight,
 * refusals by reason, and the age of the values served. A kind's meters are made on its first
 * request and then looked up in a map: the label values come from fixed sets ({@link RequestKind}).
 */
final class ApiMeters implements ApiRecorder {
    private record Answered(RequestKind kind, int code) {
    }

    private final MeterRegistry registry;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);
    private final ConcurrentHashMap<Answered, Counter> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<RequestKind, Timer> durations = new ConcurrentHashMap<>();
    private final DistributionSummary servedAge;

    ApiMeters(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("gpuscale.adapter.api.requests.in.flight", inFlight, AtomicInteger::get)
                .description("Requests the adapter's HTTPS servers have received and not yet answered.")
                .register(registry);
        for (Refusal r : Refusal.values()) {
            refusals.put(r, Counter.builder("gpuscale.adapter.api.refusals")
                    .description("Requests and connections refused by a limit before authentication, by reason.")
                    .tag("reason", r.label())
                    .register(registry));
        }
        servedAge = DistributionSummary.builder("gpuscale.adapter.api.served.value.age")
                .description("Age of the oldest metric value in each answer that carried values, when it was "
                        + "served: how old the data an HPA acts on is.")
                .baseUnit("seconds")
                .serviceLevelObjectives(Buckets.AGE)
                .register(registry);
    }

    @Override
    public void started() {
        inFlight.incrementAndGet();
    }

    @Override
    public void finished(RequestKind kind, int code, long nanos) {
        inFlight.decrementAndGet();
        if (code == 0) {
            return; // abandoned: no answer to count
        }
        requests.computeIfAbsent(new Answered(kind, code), a -> Counter.builder("gpuscale.adapter.api.requests")
                .description("Requests answered by the adapter's HTTPS servers, by API group and version, resource, "
                        + "scope, verb and status code.")
                .tags(tags(a.kind()).and("code", Integer.toString(a.code())))
                .register(registry)).increment();
        durations.computeIfAbsent(kind, k -> Timer.builder("gpuscale.adapter.api.request.duration")
                .description("Time from a request's arrival to the end of its answer, authentication included.")
                .tags(tags(k))
                .serviceLevelObjectives(Buckets.REQUEST)
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void refused(Refusal reason) {
        refusals.get(reason).increment();
    }

    @Override
    public void served(long ageMillis) {
        servedAge.record(ageMillis / 1000.0);
    }

    private static Tags tags(RequestKind k) {
        return Tags.of("group_version", k.groupVersion(), "resource", k.resource(), "scope", k.scope(),
                "verb", k.verb());
    }
}
