package io.gpuscale.bench.adapter;

import io.gpuscale.agent.metrics.AgentMetrics;
import io.gpuscale.agent.metrics.ExpositionFormat;
import io.gpuscale.agent.metrics.ExpositionRenderer;
import io.gpuscale.agent.metrics.GpuExpositionWriter;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.bench.PodLayout;
import io.gpuscale.bench.SimNode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fleet of stand-in agents in one process, for the adapter's scrape load run: agent {@code i}
 * answers at {@code http://}{@link #address(int)}{@code :PORT/metrics}, a loopback address of its
 * own, so the adapter opens one connection per agent as it would in a cluster.
 *
 * <p>Each agent's body is the real agent's rendering ({@link ExpositionRenderer}: GPU series, pod
 * series and the agent's own meters) of 8 simulated H100s and {@code --pods} pods, under its own
 * node and pod names. The stand-in speaks the agent's protocol: {@code name[]} filters families, the
 * {@code Gpuscale-Sample-Time} header names the sample time (with {@code --watch true}), and a
 * request with {@code since} not older than the current sample is held until the agent's next
 * sample. Agent {@code i} samples every {@code --sample-ms} at its own phase; its body's
 * {@code gpuscale_agent_last_sample_timestamp_seconds} is the current sample's time, so the
 * adapter's data age can be read from its store.
 *
 * <p>Listens on {@code 0.0.0.0} (every loopback address then reaches it): run it on a machine
 * without untrusted neighbours, as a benchmark.
 *
 * <p>Usage: {@code FleetServer --agents N --port P [--pods 12] [--sample-ms 1000] [--watch true]}
 */
public final class FleetServer {
    private static final String SAMPLE_LINE = "gpuscale_agent_last_sample_timestamp_seconds";

    private final int agents;
    private final int pods;
    private final long sampleMillis;
    private final boolean watch;
    private final long start = System.currentTimeMillis();
    private final Vertx vertx;
    private final Map<Integer, byte[]> full = new ConcurrentHashMap<>();
    private final Map<String, byte[]> filtered = new ConcurrentHashMap<>();
    private final Map<String, Rendered> rendered = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong held = new AtomicLong();
    /** One sample of 8 simulated H100s, laid out with each agent's own pods. */
    private final NodeSnapshot base = SimNode.h100(8);
    /** The agent's own meters, shared: every body carries the same self metrics. */
    private final AgentMetrics metrics = new AgentMetrics("sim");

    FleetServer(int agents, int pods, long sampleMillis, boolean watch) {
        this.agents = agents;
        this.pods = pods;
        this.sampleMillis = sampleMillis;
        this.watch = watch;
        int loops = Runtime.getRuntime().availableProcessors();
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        metrics.sampleTaken(base.timestampMillis(), Duration.ofMillis(1), true);
    }

    /** Agent {@code i}'s address: 127.1.x.y, 200 agents per x. */
    public static String address(int i) {
        return "127.1." + (i / 200) + "." + (10 + i % 200);
    }

    /** Agent {@code i}'s node name. */
    public static String node(int i) {
        return String.format(Locale.ROOT, "gpu-node-%05d", i);
    }

    static int agentOf(String address) {
        String[] p = address.split("\\.");
        if (p.length != 4 || !p[0].equals("127") || !p[1].equals("1")) {
            return -1;
        }
        return Integer.parseInt(p[2]) * 200 + Integer.parseInt(p[3]) - 10;
    }

    /** The newest sample time of agent {@code i} at {@code now}: its phase plus whole periods. */
    long sampleTime(int i, long now) {
        long phase = Math.floorMod(i * 7919L, sampleMillis);
        long first = start + phase;
        return now < first ? first - sampleMillis : first + (now - first) / sampleMillis * sampleMillis;
    }

    private byte[] fullBody(int i) {
        return full.computeIfAbsent(i, k -> {
            PodLayout layout = PodLayout.of(base.gpus(), pods, node(k) + "-pod", 100_000, base.timestampMillis() * 1000);
            NodeSnapshot snapshot = new NodeSnapshot(1, base.timestampMillis(), node(k), base.source(), base.driver(),
                    layout.gpus(), layout.attribute());
            byte[] body = new ExpositionRenderer(new GpuExpositionWriter(node(k)), metrics)
                    .render(snapshot, ExpositionFormat.PROMETHEUS_TEXT);
            return withoutSampleLine(body);
        });
    }

    /** The body without its sample-time family: that is written per answer, with the current time. */
    private static byte[] withoutSampleLine(byte[] body) {
        return filter(body, name -> !name.equals(SAMPLE_LINE));
    }

    private static byte[] filter(byte[] body, java.util.function.Predicate<String> keep) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
        int start = 0;
        for (int i = 0; i < body.length; i++) {
            if (body[i] == '\n') {
                String line = new String(body, start, i - start, StandardCharsets.UTF_8);
                if (keep.test(familyOf(line))) {
                    out.write(body, start, i - start + 1);
                }
                start = i + 1;
            }
        }
        return out.toByteArray();
    }

    /** The metric family a line belongs to (histogram and summary suffixes are not folded: none are kept). */
    private static String familyOf(String line) {
        if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
            String rest = line.substring(7);
            int sp = rest.indexOf(' ');
            return sp < 0 ? rest : rest.substring(0, sp);
        }
        int end = 0;
        while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
            end++;
        }
        return line.substring(0, end);
    }

    private byte[] body(int i, HttpServerRequest req) {
        List<String> names = req.params().getAll("name[]");
        if (names.isEmpty()) {
            return fullBody(i);
        }
        Set<String> wanted = new HashSet<>(names);
        return filtered.computeIfAbsent(i + "?" + String.join(",", new java.util.TreeSet<>(names)),
                k -> filter(fullBody(i), wanted::contains));
    }

    private void handle(HttpServerRequest req) {
        requests.incrementAndGet();
        int i = agentOf(req.localAddress().hostAddress());
        if (i < 0 || i >= agents || !req.path().equals("/metrics")) {
            req.response().setStatusCode(404).end();
            return;
        }
        long now = System.currentTimeMillis();
        long sample = sampleTime(i, now);
        String since = req.getParam("since");
        if (watch && since != null && Long.parseLong(since) >= sample) {
            long wait = Math.min(30_000, Long.parseLong(req.getParam("wait", "10000")));
            long next = sample + sampleMillis;
            held.incrementAndGet();
            vertx.setTimer(Math.max(1, Math.min(next, now + wait) - now), id -> {
                held.decrementAndGet();
                answer(req, i, sampleTime(i, System.currentTimeMillis()));
            });
            return;
        }
        answer(req, i, sample);
    }

    private void answer(HttpServerRequest req, int i, long sample) {
        List<String> names = req.params().getAll("name[]");
        String key = names.isEmpty() ? Integer.toString(i) : i + "?" + String.join(",", new java.util.TreeSet<>(names));
        String encoding = req.getHeader("Accept-Encoding");
        boolean gzip = encoding != null && encoding.contains("gzip");
        Rendered r = rendered.get(key);
        if (r == null || r.sample != sample) {
            // As the agent does: rendered, and gzipped at its fastest level, once per sample.
            byte[] body = body(i, req);
            boolean withSample = names.isEmpty() || names.contains(SAMPLE_LINE);
            byte[] line = withSample ? ("# TYPE " + SAMPLE_LINE + " gauge\n" + SAMPLE_LINE + " " + (sample / 1000.0) + "\n")
                    .getBytes(StandardCharsets.UTF_8) : new byte[0];
            byte[] plain = java.util.Arrays.copyOf(body, body.length + line.length);
            System.arraycopy(line, 0, plain, body.length, line.length);
            r = new Rendered(sample, plain, gzip(plain));
            rendered.put(key, r);
        }
        if (watch) {
            req.response().putHeader("Gpuscale-Sample-Time", Long.toString(sample));
        }
        if (gzip) {
            req.response().putHeader("Content-Encoding", "gzip");
        }
        req.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(Buffer.buffer(gzip ? r.gzip : r.plain));
    }

    private record Rendered(long sample, byte[] plain, byte[] gzip) {
    }

    private static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 4);
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out, 8192) {
            {
                def.setLevel(java.util.zip.Deflater.BEST_SPEED);
            }
        }) {
            gz.write(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    void listen(int port) {
        vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true))
                .requestHandler(this::handle).listen(port, "0.0.0.0").await();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = Args.parse(args);
        int agents = Integer.parseInt(a.getOrDefault("agents", "5000"));
        int port = Integer.parseInt(a.getOrDefault("port", "29400"));
        FleetServer fleet = new FleetServer(agents, Integer.parseInt(a.getOrDefault("pods", "12")),
                Long.parseLong(a.getOrDefault("sample-ms", "1000")), Boolean.parseBoolean(a.getOrDefault("watch", "true")));
        for (int i = 0; i < agents; i++) {
            fleet.fullBody(i); // render every body before the adapter comes
        }
        fleet.listen(port);
        System.out.printf(Locale.ROOT, "fleet: %d agents at 127.1.x.y:%d, %d B per full body, sampling every %d ms, watch %s%n",
                agents, port, fleet.fullBody(0).length, fleet.sampleMillis, fleet.watch);
        System.out.println("ready");
        while (true) {
            Thread.sleep(10_000);
            System.out.printf(Locale.ROOT, "fleet: %d requests, %d held%n", fleet.requests.get(), fleet.held.get());
        }
    }
}
