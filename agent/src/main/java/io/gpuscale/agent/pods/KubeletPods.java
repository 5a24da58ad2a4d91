package io.gpuscale.agent.pods;

import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.log.RepeatedLog;
import io.gpuscale.common.Durations;
import io.gpuscale.agent.attribution.Attribution;
import io.gpuscale.agent.attribution.Attributor;
import io.gpuscale.agent.attribution.Holding;
import io.gpuscale.agent.attribution.PodAttributor;
import io.gpuscale.agent.attribution.PodName;
import io.gpuscale.agent.attribution.PodRef;
import io.gpuscale.agent.attribution.PodState;
import io.gpuscale.agent.attribution.ProcessPods;
import io.gpuscale.agent.gpu.GpuProcess;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.sample.Backoff;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Pod attribution on a real node: the kubelet's allocations (PodResources), the pods' UIDs and phases (a node-scoped informer, when the agent may list pods), and
 * the GPU processes' cgroups. Each part degrades on its own: without the kubelet the series lose
 * their pod labels until it is back; without the informer, allocations are trusted as listed and
 * shared GPUs fall back to whole-GPU values.
 */
public final class KubeletPods implements PodAttributor {
    private static final Logger LOG = System.getLogger(KubeletPods.class.getName());
    /** A kubelet that fails again and again after answering in between logs a line a minute per kind. */
    private final RepeatedLog repeated = new RepeatedLog(LOG);
    /** Whether the start of the current outage was logged (its end is then logged too). */
    private volatile boolean failureLogged;

    private final PodDeviceSource devices;
    private final NodePodInformer informer;
    private final ProcessPods processes;
    private final LongSupplier nanoTime;
    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
    private static final Duration ALLOCATABLE_EVERY = Duration.ofMinutes(1);
    /**
     * With the node's pods watched, allocations are asked for when the pods change (a device is
     * allocated before its container starts, and freed when the pod goes) and at least this often;
     * without the watch, once per sample.
     */
    static final Duration ALLOCATIONS_EVERY = Duration.ofSeconds(10);

    private List<Holding> holdings = List.of();
    private List<DeviceAllocation> lastAllocations = List.of();
    private NodePods lastPods;
    private Map<PodName, PodState> lastPodStates = Map.of();
    private Map<String, Integer> allocatable = Map.of();
    private long allocatableAskedAt;
    private long allocationsAskedAt;
    /** The informer's view when allocations were last asked for (null: not asked since the informer synced). */
    private NodePods podsWhenAsked;
    private volatile String lastFailure = "";
    private volatile boolean everListed;

    /**
     * @param informer the node's pods, or null when the agent cannot list pods
     */
    public KubeletPods(PodDeviceSource devices, NodePodInformer informer, ProcessPods processes, LongSupplier nanoTime) {
        this.devices = devices;
        this.informer = informer;
        this.processes = processes;
        this.nanoTime = nanoTime;
    }

    @Override
    public Attribution attribute(List<GpuSample> gpus) {
        refreshHoldings();
        Map<PodName, PodState> pods = null;
        if (informer != null && informer.synced()) {
            pods = podStates(informer.current());
        }
        Set<Long> pids = new HashSet<>();
        for (GpuSample g : gpus) {
            for (GpuProcess p : g.processes()) {
                pids.add(p.pid());
            }
        }
        return Attributor.attribute(gpus, holdings, pods, processes.resolve(pids)).withAllocatable(allocatable);
    }

    /**
     * What the kubelet can allocate changes only when the device plugin restarts or its sharing
     * configuration changes: asked when the kubelet (re)connects and then once a minute.
     */
    private void refreshAllocatable(long now) {
        if (allocatableAskedAt != 0 && now - allocatableAskedAt < ALLOCATABLE_EVERY.toNanos()) {
            return;
        }
        allocatableAskedAt = now;
        try {
            Map<String, Integer> counts = new HashMap<>();
            for (String id : devices.allocatableDeviceIds()) {
                DeviceId.parse(id).ifPresent(d -> counts.merge(d.uuid(), 1, Integer::sum));
            }
            allocatable = Map.copyOf(counts);
        } catch (PodSourceException e) {
            LOG.log(Level.DEBUG, "kubelet GetAllocatableResources failed", LogFields.of("code", e.code(), "reason",
                    e.getMessage()));
        }
    }

