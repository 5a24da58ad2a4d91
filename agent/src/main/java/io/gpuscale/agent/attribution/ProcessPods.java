package io.gpuscale.agent.attribution;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Maps GPU process IDs to pod UIDs by reading {@code <proc>/<pid>/cgroup}. Needs the host PID
 * namespace ({@code hostPID: true}) to see other pods' processes. A process keeps its pod for
 * life, so each PID is read once and forgotten when it no longer uses a GPU.
 */
public final class ProcessPods {
    private static final int MAX_CGROUP_BYTES = 64 * 1024;

    private final Path procRoot;
    private final Map<Long, Optional<String>> cache = new HashMap<>();
    private Set<Long> lastPids = Set.of();
    private Map<Long, String> lastResult = Map.of();

    /** @param procRoot {@code /proc} on a node; a directory of {@code <pid>/cgroup} files in tests */
    public ProcessPods(Path procRoot) {
        this.procRoot = procRoot;
    }

    /** The pod UID of each of {@code pids} that runs in a pod; PIDs not seen last time are read anew. */
    public Map<Long, String> resolve(Set<Long> pids) {
        if (pids.equals(lastPids)) {
            return lastResult; // the same processes as last time: each PID keeps its pod for life
        }
        cache.keySet().retainAll(pids);
        Map<Long, String> result = new HashMap<>();
        for (Long pid : pids) {
            cache.computeIfAbsent(pid, this::read).ifPresent(uid -> result.put(pid, uid));
        }
        lastPids = Set.copyOf(pids);
        lastResult = Map.copyOf(result);
        return lastResult;
    }

    private Optional<String> read(long pid) {
        Path file = procRoot.resolve(Long.toString(pid)).resolve("cgroup");
        try (InputStream in = Files.newInputStream(file)) {
            return CgroupPodUid.parse(new String(in.readNBytes(MAX_CGROUP_BYTES), StandardCharsets.UTF_8));
        } catch (IOException | SecurityException e) {
            return Optional.empty(); // exited, or not visible from this PID namespace
        }
    }
}
