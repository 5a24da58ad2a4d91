package io.gpuscale.agent.nvml;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;

/**
 * The test controls of the NVML stand-in ({@code src/test/native/fake_nvml.c}), loaded from the
 * same file the source under test loads, so both see one library state.
 */
public final class FakeNvml {
    static final int NOT_SUPPORTED = 3;
    static final int NO_PERMISSION = 4;
    static final int DRIVER_NOT_LOADED = 9;
    static final int FUNCTION_NOT_FOUND = 13;
    static final int GPU_IS_LOST = 15;
    static final int UNKNOWN = 999;
    /** nvmlDevice_t's GPU/compute instance id outside MIG, read as a Java int. */
    static final int NO_INSTANCE = -1;
    static final long GIB = 1L << 30;
    static final long MIB = 1L << 20;

    /** The fakenvml_* exports, mapped by interface (plain test code, no need for speed). */
    interface Controls extends Library {
        void fakenvml_reset(int gpus);

        void fakenvml_set_count(int gpus);

        int fakenvml_set(int gpu, String field, long value);

        int fakenvml_set_string(int gpu, String field, String value);

        int fakenvml_force(String function, int gpu, int code);

        void fakenvml_set_lost(int gpu, int lost);

        int fakenvml_add_process(int gpu, int pid, long usedMemory);

        void fakenvml_clear_processes(int gpu);

        int fakenvml_add_sample(int gpu, int pid, long timestamp, int sm, int mem, int enc, int dec);

        long fakenvml_last_seen(int gpu);

        long fakenvml_calls(String function, int gpu);

        int fakenvml_init_count();

        int fakenvml_shutdown_count();

        int fakenvml_init_refs();

        int fakenvml_add_mig(int gpu, int slot, String profile, int gpuInstance, int computeInstance,
                long memoryTotal, long memoryUsed);

        void fakenvml_clear_mig(int gpu);

        String fakenvml_mig_uuid(int gpu, int slot);

        long fakenvml_mig_reserved();

        int fakenvml_force_mig(String function, int gpu, int code);

        int fakenvml_add_mig_process(int gpu, int pid, long usedMemory, int gpuInstance, int computeInstance);

        int fakenvml_inject_xid(int gpu, long xid, int gpuInstance, int computeInstance);

        int fakenvml_inject_lost(int gpu);

        int fakenvml_await_waiters(int n, int timeoutMs);

        int fakenvml_live_sets();

        int fakenvml_event_misuses();

        int fakenvml_shutdowns_with_live_sets();
    }

    private final String path;
    private final Controls c;

    private FakeNvml(String path) {
        this.path = path;
        this.c = Native.load(path, Controls.class);
    }

    /** The modern driver's library, reset to {@code gpus} GPUs. */
    public static FakeNvml modern(int gpus) {
        return load(dir().resolve("libnvidia-ml.so.1"), gpus);
    }

    /** The old driver's library (no _v2 memory, no _v2/_v3 processes, no ClocksEventReasons). */
    static FakeNvml legacy(int gpus) {
        return load(dir().resolve("legacy").resolve("libnvidia-ml.so.1"), gpus);
    }

    /** A driver without nvmlDeviceGetTotalEnergyConsumption and the event API, which have no fallback. */
    static FakeNvml sparse(int gpus) {
        return load(dir().resolve("sparse").resolve("libnvidia-ml.so.1"), gpus);
    }

    static Path dir() {
        String dir = System.getProperty("fake.nvml.dir");
        Path p = dir != null ? Paths.get(dir) : Paths.get("target", "native");
        if (!Files.isRegularFile(p.resolve("libnvidia-ml.so.1"))) {
            throw new IllegalStateException("no fake NVML in " + p.toAbsolutePath()
                    + ": run the tests through Maven (it builds src/test/native) or set -Dfake.nvml.dir");
        }
        return p.toAbsolutePath();
    }

    private static FakeNvml load(Path file, int gpus) {
        FakeNvml fake = new FakeNvml(file.toString());
        fake.c.fakenvml_reset(gpus);
        return fake;
    }

    public String path() {
        return path;
    }

    public FakeNvml set(int gpu, String field, long value) {
        check(c.fakenvml_set(gpu, field, value), field);
        return this;
    }

    public FakeNvml setString(int gpu, String field, String value) {
        check(c.fakenvml_set_string(gpu, field, value), field);
        return this;
    }

    /** Makes {@code function} return {@code code} on one GPU, or on all with -1; 0 restores it. */
    FakeNvml force(String function, int gpu, int code) {
        check(c.fakenvml_force(function, gpu, code), function);
        return this;
    }

    /** NVML now enumerates {@code gpus} GPUs; the GPUs keep their state. */
    FakeNvml count(int gpus) {
        c.fakenvml_set_count(gpus);
        return this;
    }