    /** The pods by {@code namespace/name}, rebuilt only when the informer's view changed. */
    private Map<PodName, PodState> podStates(NodePods current) {
        if (current != lastPods) {
            Map<PodName, PodState> states = new HashMap<>();
            for (PodInfo p : current.all()) {
                states.put(new PodName(p.namespace(), p.name()), new PodState(p.uid(), p.ended()));
            }
            lastPods = current;
            lastPodStates = Map.copyOf(states);
        }
        return lastPodStates;
    }

    /**
     * Whether to ask the kubelet now: always while it fails or the pods are not watched, else when
     * the watched pods changed since the last answer or {@link #ALLOCATIONS_EVERY} has passed.
     */
    private boolean allocationsDue(long now, NodePods pods) {
        return pods == null || !lastFailure.isEmpty() || !everListed || pods != podsWhenAsked
                || now - allocationsAskedAt >= ALLOCATIONS_EVERY.toNanos();
    }

    private void refreshHoldings() {
        long now = nanoTime.getAsLong();
        if (!backoff.ready(now)) {
            return;
        }
        // read before asking, so that a change during the call is asked about at the next sample
        NodePods pods = informer != null && informer.synced() ? informer.current() : null;
        if (!allocationsDue(now, pods)) {
            return;
        }
        try {
            List<DeviceAllocation> allocations = devices.list();
            allocationsAskedAt = now;
            podsWhenAsked = pods;
            if (!allocations.equals(lastAllocations)) {
                // Allocations change only when pods come and go: split the device IDs then.
                holdings = toHoldings(allocations);
                lastAllocations = allocations;
            }
            if (!lastFailure.isEmpty()) {
                allocatableAskedAt = 0; // the kubelet restarted: its device plugins may have too
            }
            refreshAllocatable(now);
            backoff.succeeded();
            if (!lastFailure.isEmpty()) {
                if (failureLogged) {
                    LOG.log(Level.INFO, "kubelet PodResources answers again; pod labels restored");
                }
                failureLogged = false;
            } else if (!everListed) {
                LOG.log(Level.INFO, "kubelet PodResources connected: " + holdings.size() + " GPU allocations",
                        LogFields.of("allocations", holdings.size()));
            }
            everListed = true;
            lastFailure = "";
        } catch (PodSourceException e) {
            Duration retry = backoff.failed(now);
            if (!PodSourceException.RATE_LIMITED.equals(e.code())) {
                holdings = List.of(); // no stale pod labels: without the kubelet we do not know who holds what
                lastAllocations = List.of();
            }
            if (!e.code().equals(lastFailure) && repeated.log(Level.WARNING, e.code(), "kubelet PodResources "
                    + "unavailable; GPU metrics continue without pod labels, retrying with backoff",
                    LogFields.of("code", e.code(), "reason", e.getMessage()))) {
                failureLogged = true;
            } else {
                LOG.log(Level.DEBUG, "kubelet PodResources still unavailable", LogFields.of("code", e.code(),
                        "retry_in", Durations.format(retry)));
            }
            lastFailure = e.code();
        }
    }

    public static List<Holding> toHoldings(List<DeviceAllocation> allocations) {
        List<Holding> out = new ArrayList<>(allocations.size());
        for (DeviceAllocation a : allocations) {
            DeviceId.parse(a.deviceId()).ifPresent(id -> out.add(new Holding(
                    new PodRef(a.namespace(), a.pod(), a.container()), id.uuid(), id.replica(), a.resourceName())));
        }
        return out;
    }

    @Override
    public boolean asksKubelet() {
        return true;
    }

    @Override
    public boolean podResourcesUp() {
        return everListed && lastFailure.isEmpty();
    }

    @Override
    public void close() {
        devices.close();
        if (informer != null) {
            informer.close();
        }
    }
}
