package io.gpuscale.bench;

import io.gpuscale.agent.attribution.Attribution;
import io.gpuscale.agent.attribution.Attributor;
import io.gpuscale.agent.attribution.PodAttributor;
import io.gpuscale.agent.attribution.PodName;
import io.gpuscale.agent.attribution.PodState;
import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.GpuSource;
import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.agent.metrics.AgentMetrics;
import io.gpuscale.agent.metrics.Exposition;
import io.gpuscale.agent.metrics.ExpositionFormat;
import io.gpuscale.agent.metrics.ExpositionRenderer;
import io.gpuscale.agent.metrics.GpuExpositionWriter;
import io.gpuscale.agent.pods.DeviceAllocation;
import io.gpuscale.agent.sample.Sampler;
import io.gpuscale.agent.sample.XidCounter;
import io.gpuscale.agent.sim.SimGpuSource;
import io.gpuscale.agent.sim.SimSpec;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pod churn through the agent's real sampling pipeline, asserting that nothing grows with it.
 *
 * <p>A {@link Sampler} reads simulated H100s through a scripted {@link GpuSource} (the GPUs' own
 * readings from {@link SimGpuSource}, the processes those of the current pods) and attributes
 * them with a scripted {@link PodAttributor} that runs the real {@link Attributor}; every snapshot
 * is rendered by the real {@link ExpositionRenderer} (both formats, plain and gzip), as the agent
 * does. Pods follow {@link PodLayout} (8 GPUs: 4 held whole, 4 time-sliced; 64 pods by default).
 * In churn cycle {@code c} every pod is new ({@code churn-<c>-<k>}, new UIDs and PIDs), and the
 * kubelet still lists the previous cycle's allocations, whose pods the informer reports
 * {@code Succeeded} (even cycles) or no longer knows (odd cycles): those must leave no series.
 *
 * <p>Checks (exit status 1 when one fails):
 * <ol>
 *   <li>every churn cycle renders exactly as many pod-labelled series as the baseline, and none
 *       of the previous cycle's pods;
 *   <li>after the churn, back on the baseline pods, the GPU series ({@code nvidia_gpu_*}) are the
 *       baseline's, label set for label set; the agent's own series are reported, not asserted
 *       (JVM meters may appear with GC causes the churn did not cause);
 *   <li>heap used after a full GC (least of 5 tries) has grown by at most {@code --heap-bound-mib}
 *       since warm-up;
 *   <li>the writer's label caches never exceed their bounds (read by reflection: 1024 + 1 GPU
 *       label blocks, 4096 + 1 pod label blocks).
 * </ol>
 *
 * <p>Usage: {@code java -Xmx64m -cp bench/target/benchmarks.jar io.gpuscale.bench.PodChurnRun
 * [--cycles 10000] [--warmup 1000] [--pods 64] [--heap-bound-mib 2] [--max-seconds 600]}
 */
public final class PodChurnRun {
    private static final String NODE = SimNode.NODE;
    private static final long MIB = 1L << 20;
    private static final int GPU_LABELS_BOUND = 1024 + 1;
    private static final int POD_LABELS_BOUND = 4096 + 1;

    private final int podCount;
    private final SimGpuSource gpus = new SimGpuSource(SimSpec.parse("h100x8"), Clock.systemUTC());
    private final GpuExpositionWriter writer = new GpuExpositionWriter(NODE);
    private final AgentMetrics metrics = new AgentMetrics("sim");
    private final ExpositionRenderer renderer = new ExpositionRenderer(writer, metrics);
    private final Sampler sampler;

    /** The pods of the current and of the previous cycle; a null name prefix means baseline. */
    private String currentPrefix;
    private String previousPrefix;
    private long cycle;
    private PodLayout current;
    private Exposition last;

    private final Map<String, Integer> cacheMax = new HashMap<>();
    private final Map<String, Integer> cacheClears = new HashMap<>();
    private final Map<String, Integer> cacheLast = new HashMap<>();
    private final List<String> failures = new ArrayList<>();

    private PodChurnRun(int podCount) {
        this.podCount = podCount;
        this.sampler = new Sampler(new ScriptedGpus(), new ScriptedPods(), new XidCounter(), NODE,
                Duration.ofSeconds(1), Clock.systemUTC(), System::nanoTime, metrics, s -> last = renderer.render(s));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        int cycles = Integer.parseInt(opts.getOrDefault("cycles", "10000"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "1000"));
        int pods = Integer.parseInt(opts.getOrDefault("pods", "64"));
        double heapBoundMib = Double.parseDouble(opts.getOrDefault("heap-bound-mib", "2"));
        long deadline = System.nanoTime() + Long.parseLong(opts.getOrDefault("max-seconds", "600")) * 1_000_000_000L;
        PodChurnRun run = new PodChurnRun(pods);
        int status = run.run(cycles, warmup, heapBoundMib, deadline);
        run.sampler.close();
        run.metrics.close();
        System.exit(status);
    }

