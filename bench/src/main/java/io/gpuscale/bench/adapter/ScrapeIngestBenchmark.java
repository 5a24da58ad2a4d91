package io.gpuscale.bench.adapter;

import io.gpuscale.adapter.scrape.Labels;
import io.gpuscale.adapter.scrape.ParseReport;
import io.gpuscale.adapter.scrape.PrometheusTextParser;
import io.gpuscale.adapter.scrape.SampleSink;
import io.gpuscale.adapter.scrape.ScrapeIngest.ScrapeBatch;
import io.gpuscale.adapter.store.MetricStore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One agent scrape into the adapter: {@link PrometheusTextParser#parse} of an 8-GPU agent's text
 * body, and the same into {@link MetricStore} ({@code begin} → parse → {@code commit}, which builds
 * and swaps in the target's snapshot), as the scraper does per target and interval. The parser and
 * store are reused, as the scraper reuses one parser per target.
 *
 * <p>Bodies ({@code body}): {@code sim12}, scraped from a real agent on {@code sim:h100x8} (its
 * sim pods: 4 exclusive + 8 time-sliced = 12 pods); {@code layout16}, the agent's renderer over 8
 * simulated H100s with 16 pods ({@code PodLayout}: 4 exclusive, 12 sharing 4 GPUs). Both carry the
 * agent's own JVM meters, which the parser skips by name.
 *
 * <p>Results: see {@code docs/performance.md}, section "Adapter (issue 4)".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ScrapeIngestBenchmark {

    @Param({"sim12", "layout16"})
    String body;

    byte[] bytes;
    PrometheusTextParser parser;
    MetricStore store;
    long receivedAt;
    SampleSink counting;

    @Setup
    public void setUp() throws Exception {
        bytes = body.equals("sim12") ? AgentScrapeBody.fromSimAgent() : AgentScrapeBody.rendered(16);
        parser = new PrometheusTextParser();
        store = new MetricStore();
        receivedAt = System.currentTimeMillis();
        MetricStore names = new MetricStore();
        ScrapeBatch accepts = names.begin("names", null, 0);
        counting = new SampleSink() {
            int seen;

            @Override
            public boolean accepts(String name) {
                return accepts.accepts(name);
            }

            @Override
            public void sample(String name, Labels labels, double value, long timestampMillis) {
                seen++;
            }
        };
        ScrapeBatch batch = store.begin("http://127.0.0.1:9410/metrics", null, receivedAt);
        ParseReport report = parser.parse(bytes, batch);
        batch.commit();
        System.out.printf("%n# %s: %d B body; %s; store keeps %d series%n", body, bytes.length, report,
                store.snapshots().get(0).series());
    }

    /** Parse only, into a sink that keeps the store's families and does nothing with them. */
    @Benchmark
    public ParseReport parse() {
        return parser.parse(bytes, counting);
    }

    /** Parse into the store and commit: the whole ingest of one scrape. */
    @Benchmark
    public void parseAndCommit(Blackhole bh) {
        ScrapeBatch batch = store.begin("http://127.0.0.1:9410/metrics", null, receivedAt);
        bh.consume(parser.parse(bytes, batch));
        batch.commit();
    }
}
