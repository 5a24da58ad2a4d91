package io.gpuscale.agent.nvml;

import com.sun.jna.Memory;
import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.gpu.GpuEventSource;
import io.gpuscale.agent.gpu.GpuIdentity;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.GpuSource;
import io.gpuscale.agent.gpu.GpuSourceException;
import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.agent.gpu.SourceError;
import io.gpuscale.agent.gpu.XidEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Reads the node's GPUs through NVML ({@code libnvidia-ml.so.1}).
 *
 * <p>Errors stay as small as they can: a reading the GPU or driver lacks (NOT_SUPPORTED,
 * FUNCTION_NOT_FOUND) is reported once and not asked again until the source is reopened; a
 * transient failure (NO_PERMISSION, TIMEOUT, ...) leaves that one field out of this read; a GPU
 * that answers GPU_IS_LOST or UNKNOWN is reported down while the others keep their readings.
 * Codes that invalidate NVML's state (GPU_IS_LOST, UNINITIALIZED, DRIVER_NOT_LOADED,
 * LIB_RM_VERSION_MISMATCH, GPU_NOT_FOUND) make the source shut NVML down and initialize it again
 * on a later read, after 1 s and then with a backoff doubling to 60 s while a GPU stays lost; the
 * healthy GPUs are read with their current handles in between. Only when that initialization
 * fails does {@link #read()} throw, so that the caller closes the source and opens it later.
 *
 * <p>A GPU in MIG mode also reports its MIG devices, enumerated anew on every read.
 *
 * <p>Critical Xid errors come from an NVML event set, registered for every GPU after each
 * initialization and freed before each shutdown; see {@link NvmlEventSet} for how a waiter
 * blocked in {@link #awaitXidEvents} and a concurrent close or re-init stay out of each other's way.
 *
 * <p>Threads: one sampler thread reads; {@link #close()} may come from another (it is synchronized
 * with the reads); one event thread may block in {@link #awaitXidEvents} at the same time, without
 * ever holding up the other two for longer than {@link NvmlEventSet#WAIT_SLICE_MILLIS}.
 */
public final class NvmlGpuSource implements GpuSource, GpuEventSource {

    /** The library name real nodes have. */
    public static final String DEFAULT_LIBRARY = NvmlLibrary.DEFAULT_NAME;

    static final long FIRST_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(60);

    private static final int VERSION_LENGTH = 80; // NVML_SYSTEM_*_VERSION_BUFFER_SIZE
    private static final int SCRATCH_LENGTH = 96; // also holds a UUID (NVML_DEVICE_UUID_V2_BUFFER_SIZE)

    private final String library;
    private final LongSupplier nanoClock;
    private final Memory scratch = new Memory(SCRATCH_LENGTH);
    private final NvmlEventSet events = new NvmlEventSet();

    private NvmlLibrary nvml;
    private boolean initialized;
    private DriverInfo driver = DriverInfo.UNKNOWN;
    private final List<NvmlDevice> devices = new ArrayList<>();
    private final List<SourceError> pendingErrors = new ArrayList<>();
    private final GpuSample.Builder builder = GpuSample.builder(new GpuIdentity(-1, "", "", "", "", -1, ""));
    private long backoffNanos = FIRST_BACKOFF_NANOS;
    private boolean reinitScheduled;
    private long reinitAtNanos;

    /** NVML from {@code library} (a file name searched on the library path, or an absolute path). */
    public NvmlGpuSource(String library) {
        this(library, System::nanoTime);
    }

    /**
     * @param library a file name searched on the library path, or an absolute path; blank means
     *     {@link #DEFAULT_LIBRARY}
     * @param nanoClock monotonic nanoseconds, as {@link System#nanoTime()}, for the re-init backoff
     */
    public NvmlGpuSource(String library, LongSupplier nanoClock) {
        this.library = library == null || library.isBlank() ? DEFAULT_LIBRARY : library;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    @Override
    public String kind() {
        return "nvml";
    }

    /** The library this source loads. */
    public String library() {
        return library;
    }

    /**
     * Loads the library, initializes NVML and reads each GPU's identity and the driver versions.
     * Reopening an open source closes it first; what the GPUs did not support is forgotten.
     *
     * @throws GpuSourceException {@code LIBRARY_NOT_FOUND}, the {@code nvmlInit_v2} code (e.g.
     *     {@code DRIVER_NOT_LOADED}), or {@code FUNCTION_NOT_FOUND} for a library that is not NVML
     */
    @Override
    public synchronized DriverInfo open() throws GpuSourceException {
        close();
        nvml = NvmlLibrary.acquire(library);
        try {
            initialize();
            driver = readDriver();
            int count = deviceCount();
            for (int i = 0; i < count; i++) {
                devices.add(NvmlDevice.attach(nvml, i, pendingErrors));
            }
            events.register(nvml, devices, pendingErrors);
            scheduleReinitIfLost(nanoClock.getAsLong());
        } catch (GpuSourceException | RuntimeException e) {
            close();
            throw e;
        }
        return driver;
    }

    @Override
    public synchronized NodeReading read() throws GpuSourceException {
        if (nvml == null) {
            throw new IllegalStateException("the NVML source is not open");
        }
        List<SourceError> errors = new ArrayList<>(pendingErrors);
        pendingErrors.clear();
        long now = nanoClock.getAsLong();
        if (!initialized || (reinitScheduled && now - reinitAtNanos >= 0)) {
            try {
                reinitialize(now, errors);
            } catch (GpuSourceException e) {
                events.unavailable(e.code(), e.getMessage());
                throw e;
            }
        }
        List<GpuSample> samples = new ArrayList<>(devices.size());
        for (NvmlDevice device : devices) {
            samples.add(device.read(builder, errors));
        }
        scheduleReinitIfLost(now);
        return new NodeReading(driver, samples, errors);
    }

    /**
     * Waits up to {@code timeout} for critical Xid errors; never holds up {@link #read()}. A GPU
     * that the event set reports lost is returned once as Xid {@link XidEvent#FALLEN_OFF_THE_BUS}.
     *
     * @throws GpuSourceException {@code NOT_OPEN} at once when the source is not open (or is
     *     closed while waiting); {@code NOT_SUPPORTED} when the driver has no event API or no GPU
     *     reports Xid events; {@code GPU_IS_LOST} when the lost GPU cannot be told or was already
     *     reported; the code of a failed re-init or of a failed wait
     */
    @Override
    public List<XidEvent> awaitXidEvents(Duration timeout) throws GpuSourceException {
        Objects.requireNonNull(timeout, "timeout");
        return events.await(timeout);
    }

    /** Frees the event set, shuts NVML down (once per successful init) and forgets the GPUs. Idempotent. */
    @Override
    public synchronized void close() {
        events.close();
        if (initialized) {
            initialized = false;
            NvmlLibrary.Shutdown.nvmlShutdown();
        }
        if (nvml != null) {
            nvml = null;
            NvmlLibrary.release();
        }
        devices.clear();
        pendingErrors.clear();
        driver = DriverInfo.UNKNOWN;
        backoffNanos = FIRST_BACKOFF_NANOS;
        reinitScheduled = false;
    }

    @Override
    public String toString() {
        return "NvmlGpuSource[" + library + "]";
    }

    private void initialize() throws GpuSourceException {
        int rc = NvmlLibrary.Init.nvmlInit_v2();
        if (rc != NvmlReturn.SUCCESS.code()) {
            NvmlReturn code = NvmlReturn.of(rc);
            throw new GpuSourceException(code.name(), "nvmlInit_v2 in " + library + " failed: " + code.name()
                    + " (" + errorString(rc) + ")" + initHint(code));
        }
        initialized = true;
    }

    private static String initHint(NvmlReturn code) {
        switch (code) {
            case DRIVER_NOT_LOADED:
                return ": the NVIDIA kernel driver is not loaded on this node (check nvidia-smi on the host)";
            case NO_PERMISSION:
                return ": no access to /dev/nvidia* (run with the nvidia runtime class and NVIDIA_VISIBLE_DEVICES=all)";
            case LIB_RM_VERSION_MISMATCH:
                return ": the library does not match the loaded kernel driver (driver upgraded without a reload)";
            default:
                return "";
        }
    }

    private static String errorString(int rc) {
        String s = NvmlLibrary.ErrorString.nvmlErrorString(rc);
        return s == null ? "no description" : s;
    }

    private int deviceCount() throws GpuSourceException {
        int rc = NvmlLibrary.DeviceCount.nvmlDeviceGetCount_v2(scratch);
        if (rc != NvmlReturn.SUCCESS.code()) {
            NvmlReturn code = NvmlReturn.of(rc);
            throw new GpuSourceException(code.name(),
                    "nvmlDeviceGetCount_v2 failed: " + code.name() + " (" + errorString(rc) + ")");
        }
        return scratch.getInt(0);
    }

    private DriverInfo readDriver() {
        String driverVersion = "";
        if (nvml.has(NvmlLibrary.Symbol.DRIVER_VERSION)
                && NvmlLibrary.DriverVersion.nvmlSystemGetDriverVersion(scratch, VERSION_LENGTH) == 0) {
            driverVersion = scratch.getString(0, "US-ASCII");
        }
        String nvmlVersion = "";
        if (nvml.has(NvmlLibrary.Symbol.NVML_VERSION)
                && NvmlLibrary.NvmlVersion.nvmlSystemGetNVMLVersion(scratch, VERSION_LENGTH) == 0) {
            nvmlVersion = scratch.getString(0, "US-ASCII");
        }
        String cuda = "";
        int rc = -1;
        if (nvml.has(NvmlLibrary.Symbol.CUDA_DRIVER_VERSION_V2)) {
            rc = NvmlLibrary.CudaDriverVersionV2.nvmlSystemGetCudaDriverVersion_v2(scratch);
        } else if (nvml.has(NvmlLibrary.Symbol.CUDA_DRIVER_VERSION)) {
            rc = NvmlLibrary.CudaDriverVersion.nvmlSystemGetCudaDriverVersion(scratch);
        }
        if (rc == 0) {
            int v = scratch.getInt(0); // e.g. 12040 for CUDA 12.4
            cuda = (v / 1000) + "." + (v % 1000) / 10;
        }
        return new DriverInfo(driverVersion, nvmlVersion, cuda);
    }

    /**
     * Shuts NVML down, initializes it again and finds the GPUs anew. Each keeps its identity by
     * what can be read of it: its UUID, else its PCI bus id, else its index (a lost GPU may give a
     * handle that answers GPU_IS_LOST even for its UUID); so a GPU whose index moved keeps what the
     * source knows about it, and a GPU that is still lost stays one device, down, with its last
     * known identity. A GPU NVML no longer enumerates is gone: it is dropped, and its series with it.
     */
    private void reinitialize(long now, List<SourceError> errors) throws GpuSourceException {
        events.suspend();
        if (initialized) {
            initialized = false;
            NvmlLibrary.Shutdown.nvmlShutdown();
        }
        initialize();
        driver = readDriver();
        int count = deviceCount();
        List<NvmlDevice> unmatched = new ArrayList<>(devices);
        for (int i = 0; i < count; i++) {
            int index = i;
            NvmlDevice.Handle h = NvmlDevice.Handle.lookup(i, scratch);
            if (h.code != NvmlReturn.SUCCESS) {
                errors.add(new SourceError("nvmlDeviceGetHandleByIndex_v2", h.code.name(), i));
                NvmlDevice same = take(unmatched, d -> d.identity().index() == index);
                if (same != null) {
                    same.markLost(h.code);
                } else {
                    devices.add(NvmlDevice.lostAt(nvml, i, h.code));
                }
                continue;
            }
            NvmlDevice.Probe probe = NvmlDevice.Probe.of(nvml, h.pointer, scratch);
            NvmlDevice same = match(unmatched, probe, i);
            if (probe.down() != null) {
                errors.add(new SourceError("nvmlDeviceGetUUID", probe.down().name(), i));
                if (same != null) {
                    same.markLost(probe.down());
                } else {
                    devices.add(NvmlDevice.lostAt(nvml, i, probe.down()));
                }
            } else if (same != null) {
                same.reattach(h.pointer, i, errors);
            } else {
                devices.add(NvmlDevice.attach(nvml, i, errors));
            }
        }
        devices.removeAll(unmatched);
        devices.sort(Comparator.comparingInt(d -> d.identity().index()));
        events.register(nvml, devices, errors);
        reinitScheduled = false;
        if (devices.stream().anyMatch(NvmlDevice::isLost)) {
            backoffNanos = Math.min(backoffNanos * 2, MAX_BACKOFF_NANOS);
            reinitScheduled = true;
            reinitAtNanos = now + backoffNanos;
        } else {
            backoffNanos = FIRST_BACKOFF_NANOS;
        }
    }

    /**
     * The known GPU a fresh handle at {@code index} is: by UUID when it could be read, else by PCI
     * bus id, else the one at that index; a GPU whose UUID was never learned is matched by index.
     */
    private static NvmlDevice match(List<NvmlDevice> candidates, NvmlDevice.Probe probe, int index) {
        if (!probe.uuid().isEmpty()) {
            NvmlDevice same = take(candidates, d -> d.identity().uuid().equals(probe.uuid()));
            return same != null ? same
                    : take(candidates, d -> d.identity().uuid().isEmpty() && d.identity().index() == index);
        }
        if (!probe.pciBusId().isEmpty()) {
            NvmlDevice same = take(candidates, d -> d.identity().pciBusId().equals(probe.pciBusId()));
            if (same != null) {
                return same;
            }
        }
        return take(candidates, d -> d.identity().index() == index);
    }

    private static NvmlDevice take(List<NvmlDevice> candidates, Predicate<NvmlDevice> which) {
        for (int k = 0; k < candidates.size(); k++) {
            if (which.test(candidates.get(k))) {
                return candidates.remove(k);
            }
        }
        return null;
    }

    private void scheduleReinitIfLost(long now) {
        if (!reinitScheduled && devices.stream().anyMatch(NvmlDevice::isLost)) {
            reinitScheduled = true;
            reinitAtNanos = now + backoffNanos;
        }
    }
}
