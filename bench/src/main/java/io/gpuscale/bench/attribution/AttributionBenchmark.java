package io.gpuscale.bench.attribution;

import io.gpuscale.agent.attribution.Attribution;
import io.gpuscale.agent.attribution.Attributor;
import io.gpuscale.agent.attribution.Holding;
import io.gpuscale.agent.attribution.PodName;
import io.gpuscale.agent.attribution.PodState;
import io.gpuscale.agent.attribution.ProcessPods;
import io.gpuscale.agent.gpu.GpuProcess;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.pods.DeviceAllocation;
import io.gpuscale.agent.pods.PodInfo;
import io.gpuscale.bench.PodLayout;
import io.gpuscale.bench.SimNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What pod attribution adds to each sample of an 8-GPU node ({@link PodLayout}: 4 GPUs held
 * whole, 4 time-sliced sharing the other pods; one process per pod, two per-process samples on
 * shared GPUs).
 *
 * <ul>
 *   <li>{@code attribute}: {@link Attributor#attribute} alone, holdings already split.
 *   <li>{@code perSample}: everything {@code KubeletPods.attribute} does per sample apart from the
 *       kubelet gRPC call: device IDs split into holdings (as {@code KubeletPods.toHoldings}), the
 *       informer's pods into the {@code namespace/name} map (built once: {@code KubeletPods} keeps
 *       it until the informer's view changes), the GPU processes' PIDs collected
 *       and resolved by the real {@link ProcessPods} (every PID already cached, as in steady state:
 *       a PID's cgroup file is read once), then {@link Attributor#attribute} and
 *       {@link Attribution#withAllocatable}. The map and PID steps mirror {@code KubeletPods}'
 *       code, which is not callable from here without a kubelet and an informer.
 * </ul>
 *
 * <p>Target (issue 3): at most 20 µs per sample on top of the sample, 8 GPUs and 64 pods.
 *
 * <p>Results: see {@code docs/performance.md}, section "Pod attribution (issue 3)".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AttributionBenchmark {

    @Param({"16", "64", "256"})
    int pods;

    PodLayout layout;
    List<GpuSample> gpus;
    List<Holding> holdings;
    List<PodInfo> informerPods;
    ProcessPods processPods;
    Path procRoot;

    @Setup
    public void setUp() throws IOException {
        layout = PodLayout.of(SimNode.h100(8).gpus(), pods, "pod", 100_000, System.currentTimeMillis() * 1000);
        gpus = layout.gpus();
        holdings = layout.holdings();
        informerPods = new ArrayList<>();
        layout.pods().forEach((key, state) -> {
            informerPods.add(new PodInfo(state.uid(), key.namespace(), key.name(), "Running"));
        });
        procRoot = Files.createTempDirectory("attribution-bench-proc");
        for (Map.Entry<Long, String> e : layout.podUidByPid().entrySet()) {
            Path dir = Files.createDirectories(procRoot.resolve(Long.toString(e.getKey())));
            Files.writeString(dir.resolve("cgroup"), "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                    + e.getValue().replace('-', '_') + ".slice/cri-containerd-0123456789abcdef.scope\n");
        }
        processPods = new ProcessPods(procRoot);
        Attribution a = perSample();
        System.out.printf("%n# %d pods: %d usage entries, %d exclusive GPUs%n", pods, a.usage().size(),
                a.exclusiveHolders().size());
        if (a.usage().size() != pods || !a.usage().stream().allMatch(u -> u.utilizationPercent() >= 0)) {
            throw new IllegalStateException("unexpected attribution: " + a);
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(procRoot)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Benchmark
    public Attribution attribute() {
        return Attributor.attribute(gpus, holdings, layout.pods(), layout.podUidByPid());
    }

    /** The pod map as {@code KubeletPods} keeps it between changes of the informer's view. */
    private Map<PodName, PodState> podStates() {
        if (podStates == null) {
            Map<PodName, PodState> states = new HashMap<>();
            for (PodInfo p : informerPods) {
                states.put(new PodName(p.namespace(), p.name()), new PodState(p.uid(), p.ended()));
            }
            podStates = Map.copyOf(states);
        }
        return podStates;
    }

    Map<PodName, PodState> podStates;
    List<DeviceAllocation> lastAllocations;
    List<Holding> lastHoldings;

    /** As {@code KubeletPods}: device IDs are split again only when the kubelet's list changed. */
    private List<Holding> holdingsOf(List<DeviceAllocation> allocations) {
        if (!allocations.equals(lastAllocations)) {
            lastHoldings = PodLayout.holdings(allocations);
            lastAllocations = allocations;
        }
        return lastHoldings;
    }

    @Benchmark
    public Attribution perSample() {
        List<Holding> h = holdingsOf(layout.allocations());
        Map<PodName, PodState> podStates = podStates();
        Set<Long> pids = new HashSet<>();
        for (GpuSample g : gpus) {
            for (GpuProcess p : g.processes()) {
                pids.add(p.pid());
            }
        }
        return Attributor.attribute(gpus, h, podStates, processPods.resolve(pids))
                .withAllocatable(layout.allocatable());
    }
}