    private int run(int cycles, int warmup, double heapBoundMib, long deadline) throws Exception {
        System.out.printf("pod churn: %d GPUs, %d pods per cycle, %d warm-up + %d churn cycles, %s, -Xmx%d MiB, %s%n",
                8, podCount, warmup, cycles, System.getProperty("java.vm.version"),
                Runtime.getRuntime().maxMemory() / MIB, gcNames());

        baseline();
        Body base = body();
        gcHeap(); // the first full GC registers its JVM meters; count series after it
        baseline();
        base = body();
        System.out.printf("baseline: %d series (%d nvidia_gpu_*, %d with a pod label), text %d B%n",
                base.total(), base.gpuSeries().size(), base.podSeries(), last.body(ExpositionFormat.PROMETHEUS_TEXT, false).length);

        long started = System.nanoTime();
        churn(1, warmup, base, deadline);
        baseline();
        long heapWarm = gcHeap();
        System.out.printf("after warm-up (%d cycles, back on baseline): heap %.2f MiB; caches %s%n",
                warmup, heapWarm / (double) MIB, cacheLast);

        long churnStarted = System.nanoTime();
        int done = 0;
        int step = Math.max(1, cycles / 5);
        while (done < cycles) {
            int n = Math.min(step, cycles - done);
            if (!churn(warmup + done + 1, n, base, deadline)) {
                break;
            }
            done += n;
            System.out.printf("  after %5d churn cycles: heap %.2f MiB after GC; caches %s%n",
                    done, gcHeap() / (double) MIB, cacheLast);
        }
        double perCycleMicros = (System.nanoTime() - churnStarted) / 1e3 / Math.max(1, done);

        baseline();
        Body end = body();
        long heapEnd = gcHeap();
        double growthMib = (heapEnd - heapWarm) / (double) MIB;
        System.out.printf("back on baseline after %d churn cycles: %d series (%d nvidia_gpu_*, %d with a pod label)%n",
                done, end.total(), end.gpuSeries().size(), end.podSeries());
        System.out.printf("heap after GC: %.2f MiB after warm-up, %.2f MiB after churn: %+.2f MiB (bound +%.2f MiB)%n",
                heapWarm / (double) MIB, heapEnd / (double) MIB, growthMib, heapBoundMib);
        System.out.printf("caches: max %s (bounds gpuLabels %d, podLabels %d), clears %s, now %s%n",
                cacheMax, GPU_LABELS_BOUND, POD_LABELS_BOUND, cacheClears, cacheLast);
        System.out.printf("time: %.0f µs per churn cycle (sample + attribute + render both formats + gzip + checks), "
                + "%.1f s in all%n", perCycleMicros, (System.nanoTime() - started) / 1e9);

        if (done < cycles) {
            failures.add("ran out of time after " + done + " of " + cycles + " churn cycles");
        }
        if (!end.gpuSeries().equals(base.gpuSeries())) {
            Set<String> added = new TreeSet<>(end.gpuSeries());
            added.removeAll(base.gpuSeries());
            Set<String> gone = new TreeSet<>(base.gpuSeries());
            gone.removeAll(end.gpuSeries());
            failures.add("GPU series differ from the baseline: +" + added.size() + " " + first(added) + ", -"
                    + gone.size() + " " + first(gone));
        }
        if (end.total() != base.total()) {
            Set<String> added = new TreeSet<>(end.otherSeries());
            added.removeAll(base.otherSeries());
            Set<String> gone = new TreeSet<>(base.otherSeries());
            gone.removeAll(end.otherSeries());
            System.out.printf("note: the agent's own series changed by %+d (not asserted): +%s -%s%n",
                    end.total() - base.total(), added, gone);
        }
        if (growthMib > heapBoundMib) {
            failures.add(String.format("heap grew by %.2f MiB, more than %.2f MiB", growthMib, heapBoundMib));
        }
        if (cacheMax.getOrDefault("gpuLabels", 0) > GPU_LABELS_BOUND) {
            failures.add("gpuLabels cache reached " + cacheMax.get("gpuLabels"));
        }
        if (cacheMax.getOrDefault("podLabels", 0) > POD_LABELS_BOUND) {
            failures.add("podLabels cache reached " + cacheMax.get("podLabels"));
        }
        if (failures.isEmpty()) {
            System.out.println("PASS");
            return 0;
        }
        failures.stream().limit(20).forEach(f -> System.out.println("FAIL: " + f));
        return 1;
    }

    /** One sample on the baseline pods. */
    private void baseline() throws ReflectiveOperationException {
        previousPrefix = currentPrefix;
        currentPrefix = null;
        cycle = 0;
        sampler.tick();
        watchCaches();
    }

