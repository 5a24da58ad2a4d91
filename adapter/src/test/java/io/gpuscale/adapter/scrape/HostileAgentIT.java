package io.gpuscale.adapter.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.store.MetricStore;
import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.common.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile "agents": whatever answers on an agent's port may send garbage, 50 MB, a body that never
 * ends, invalid UTF-8, huge labels, a million series, a gzip bomb, NaN and out-of-range values.
 * The scraper stays healthy (a real agent beside them keeps being read), its heap stays bounded,
 * and nothing invalid reaches the store the APIs serve from.
 */
class HostileAgentIT {
    private static final String UTIL = "nvidia_gpu_utilization_percent";
    private static final String LABELS = "node=\"evil\",gpu=\"0\",uuid=\"GPU-evil\"";

    private static Vertx vertx;
    private static HttpServer hostile;
    private static volatile Mode mode;
    private static Agent agent;
    private static String agentUrl;
    private static String hostileUrl;

    /** What the hostile endpoint sends: a head and a body, all at once or dripped forever. */
    private record Mode(String encoding, Buffer body, boolean drip, boolean lengthHeader) {
    }

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        hostile = vertx.createHttpServer().requestHandler(HostileAgentIT::answer).listen(0, "127.0.0.1").await();
        hostileUrl = "http://127.0.0.1:" + hostile.actualPort() + "/metrics";
        agent = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:rtx4090@steady:50"),
                "mainpc", Duration.ofMillis(200), AgentConfig.DEFAULT_NVML_LIBRARY));
        agentUrl = "http://127.0.0.1:" + agent.port() + "/metrics";
        // The agent serves GPU series from its first sample on: each round expects them.
        Eventually.await(Duration.ofSeconds(30), "the agent's first sample",
                () -> agent.snapshot().generation() > 0 ? Boolean.TRUE : null);
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        vertx.close().await();
    }

    private static void answer(HttpServerRequest req) {
        Mode m = mode;
        HttpServerResponse resp = req.response().putHeader("Content-Type", "text/plain; version=0.0.4");
        if (m.encoding() != null) {
            resp.putHeader("Content-Encoding", m.encoding());
        }
        if (m.drip()) {
            resp.setChunked(true);
            long timer = vertx.setPeriodic(100, id -> resp.write("nvidia_gpu_utilization_percent{" + LABELS + "} 1"));
            req.connection().closeHandler(v -> vertx.cancelTimer(timer));
            return;
        }
        if (m.lengthHeader()) {
            resp.end(m.body());
        } else {
            resp.setChunked(true);
            int chunk = 1 << 20;
            for (int at = 0; at < m.body().length(); at += chunk) {
                resp.write(m.body().getBuffer(at, Math.min(m.body().length(), at + chunk)));
            }
            resp.end();
        }
    }

    private static Buffer text(String s) {
        return Buffer.buffer(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Buffer gzip(byte[] block, long times) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            for (long i = 0; i < times; i++) {
                gz.write(block);
            }
        }
        return Buffer.buffer(out.toByteArray());
    }

    /** One round against the hostile endpoint and the real agent; returns the hostile target's health. */
    private static TargetHealth round(Mode m, Duration timeout) throws Exception {
        mode = m;
        MetricStore store = new MetricStore();
        AgentScraper scraper = new AgentScraper(vertx, new StaticAgentTargets(List.of(
                new AgentTarget(hostileUrl, null), new AgentTarget(agentUrl, "mainpc"))), store,
                new ScrapeOptions(Duration.ofSeconds(30), timeout, ScrapeLimits.DEFAULTS));
        try {
            Future<Void> done = scraper.scrapeOnce();
            done.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
            assertThat(store.node(UTIL, "mainpc")).as("the real agent is read beside it")
                    .extracting(Reading::value).containsExactly(50.0);
            for (String name : List.of(UTIL, "nvidia_gpu_memory_used_bytes")) {
                assertThat(store.node(name, "evil")).as("%s served from the hostile body", name)
                        .allSatisfy(r -> assertThat(io.gpuscale.adapter.metrics.ValueRange.valid(name, r.value())).isTrue());
            }
            return scraper.health().get(hostileUrl);
        } finally {
            scraper.close();
        }
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void everyHostileBodyIsRefusedOrFilteredAndTheHeapStaysBounded() throws Exception {
        long before = heapAfterGc();
        byte[] garbage = new byte[1 << 20];
        new Random(7).nextBytes(garbage);

        TargetHealth h = round(new Mode(null, Buffer.buffer(garbage), false, true), Duration.ofSeconds(30));
        assertThat(h.failures()).as("garbage is no failure of the scrape, just nothing usable").isZero();
        assertThat(h.lastReport().samples()).isZero();

        Buffer fifty = text((UTIL + "{" + LABELS + "} 1\n").repeat((50 << 20) / 60));
        assertThat(round(new Mode(null, fifty, false, true), Duration.ofSeconds(30)).lastError())
                .as("50 MB announced").contains("over the limit");
        assertThat(round(new Mode(null, fifty, false, false), Duration.ofSeconds(30)).lastError())
                .as("50 MB chunked").contains("over the limit");
        fifty = null;

        assertThat(round(new Mode(null, null, true, false), Duration.ofSeconds(5)).lastError())
                .as("a body that never ends").contains("no complete answer within 5s");

        Buffer badUtf8 = Buffer.buffer();
        badUtf8.appendString(UTIL + "{node=\"evil\",gpu=\"0\",uuid=\"GPU-");
        badUtf8.appendBytes(new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xED, (byte) 0xA0, (byte) 0x80});
        badUtf8.appendString("\"} 42\n");
        h = round(new Mode(null, badUtf8, false, true), Duration.ofSeconds(30));
        assertThat(h.failures()).isZero();

        h = round(new Mode(null, text(UTIL + "{" + LABELS + ",pod=\"" + "p".repeat(1 << 20) + "\"} 42\n"), false, true),
                Duration.ofSeconds(30));
        assertThat(h.lastReport().overLimit()).as("a 1 MB label").isEqualTo(1);

        byte[] series = (UTIL + "{node=\"evil\",gpu=\"0\",uuid=\"GPU-0000000000\"} 1\n").getBytes(StandardCharsets.UTF_8);
        assertThat(round(new Mode("gzip", gzip(series, 1_000_000), false, true), Duration.ofSeconds(30)).lastError())
                .as("a million series").contains("over the limit");

        assertThat(round(new Mode("gzip", gzip(new byte[1 << 20], 1024), false, true), Duration.ofSeconds(30))
                .lastError()).as("1 GiB of zeros in 1 MB of gzip").contains("over the limit");

        h = round(new Mode(null, text(UTIL + "{" + LABELS + "} NaN\n" + UTIL + "{node=\"evil\",gpu=\"1\",uuid=\"GPU-b\"} 1e9\n"
                + "nvidia_gpu_memory_used_bytes{" + LABELS + "} -5\n"), false, true), Duration.ofSeconds(30));
        assertThat(h.rejected()).isEqualTo(3);

        long after = heapAfterGc();
        // Bounded, not proportional to what was sent (over 1 GiB in all): this JVM also holds the
        // stand-in's buffers and both sides' Netty pools.
        assertThat(after - before).as("heap retained after the hostile rounds (bytes)").isLessThan(160L << 20);
    }
}