    /** Lost: every call on the GPU, handle lookups included, answers GPU_IS_LOST. */
    public FakeNvml lost(int gpu, boolean lost) {
        c.fakenvml_set_lost(gpu, lost ? 1 : 0);
        return this;
    }

    /**
     * Lost as real drivers answer after Xid 79: the handle can still be had, but every call on it,
     * the UUID too, answers GPU_IS_LOST.
     */
    public FakeNvml lostKeepingHandle(int gpu) {
        c.fakenvml_set_lost(gpu, 2);
        return this;
    }

    public FakeNvml addProcess(int gpu, long pid, long usedMemory) {
        check(c.fakenvml_add_process(gpu, (int) pid, usedMemory), "process");
        return this;
    }

    public FakeNvml clearProcesses(int gpu) {
        c.fakenvml_clear_processes(gpu);
        return this;
    }

    public FakeNvml addSample(int gpu, long pid, long timestampMicros, int sm, int mem, int enc, int dec) {
        check(c.fakenvml_add_sample(gpu, (int) pid, timestampMicros, sm, mem, enc, dec), "sample");
        return this;
    }

    /** The lastSeenTimeStamp of the GPU's latest per-process utilization query. */
    long lastSeen(int gpu) {
        return c.fakenvml_last_seen(gpu);
    }

    long calls(String function, int gpu) {
        long n = c.fakenvml_calls(function, gpu);
        if (n < 0) {
            throw new IllegalArgumentException("the fake does not export " + function);
        }
        return n;
    }

    long calls(String function) {
        return calls(function, -1);
    }

    int inits() {
        return c.fakenvml_init_count();
    }

    int shutdowns() {
        return c.fakenvml_shutdown_count();
    }

    int initRefs() {
        return c.fakenvml_init_refs();
    }

    /** Puts a GPU in MIG mode (or takes it out); its MIG devices are {@link #addMig}'s. */
    FakeNvml migMode(int gpu, boolean enabled) {
        return set(gpu, "mig_current", enabled ? 1 : 0);
    }

    /** Creates the MIG device at {@code slot} (0..6), named "&lt;GPU name&gt; MIG &lt;profile&gt;". */
    FakeNvml addMig(int gpu, int slot, String profile, int gpuInstance, int computeInstance, long memoryTotal,
            long memoryUsed) {
        check(c.fakenvml_add_mig(gpu, slot, profile, gpuInstance, computeInstance, memoryTotal, memoryUsed), "mig");
        return this;
    }

    /** Removes every MIG device of the GPU, as a reconfiguration does. */
    FakeNvml clearMig(int gpu) {
        c.fakenvml_clear_mig(gpu);
        return this;
    }

    String migUuid(int gpu, int slot) {
        return c.fakenvml_mig_uuid(gpu, slot);
    }

    /** What every MIG device reserves: v2 reports it apart from used memory. */
    long migReservedBytes() {
        return c.fakenvml_mig_reserved();
    }

    /** Makes {@code function} return {@code code} when called on the GPU's MIG handles; 0 restores it. */
    FakeNvml forceMig(String function, int gpu, int code) {
        check(c.fakenvml_force_mig(function, gpu, code), function);
        return this;
    }

    FakeNvml addMigProcess(int gpu, long pid, long usedMemory, int gpuInstance, int computeInstance) {
        check(c.fakenvml_add_mig_process(gpu, (int) pid, usedMemory, gpuInstance, computeInstance), "process");
        return this;
    }

    /** Queues an Xid on every live event set watching the GPU; returns how many sets got it. */
    int injectXid(int gpu, long xid, int gpuInstance, int computeInstance) {
        return c.fakenvml_inject_xid(gpu, xid, gpuInstance, computeInstance);
    }

    public int injectXid(int gpu, long xid) {
        return injectXid(gpu, xid, NO_INSTANCE, NO_INSTANCE);
    }

    /** The next wait on the sets watching the GPU answers GPU_IS_LOST (-1: every set, no device). */
    int injectLost(int gpu) {
        return c.fakenvml_inject_lost(gpu);
    }

    /** Whether {@code n} threads are blocked in nvmlEventSetWait_v2 within the timeout. */
    boolean awaitWaiters(int n, Duration timeout) {
        return c.fakenvml_await_waiters(n, (int) timeout.toMillis()) == 1;
    }

    /** Event sets created and not freed. */
    int liveEventSets() {
        return c.fakenvml_live_sets();
    }

    /** Waits on or frees of a freed set, and frees of a set during a wait on it. */
    int eventSetMisuses() {
        return c.fakenvml_event_misuses();
    }

    /** nvmlShutdown calls made before every event set was freed. */
    int shutdownsWithLiveEventSets() {
        return c.fakenvml_shutdowns_with_live_sets();
    }

    private static void check(int rc, String what) {
        if (rc != 0) {
            throw new IllegalArgumentException("the fake rejected " + what);
        }
    }
}