    /** Cycles {@code from} to {@code from + n - 1}, each a sample on new pods; false when out of time. */
    private boolean churn(int from, int n, Body base, long deadline) throws ReflectiveOperationException {
        for (int c = from; c < from + n; c++) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            previousPrefix = currentPrefix;
            currentPrefix = "churn-" + c;
            cycle = c;
            sampler.tick();
            watchCaches();
            checkCycle(base);
        }
        return true;
    }

    /** The same number of pod series as the baseline, none of them the previous cycle's pods. */
    private void checkCycle(Body base) {
        String text = new String(last.body(ExpositionFormat.PROMETHEUS_TEXT, false), StandardCharsets.UTF_8);
        int podSeries = 0;
        for (int i = text.indexOf(",pod=\""); i >= 0; i = text.indexOf(",pod=\"", i + 1)) {
            podSeries++;
        }
        if (podSeries != base.podSeries()) {
            failures.add("cycle " + cycle + ": " + podSeries + " pod series, baseline " + base.podSeries());
        }
        if (previousPrefix != null && text.contains("pod=\"" + previousPrefix + "-")) {
            failures.add("cycle " + cycle + ": series of the previous cycle's ended pods remain");
        }
    }

    private void watchCaches() throws ReflectiveOperationException {
        for (String name : List.of("gpuLabels", "podLabels", "migLabels", "infoLabels")) {
            Field f = GpuExpositionWriter.class.getDeclaredField(name);
            f.setAccessible(true);
            int size = ((Map<?, ?>) f.get(writer)).size();
            if (size < cacheLast.getOrDefault(name, 0)) {
                cacheClears.merge(name, 1, Integer::sum);
            }
            cacheLast.put(name, size);
            cacheMax.merge(name, size, Math::max);
        }
    }

    private PodLayout layoutOf(String prefix, long cycleNo, List<GpuSample> base, long timestampMicros) {
        return PodLayout.of(base, podCount, prefix == null ? "base" : prefix, 1_000_000 + cycleNo * 1_000,
                timestampMicros);
    }

    /** The GPUs' own readings from the simulation, with the current pods' processes. */
    private final class ScriptedGpus implements GpuSource {
        @Override
        public String kind() {
            return "sim";
        }

        @Override
        public DriverInfo open() {
            return gpus.open();
        }

        @Override
        public NodeReading read() {
            NodeReading r = gpus.read();
            current = layoutOf(currentPrefix, cycle, r.gpus(), System.currentTimeMillis() * 1000);
            return new NodeReading(r.driver(), current.gpus(), r.errors());
        }

        @Override
        public void close() {
            gpus.close();
        }
    }

    /**
     * What {@code KubeletPods} would see: the kubelet lists the current pods' allocations and the
     * previous cycle's (it keeps listing ended pods for a while); the informer knows the current
     * pods as running and the previous ones as Succeeded, or (odd cycles) not at all.
     */
    private final class ScriptedPods implements PodAttributor {
        @Override
        public Attribution attribute(List<GpuSample> sampled) {
            List<DeviceAllocation> allocations = new ArrayList<>(current.allocations());
            Map<PodName, PodState> pods = new HashMap<>(current.pods());
            if (previousPrefix != null || cycle != 0) {
                PodLayout previous = layoutOf(previousPrefix, cycle - 1, sampled, 0);
                allocations.addAll(previous.allocations());
                if (cycle % 2 == 0) {
                    previous.pods().forEach((k, v) -> pods.put(k, new PodState(v.uid(), true)));
                }
            }
            return Attributor.attribute(sampled, PodLayout.holdings(allocations), pods, current.podUidByPid())
                    .withAllocatable(current.allocatable());
        }
    }

    /** The series of one text body, split by kind; a series is its line without the value. */
    private record Body(Set<String> gpuSeries, Set<String> otherSeries, int podSeries) {
        int total() {
            return gpuSeries.size() + otherSeries.size();
        }
    }

    private Body body() {
        Set<String> gpu = new TreeSet<>();
        Set<String> other = new TreeSet<>();
        int pod = 0;
        for (String line : new String(last.body(ExpositionFormat.PROMETHEUS_TEXT, false), StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String series = line.substring(0, line.lastIndexOf(' '));
            (series.startsWith("nvidia_gpu_") ? gpu : other).add(series);
            if (series.contains(",pod=\"")) {
                pod++;
            }
        }
        return new Body(gpu, other, pod);
    }

    /** Heap used after a full GC: the least of five tries, 50 ms apart. */
    private static long gcHeap() throws InterruptedException {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    private static String gcNames() {
        List<String> names = new ArrayList<>();
        ManagementFactory.getGarbageCollectorMXBeans().forEach(b -> names.add(b.getName()));
        return String.join("+", names);
    }

    private static String first(Set<String> s) {
        return s.isEmpty() ? "" : s.iterator().next();
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("usage: PodChurnRun [--cycles N] [--warmup N] [--pods N] [--heap-bound-mib X] "
                        + "[--max-seconds S]");
                System.exit(2);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        return opts;
    }
}
