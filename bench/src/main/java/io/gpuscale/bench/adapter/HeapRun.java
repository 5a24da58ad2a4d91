package io.gpuscale.bench.adapter;

import io.gpuscale.adapter.cluster.InformerClusterView;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.scrape.PrometheusTextParser;
import io.gpuscale.adapter.scrape.ScrapeIngest.ScrapeBatch;
import io.gpuscale.adapter.store.MetricStore;
import io.kubernetes.client.openapi.ApiClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The adapter's retained heap at fleet size: a {@link MetricStore} filled through the real
 * {@link PrometheusTextParser} from every node's agent body, and an {@link InformerClusterView}
 * that has listed the same pods and nodes from a stand-in API server ({@link FleetApiServer}).
 * Prints the live heap (after full GCs) before, with the store, and with the cluster view too,
 * per 10k pods, and the top of the class histogram ({@code jcmd GC.class_histogram}).
 *
 * <p>The fleet: {@code --nodes} nodes of 8 simulated H100s and 12 pods each (4 holding a GPU
 * whole, 8 time-sliced on the other 4), as {@link AgentScrapeBody#rendered} renders one agent's
 * whole body (~79 kB, 461 samples, 65 kept); each node's copy gets its own node name, GPU UUIDs,
 * namespaces and pod names. Pods belong to Deployments of 24 replicas ({@link FleetApiServer}).
 * Every node is scraped {@code --scrapes} times (default 2: the steady state, where a scrape
 * replaces the last one). Parsers: {@code --parsers shared} (default: one for every target, as the
 * scraper is to share its interning) or {@code per-target} (one parser each, today's scraper).
 *
 * <p>Usage: {@code java -Xmx4g -cp bench/target/benchmarks.jar io.gpuscale.bench.adapter.HeapRun
 * --nodes 834} (10 008 pods); see {@code bench/load/heap.sh}. Results: {@code docs/performance.md},
 * section "Adapter heap at fleet size (issue 13)".
 */
public final class HeapRun {
    static final int PODS_PER_NODE = 12;
    private static final String TEMPLATE_NODE = "gpu-node-0001.bench.gpuscale.io";
    private static final Pattern UUID_LABEL = Pattern.compile("uuid=\"(GPU-[0-9a-f-]+)\"");

    private HeapRun() {
    }

    public static void main(String[] args) throws Exception {
        int nodes = 834;
        int scrapes = 2;
        boolean sharedParser = true;
        boolean cluster = true;
        int histogramRows = 25;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                case "--scrapes" -> scrapes = Integer.parseInt(args[++i]);
                case "--parsers" -> sharedParser = switch (args[++i]) {
                    case "shared" -> true;
                    case "per-target" -> false;
                    default -> throw new IllegalArgumentException("--parsers: shared or per-target");
                };
                case "--no-cluster" -> cluster = false;
                case "--histogram" -> histogramRows = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: HeapRun [--nodes N] [--scrapes N] [--parsers shared|per-target] [--no-cluster]"
                        + " [--histogram ROWS]");
            }
        }
        int pods = nodes * PODS_PER_NODE;
        String template = new String(AgentScrapeBody.rendered(PODS_PER_NODE), StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "# %s, %d CPUs, %s %s, -Xmx%d MiB, loadavg %s%n", java.time.Instant.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20, loadavg());
        System.out.printf(Locale.ROOT, "# fleet: %d nodes x 8 GPUs x %d pods = %d pods; agent body %d bytes; "
                + "%d scrapes each; parsers %s%n", nodes, PODS_PER_NODE, pods, template.length(), scrapes,
                sharedParser ? "shared" : "per target");

        long base = liveHeap();
        MetricStore store = new MetricStore();
        PrometheusTextParser shared = new PrometheusTextParser();
        PrometheusTextParser[] own = sharedParser ? null : new PrometheusTextParser[nodes];
        long sample = System.currentTimeMillis();
        for (int round = 0; round < scrapes; round++) {
            sample += 1000;
            String timestamp = "gpuscale_agent_last_sample_timestamp_seconds " + (sample / 1000.0);
            for (int n = 0; n < nodes; n++) {
                PrometheusTextParser parser = shared;
                if (own != null) {
                    if (own[n] == null) {
                        own[n] = new PrometheusTextParser();
                    }
                    parser = own[n];
                }
                byte[] body = nodeBody(template, n, round).replaceFirst(
                        "(?m)^gpuscale_agent_last_sample_timestamp_seconds .*$", timestamp)
                        .getBytes(StandardCharsets.UTF_8);
                ScrapeBatch batch = store.begin("http://10." + (n >> 16) + "." + ((n >> 8) & 255) + "." + (n & 255)
                        + ":9410/metrics", null, sample);
                parser.parse(body, batch);
                batch.commit();
            }
        }
        check(store, nodes, sample);
        long withParsers = liveHeap();
        // The parsers' string tables are the scraper's, not the store's: measured apart.
        shared = null;
        own = null;
        long withStore = liveHeap();
        report("parsers", withParsers - withStore, pods);
        report("metric store", withStore - base, pods);

        if (cluster) {
            try (FleetApiServer api = FleetApiServer.start(nodes, PODS_PER_NODE);
                    InformerClusterView view = new InformerClusterView(new ApiClient().setBasePath(api.url()))) {
                view.start();
                long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (!view.ready() || view.nodes().size() < nodes) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the cluster view did not list the fleet within 10 minutes");
                    }
                    Thread.sleep(100);
                }
                int listed = 0;
                for (int ns = 0; ns < FleetApiServer.NAMESPACES; ns++) {
                    listed += view.pods(FleetApiServer.namespace(ns)).size();
                }
                view.schedulingPods();
                if (listed != pods) {
                    throw new IllegalStateException("the cluster view lists " + listed + " pods, expected " + pods);
                }
                long withView = liveHeap();
                report("cluster view", withView - withStore, pods);
                report("both", withView - base, pods);
                System.out.printf(Locale.ROOT, "# live heap: %.1f MiB before, %.1f MiB at the end%n", mib(base),
                        mib(withView));
                histogram(histogramRows);
            }
        } else {
            System.out.printf(Locale.ROOT, "# live heap: %.1f MiB before, %.1f MiB at the end%n", mib(base),
                    mib(withStore));
            histogram(histogramRows);
        }
        // Keep the store reachable until here.
        if (store.snapshots().size() != nodes) {
            throw new IllegalStateException("store lost targets");
        }
    }

    /** Node {@code n}'s copy of the template body: its node name, GPU UUIDs, namespaces and pods. */
    static String nodeBody(String template, int n, int round) {
        String body = template.replace(TEMPLATE_NODE, FleetApiServer.node(n));
        Matcher m = UUID_LABEL.matcher(template);
        List<String> seen = new ArrayList<>();
        while (m.find()) {
            if (!seen.contains(m.group(1))) {
                seen.add(m.group(1));
            }
        }
        for (int g = 0; g < seen.size(); g++) {
            body = body.replace(seen.get(g), "GPU-" + UUID.nameUUIDFromBytes(("gpu/" + n + "/" + g)
                    .getBytes(StandardCharsets.UTF_8)));
        }
        for (int k = PODS_PER_NODE - 1; k >= 0; k--) {
            int pod = n * PODS_PER_NODE + k;
            body = body.replace("namespace=\"bench\",pod=\"pod-" + k + "\"",
                    "namespace=\"" + FleetApiServer.podNamespace(pod) + "\",pod=\"" + FleetApiServer.podName(pod)
                            + "\"");
        }
        // A second scrape reads other values, as a real one does.
        return round == 0 ? body : body.replace("} 5", "} 6");
    }

    private static void check(MetricStore store, int nodes, long sample) {
        int last = (nodes - 1) * PODS_PER_NODE + PODS_PER_NODE - 1;
        List<Reading> r = store.pod("nvidia_gpu_pod_utilization_percent", FleetApiServer.node(nodes - 1),
                FleetApiServer.podNamespace(last), FleetApiServer.podName(last));
        if (r.size() != 1 || r.get(0).timestampMillis() != sample) {
            throw new IllegalStateException("the store has no current reading of the last pod: " + r);
        }
        int gpus = store.gpus("nvidia_gpu_utilization_percent").size();
        if (gpus != nodes * 8) {
            throw new IllegalStateException("the store lists " + gpus + " GPUs, expected " + nodes * 8);
        }
    }

    private static void report(String what, long bytes, int pods) {
        System.out.printf(Locale.ROOT, "%-13s %9.1f MiB  %7.2f MiB per 10k pods  %6d bytes per pod%n", what,
                mib(bytes), mib(bytes) * 10_000 / pods, bytes / pods);
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }

    /** Used heap after full collections, once it stops shrinking. */
    static long liveHeap() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(100);
            long used = memory.getHeapMemoryUsage().getUsed();
            if (i >= 2 && used >= last - 64 * 1024) {
                return Math.min(used, last);
            }
            last = Math.min(last, used);
        }
        return last;
    }

    private static void histogram(int rows) throws Exception {
        if (rows <= 0) {
            return;
        }
        Process p = new ProcessBuilder("jcmd", Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
                .redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                if (n++ < rows + 3 || line.startsWith("Total")) {
                    System.out.println("# " + line);
                }
            }
        }
        p.waitFor();
    }

    private static String loadavg() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
