package io.gpuscale.agent.nvml;

import static io.gpuscale.agent.gpu.GpuField.CLOCK_EVENT_REASONS;
import static io.gpuscale.agent.gpu.GpuField.COMPUTE_PROCESSES;
import static io.gpuscale.agent.gpu.GpuField.ENERGY_MILLIJOULES;
import static io.gpuscale.agent.gpu.GpuField.FAN_SPEED_PERCENT;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_CLOCK_MHZ;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_FREE_BYTES;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_RESERVED_BYTES;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_TOTAL_BYTES;
import static io.gpuscale.agent.gpu.GpuField.MEMORY_USED_BYTES;
import static io.gpuscale.agent.gpu.GpuField.MIG_MODE_ENABLED;
import static io.gpuscale.agent.gpu.GpuField.POWER_LIMIT_MILLIWATTS;
import static io.gpuscale.agent.gpu.GpuField.POWER_USAGE_MILLIWATTS;
import static io.gpuscale.agent.gpu.GpuField.PROCESS_UTILIZATION;
import static io.gpuscale.agent.gpu.GpuField.SM_CLOCK_MHZ;
import static io.gpuscale.agent.gpu.GpuField.TEMPERATURE_CELSIUS;
import static io.gpuscale.agent.gpu.GpuField.UTILIZATION_DECODER_PERCENT;
import static io.gpuscale.agent.gpu.GpuField.UTILIZATION_ENCODER_PERCENT;
import static io.gpuscale.agent.gpu.GpuField.UTILIZATION_GPU_PERCENT;
import static io.gpuscale.agent.gpu.GpuField.UTILIZATION_MEMORY_PERCENT;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.gpuscale.agent.gpu.GpuField;
import io.gpuscale.agent.gpu.GpuIdentity;
import io.gpuscale.agent.gpu.GpuProcess;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.MigDevice;
import io.gpuscale.agent.gpu.ProcessUtilization;
import io.gpuscale.agent.gpu.SourceError;
import io.gpuscale.agent.nvml.NvmlLibrary.Symbol;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One GPU as NVML sees it: its handle, what it turned out not to support, and the native buffers
 * its reads reuse (allocated once; only the process buffers grow, when a GPU has more processes
 * than ever before). Translates NVML's structs into a {@link GpuSample}; decides nothing else.
 */
final class NvmlDevice {

    /** {@code nvmlMemory_v2}: sizeof(nvmlMemory_v2_t) | 2 << 24. Passing plain 2 gets FUNCTION_NOT_FOUND. */
    static final int MEMORY_V2_VERSION = 0x02000028;
    /** {@code nvmlProcessesUtilizationInfo_v1}: sizeof 24 | 1 << 24. */
    static final int PROCESSES_UTILIZATION_INFO_V1_VERSION = 0x01000018;
    /** {@code NVML_VALUE_NOT_AVAILABLE} in an unsigned long long field. */
    static final long VALUE_NOT_AVAILABLE = -1L;

    private static final int SUCCESS = NvmlReturn.SUCCESS.code();
    private static final int NOT_FOUND = NvmlReturn.NOT_FOUND.code();
    private static final int INSUFFICIENT_SIZE = NvmlReturn.INSUFFICIENT_SIZE.code();

    private static final int TEXT_LENGTH = 96; // NVML_DEVICE_NAME_V2_BUFFER_SIZE, ..._UUID_V2_...
    private static final int PCI_BUS_ID_OFFSET = 36;
    private static final int PCI_BUS_ID_LENGTH = 32;
    private static final int PCI_INFO_SIZE = 68;
    private static final int CLOCK_SM = 1;
    private static final int CLOCK_MEM = 2;
    private static final int TEMPERATURE_GPU = 0;
    private static final int PROCESS_V1_SIZE = 16;
    private static final int PROCESS_SIZE = 24;
    private static final int SAMPLE_SIZE = 32; // nvmlProcessUtilizationSample_t
    private static final int UTIL_INFO_SIZE = 40; // nvmlProcessUtilizationInfo_v1_t
    private static final int GROW_ATTEMPTS = 3;
    /** More than any GPU has (7 on A100/H100); guards against a garbage count. */
    private static final int MAX_MIG_SLOTS = 64;
    private static final Set<Symbol> MIG_ENUMERATION =
            EnumSet.of(Symbol.MAX_MIG_DEVICE_COUNT, Symbol.MIG_DEVICE_HANDLE_BY_INDEX, Symbol.UUID);

    private static final String[] BRANDS = {
        "", "quadro", "tesla", "nvs", "grid", "geforce", "titan", "nvidia_vapps", "nvidia_vpc", "nvidia_vcs",
        "nvidia_vws", "nvidia_cloud_gaming", "quadro_rtx", "nvidia_rtx", "nvidia", "geforce_rtx", "titan_rtx"
    };

    /** The calls of one read, in order; each fills the fields it lists and fails as one. */
    private enum Reading {
        UTILIZATION("nvmlDeviceGetUtilizationRates", UTILIZATION_GPU_PERCENT, UTILIZATION_MEMORY_PERCENT),
        ENCODER("nvmlDeviceGetEncoderUtilization", UTILIZATION_ENCODER_PERCENT),
        DECODER("nvmlDeviceGetDecoderUtilization", UTILIZATION_DECODER_PERCENT),
        MEMORY("nvmlDeviceGetMemoryInfo_v2", MEMORY_TOTAL_BYTES, MEMORY_FREE_BYTES, MEMORY_USED_BYTES,
                MEMORY_RESERVED_BYTES),
        TEMPERATURE("nvmlDeviceGetTemperature", TEMPERATURE_CELSIUS),
        POWER_USAGE("nvmlDeviceGetPowerUsage", POWER_USAGE_MILLIWATTS),
        POWER_LIMIT("nvmlDeviceGetEnforcedPowerLimit", POWER_LIMIT_MILLIWATTS),
        ENERGY("nvmlDeviceGetTotalEnergyConsumption", ENERGY_MILLIJOULES),
        SM_CLOCK("nvmlDeviceGetClockInfo", SM_CLOCK_MHZ),
        MEMORY_CLOCK("nvmlDeviceGetClockInfo", MEMORY_CLOCK_MHZ),
        FAN_SPEED("nvmlDeviceGetFanSpeed", FAN_SPEED_PERCENT),
        CLOCK_EVENTS("nvmlDeviceGetCurrentClocksEventReasons", CLOCK_EVENT_REASONS),
        MIG_MODE("nvmlDeviceGetMigMode", MIG_MODE_ENABLED),
        PROCESSES("nvmlDeviceGetComputeRunningProcesses_v3", COMPUTE_PROCESSES),
        PROCESS_SAMPLES("nvmlDeviceGetProcessesUtilizationInfo", PROCESS_UTILIZATION);

        private static final Reading[] ALL = values();

        final String function;
        /** Whether to take this reading at all is decided by its first field. */
        final GpuField key;
        final long mask;

        Reading(String function, GpuField... fields) {
            this.function = function;
            this.key = fields[0];
            long m = 0;
            for (GpuField f : fields) {
                m |= f.bit();
            }
            this.mask = m;
        }
    }

    private final NvmlLibrary nvml;
    private GpuIdentity identity;
    private Pointer handle;
    private long unsupportedMask;
    private NvmlReturn lost;
    private long lastSeenMicros;
    private boolean memoryV1;
    private boolean legacyProcessSamples;
    /** MIG mode as this read found it. */
    private boolean migEnabled;
    /** The GPU or driver cannot enumerate MIG devices: stop asking. */
    private boolean migUnsupported;
    private boolean migMemoryV1;
    /** MIG calls whose failure was reported and that have not worked since: not reported again. */
    private final Set<Symbol> migFailing = EnumSet.noneOf(Symbol.class);
    private final long[] migMemory = new long[3]; // total, used, free
    /** The first code of this read's MIG calls that says the GPU is down, else SUCCESS; and its call. */
    private int migDown;
    private String migDownCall = "";
    private String calling = "";
    private final List<SourceError> pendingErrors = new ArrayList<>();

    /** Scalar out-parameters and the memory structs (nvmlMemory_v2_t is the largest, 40 bytes). */
    private final Memory out = new Memory(64);
    private final Pointer out8 = out.share(8);
    /** Names, UUIDs and nvmlPciInfo_t. */
    private final Memory text = new Memory(Math.max(TEXT_LENGTH, PCI_INFO_SIZE));
    private final Memory utilInfo = new Memory(24);
    private Memory processes;
    private int processCapacity;
    private Memory samples;
    private int sampleCapacity;

    private NvmlDevice(NvmlLibrary nvml, int index) {
        this.nvml = nvml;
        this.identity = new GpuIdentity(index, "", "", "", "", -1, "");
        growProcesses(16);
        growSamples(32);
        memoryV1 = !nvml.has(Symbol.MEMORY_INFO_V2);
        migMemoryV1 = memoryV1;
        legacyProcessSamples = !nvml.has(Symbol.PROCESSES_UTILIZATION_INFO);
        if (memoryV1) {
            unsupportedMask |= MEMORY_RESERVED_BYTES.bit(); // v1 has no reserved; not an error
        }
        for (Reading r : Reading.ALL) {
            if (!bound(r)) {
                unsupportedMask |= r.mask;
                pendingErrors.add(new SourceError(r.function, NvmlReturn.FUNCTION_NOT_FOUND.name(), index));
            }
        }
    }

    /**
     * Gets the handle of the GPU at {@code index} and reads its identity. A GPU whose handle cannot
     * be had is returned lost, with only its index known.
     */
    static NvmlDevice attach(NvmlLibrary nvml, int index, List<SourceError> errors) {
        NvmlDevice device = new NvmlDevice(nvml, index);
        Handle h = Handle.lookup(index, device.out);
        if (h.code != NvmlReturn.SUCCESS) {
            errors.add(new SourceError("nvmlDeviceGetHandleByIndex_v2", h.code.name(), index));
            device.lost = h.code;
            return device;
        }
        device.handle = h.pointer;
        device.readIdentity(index, errors);
        return device;
    }

    /** The result of {@code nvmlDeviceGetHandleByIndex_v2} and, when it worked, of the UUID. */
    static final class Handle {
        final NvmlReturn code;
        final Pointer pointer;

        private Handle(NvmlReturn code, Pointer pointer) {
            this.code = code;
            this.pointer = pointer;
        }

        static Handle lookup(int index, Memory scratch) {
            int rc = NvmlLibrary.HandleByIndex.nvmlDeviceGetHandleByIndex_v2(index, scratch);
            return rc == SUCCESS ? new Handle(NvmlReturn.SUCCESS, scratch.getPointer(0)) : new Handle(NvmlReturn.of(rc), null);
        }
    }

    /** A GPU whose handle could not be had when NVML was initialized again. */
    static NvmlDevice lostAt(NvmlLibrary nvml, int index, NvmlReturn code) {
        NvmlDevice device = new NvmlDevice(nvml, index);
        device.lost = code;
        return device;
    }

    /**
     * What a fresh handle says of the GPU behind it, to know it again after a re-init: its UUID
     * and PCI bus id, each empty when it cannot be read, and the first code that said the GPU is
     * down (null when none did). A lost GPU can still give a handle while every call on it, the
     * UUID too, answers GPU_IS_LOST.
     */
    record Probe(String uuid, String pciBusId, NvmlReturn down) {
        static Probe of(NvmlLibrary nvml, Pointer handle, Memory scratch) {
            NvmlReturn down = null;
            String uuid = "";
            if (nvml.has(Symbol.UUID) && scratch.size() >= TEXT_LENGTH) {
                int rc = NvmlLibrary.Uuid.nvmlDeviceGetUUID(handle, scratch, TEXT_LENGTH);
                if (rc == SUCCESS) {
                    uuid = string(scratch, 0, TEXT_LENGTH);
                } else if (NvmlReturn.of(rc).meansGpuDown()) {
                    down = NvmlReturn.of(rc);
                }
            }
            String pciBusId = "";
            if (nvml.has(Symbol.PCI_INFO_V3) && scratch.size() >= PCI_INFO_SIZE) {
                int rc = NvmlLibrary.PciInfoV3.nvmlDeviceGetPciInfo_v3(handle, scratch);
                if (rc == SUCCESS) {
                    pciBusId = string(scratch, PCI_BUS_ID_OFFSET, PCI_BUS_ID_LENGTH);
                } else if (down == null && NvmlReturn.of(rc).meansGpuDown()) {
                    down = NvmlReturn.of(rc);
                }
            }
            return new Probe(uuid, pciBusId, down);
        }
    }

    /**
     * Takes a fresh handle after NVML was initialized again. The GPU keeps what it learned it does
     * not support and its last sample timestamp; its index may have moved.
     */
    void reattach(Pointer newHandle, int index, List<SourceError> errors) {
        handle = newHandle;
        lost = null;
        if (identity.uuid().isEmpty()) {
            readIdentity(index, errors);
        } else if (identity.index() != index) {
            GpuIdentity i = identity;
            identity = new GpuIdentity(index, i.uuid(), i.model(), i.brand(), i.pciBusId(), i.minorNumber(),
                    i.computeCapability());
        }
    }

    void markLost(NvmlReturn code) {
        lost = code;
        handle = null;
    }

    boolean isLost() {
        return lost != null;
    }

    /** The current handle, or null while the GPU is lost. */
    Pointer handle() {
        return handle;
    }

    GpuIdentity identity() {
        return identity;
    }

    /** Reads every supported field once. Failures go to {@code errors}; see {@link NvmlReturn}. */
    GpuSample read(GpuSample.Builder b, List<SourceError> errors) {
        if (!pendingErrors.isEmpty()) {
            errors.addAll(pendingErrors);
            pendingErrors.clear();
        }
        if (lost != null) {
            return GpuSample.down(identity, lost.name(), unsupportedMask);
        }
        b.reset(identity);
        migEnabled = false;
        for (Reading r : Reading.ALL) {
            if ((unsupportedMask & r.key.bit()) != 0) {
                continue;
            }
            int rc = take(r, b);
            if (rc == SUCCESS) {
                continue;
            }
            NvmlReturn code = NvmlReturn.of(rc);
            errors.add(new SourceError(calling, code.name(), identity.index()));
            if (code.meansUnsupported()) {
                unsupportedMask |= r.mask;
            } else if (code.meansGpuDown()) {
                return down(code);
            }
        }
        if (migEnabled) {
            int rc = readMigDevices(b, errors);
            if (rc != SUCCESS) {
                NvmlReturn code = NvmlReturn.of(rc);
                errors.add(new SourceError(calling, code.name(), identity.index()));
                return down(code);
            }
        }
        return b.unsupportedMask(unsupportedMask).build();
    }

    private GpuSample down(NvmlReturn code) {
        if (code.needsReinit()) {
            markLost(code);
        }
        return GpuSample.down(identity, code.name(), unsupportedMask);
    }

    private boolean bound(Reading r) {
        switch (r) {
            case UTILIZATION: return nvml.has(Symbol.UTILIZATION_RATES);
            case ENCODER: return nvml.has(Symbol.ENCODER_UTILIZATION);
            case DECODER: return nvml.has(Symbol.DECODER_UTILIZATION);
            case MEMORY: return nvml.has(Symbol.MEMORY_INFO_V2) || nvml.has(Symbol.MEMORY_INFO);
            case TEMPERATURE: return nvml.has(Symbol.TEMPERATURE);
            case POWER_USAGE: return nvml.has(Symbol.POWER_USAGE);
            case POWER_LIMIT: return nvml.has(Symbol.ENFORCED_POWER_LIMIT);
            case ENERGY: return nvml.has(Symbol.TOTAL_ENERGY);
            case SM_CLOCK:
            case MEMORY_CLOCK: return nvml.has(Symbol.CLOCK_INFO);
            case FAN_SPEED: return nvml.has(Symbol.FAN_SPEED);
            case CLOCK_EVENTS: return nvml.has(Symbol.CLOCKS_EVENT_REASONS) || nvml.has(Symbol.CLOCKS_THROTTLE_REASONS);
            case MIG_MODE: return nvml.has(Symbol.MIG_MODE);
            case PROCESSES: return nvml.has(Symbol.COMPUTE_PROCESSES_V3) || nvml.has(Symbol.COMPUTE_PROCESSES_V2)
                    || nvml.has(Symbol.COMPUTE_PROCESSES_V1);
            case PROCESS_SAMPLES: return nvml.has(Symbol.PROCESSES_UTILIZATION_INFO) || nvml.has(Symbol.PROCESS_UTILIZATION);
            default: throw new AssertionError(r);
        }
    }

    /** Makes the call(s) of one reading and, on success, sets its fields. Returns the NVML code. */
    private int take(Reading r, GpuSample.Builder b) {
        calling = r.function;
        int rc;
        switch (r) {
            case UTILIZATION:
                rc = NvmlLibrary.UtilizationRates.nvmlDeviceGetUtilizationRates(handle, out);
                if (rc == SUCCESS) {
                    b.set(UTILIZATION_GPU_PERCENT, u32(out, 0)).set(UTILIZATION_MEMORY_PERCENT, u32(out, 4));
                }
                return rc;
            case ENCODER:
                rc = NvmlLibrary.EncoderUtilization.nvmlDeviceGetEncoderUtilization(handle, out, out8);
                return scalar(rc, b, UTILIZATION_ENCODER_PERCENT, u32(out, 0));
            case DECODER:
                rc = NvmlLibrary.DecoderUtilization.nvmlDeviceGetDecoderUtilization(handle, out, out8);
                return scalar(rc, b, UTILIZATION_DECODER_PERCENT, u32(out, 0));
            case MEMORY:
                return readMemory(b);
            case TEMPERATURE:
                rc = NvmlLibrary.Temperature.nvmlDeviceGetTemperature(handle, TEMPERATURE_GPU, out);
                return scalar(rc, b, TEMPERATURE_CELSIUS, u32(out, 0));
            case POWER_USAGE:
                rc = NvmlLibrary.PowerUsage.nvmlDeviceGetPowerUsage(handle, out);
                return scalar(rc, b, POWER_USAGE_MILLIWATTS, u32(out, 0));
            case POWER_LIMIT:
                rc = NvmlLibrary.EnforcedPowerLimit.nvmlDeviceGetEnforcedPowerLimit(handle, out);
                return scalar(rc, b, POWER_LIMIT_MILLIWATTS, u32(out, 0));
            case ENERGY:
                rc = NvmlLibrary.TotalEnergy.nvmlDeviceGetTotalEnergyConsumption(handle, out);
                return scalar(rc, b, ENERGY_MILLIJOULES, out.getLong(0));
            case SM_CLOCK:
                rc = NvmlLibrary.ClockInfo.nvmlDeviceGetClockInfo(handle, CLOCK_SM, out);
                return scalar(rc, b, SM_CLOCK_MHZ, u32(out, 0));
            case MEMORY_CLOCK:
                rc = NvmlLibrary.ClockInfo.nvmlDeviceGetClockInfo(handle, CLOCK_MEM, out);
                return scalar(rc, b, MEMORY_CLOCK_MHZ, u32(out, 0));
            case FAN_SPEED:
                rc = NvmlLibrary.FanSpeed.nvmlDeviceGetFanSpeed(handle, out);
                return scalar(rc, b, FAN_SPEED_PERCENT, u32(out, 0));
            case CLOCK_EVENTS:
                if (nvml.has(Symbol.CLOCKS_EVENT_REASONS)) {
                    rc = NvmlLibrary.ClocksEventReasons.nvmlDeviceGetCurrentClocksEventReasons(handle, out);
                } else {
                    calling = Symbol.CLOCKS_THROTTLE_REASONS.function;
                    rc = NvmlLibrary.ClocksThrottleReasons.nvmlDeviceGetCurrentClocksThrottleReasons(handle, out);
                }
                return scalar(rc, b, CLOCK_EVENT_REASONS, out.getLong(0));
            case MIG_MODE:
                rc = NvmlLibrary.MigMode.nvmlDeviceGetMigMode(handle, out, out8);
                migEnabled = rc == SUCCESS && u32(out, 0) == 1;
                return scalar(rc, b, MIG_MODE_ENABLED, u32(out, 0));
            case PROCESSES:
                return readProcesses(b);
            case PROCESS_SAMPLES:
                return readProcessSamples(b);
            default:
                throw new AssertionError(r);
        }
    }

    private static int scalar(int rc, GpuSample.Builder b, GpuField field, long value) {
        if (rc == SUCCESS) {
            b.set(field, value);
        }
        return rc;
    }

    /** v2 where the driver has it ({@code used} excludes reserved memory), else v1 ({@code used} includes it). */
    private int readMemory(GpuSample.Builder b) {
        if (!memoryV1) {
            calling = Symbol.MEMORY_INFO_V2.function;
            out.setInt(0, MEMORY_V2_VERSION);
            int rc = NvmlLibrary.MemoryInfoV2.nvmlDeviceGetMemoryInfo_v2(handle, out);
            if (rc == SUCCESS) {
                b.set(MEMORY_TOTAL_BYTES, out.getLong(8))
                        .set(MEMORY_RESERVED_BYTES, out.getLong(16))
                        .set(MEMORY_FREE_BYTES, out.getLong(24))
                        .set(MEMORY_USED_BYTES, out.getLong(32));
                return rc;
            }
            if (!v2Refused(rc) || !nvml.has(Symbol.MEMORY_INFO)) {
                return rc;
            }
            memoryV1 = true; // this GPU or driver answers only the v1 struct
            unsupportedMask |= MEMORY_RESERVED_BYTES.bit();
        }
        calling = Symbol.MEMORY_INFO.function;
        int rc = NvmlLibrary.MemoryInfo.nvmlDeviceGetMemoryInfo(handle, out);
        if (rc == SUCCESS) {
            // nvmlMemory_t is {total, free, used}: free comes before used.
            b.set(MEMORY_TOTAL_BYTES, out.getLong(0))
                    .set(MEMORY_FREE_BYTES, out.getLong(8))
                    .set(MEMORY_USED_BYTES, out.getLong(16));
        }
        return rc;
    }

    private static boolean v2Refused(int rc) {
        NvmlReturn code = NvmlReturn.of(rc);
        return code.meansUnsupported() || code == NvmlReturn.ARGUMENT_VERSION_MISMATCH;
    }

    private int readProcesses(GpuSample.Builder b) {
        int stride = nvml.has(Symbol.COMPUTE_PROCESSES_V3) || nvml.has(Symbol.COMPUTE_PROCESSES_V2)
                ? PROCESS_SIZE : PROCESS_V1_SIZE;
        int rc = INSUFFICIENT_SIZE;
        for (int attempt = 0; attempt < GROW_ATTEMPTS && rc == INSUFFICIENT_SIZE; attempt++) {
            out.setInt(0, processCapacity);
            rc = callProcesses();
            if (rc == INSUFFICIENT_SIZE) {
                growProcesses(u32(out, 0)); // the list is racy: leave room for processes starting now
            }
        }
        if (rc != SUCCESS) {
            return rc;
        }
        int n = (int) Math.min(u32(out, 0), processCapacity);
        List<GpuProcess> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long base = (long) i * stride;
            long used = processes.getLong(base + 8);
            list.add(new GpuProcess(
                    u32(processes, base),
                    used == VALUE_NOT_AVAILABLE ? -1 : used,
                    stride == PROCESS_SIZE ? processes.getInt(base + 16) : -1,
                    stride == PROCESS_SIZE ? processes.getInt(base + 20) : -1));
        }
        b.set(COMPUTE_PROCESSES, n).processes(list);
        return SUCCESS;
    }

    private int callProcesses() {
        if (nvml.has(Symbol.COMPUTE_PROCESSES_V3)) {
            calling = Symbol.COMPUTE_PROCESSES_V3.function;
            return NvmlLibrary.ComputeProcessesV3.nvmlDeviceGetComputeRunningProcesses_v3(handle, out, processes);
        }
        if (nvml.has(Symbol.COMPUTE_PROCESSES_V2)) {
            calling = Symbol.COMPUTE_PROCESSES_V2.function;
            return NvmlLibrary.ComputeProcessesV2.nvmlDeviceGetComputeRunningProcesses_v2(handle, out, processes);
        }
        calling = Symbol.COMPUTE_PROCESSES_V1.function;
        return NvmlLibrary.ComputeProcessesV1.nvmlDeviceGetComputeRunningProcesses(handle, out, processes);
    }

    /**
     * Per-process samples newer than the newest one already seen on this GPU. Asking with 0 would
     * return the driver's whole buffer again, stale samples included, on every read; only the very
     * first read after the source is created has nothing better to pass.
     */
    private int readProcessSamples(GpuSample.Builder b) {
        int rc;
        if (!legacyProcessSamples) {
            rc = readProcessesUtilizationInfo(b);
            if (!v2Refused(rc) || !nvml.has(Symbol.PROCESS_UTILIZATION)) {
                return rc;
            }
            legacyProcessSamples = true;
        }
        return readProcessUtilization(b);
    }

    private int readProcessesUtilizationInfo(GpuSample.Builder b) {
        calling = Symbol.PROCESSES_UTILIZATION_INFO.function;
        int rc = INSUFFICIENT_SIZE;
        for (int attempt = 0; attempt < GROW_ATTEMPTS && rc == INSUFFICIENT_SIZE; attempt++) {
            utilInfo.setInt(0, PROCESSES_UTILIZATION_INFO_V1_VERSION);
            utilInfo.setInt(4, sampleCapacity);
            utilInfo.setLong(8, lastSeenMicros);
            utilInfo.setPointer(16, samples);
            rc = NvmlLibrary.ProcessesUtilizationInfo.nvmlDeviceGetProcessesUtilizationInfo(handle, utilInfo);
            if (rc == INSUFFICIENT_SIZE) {
                growSamples(u32(utilInfo, 4));
            }
        }
        if (rc == NOT_FOUND) {
            return noNewSamples(b);
        }
        if (rc != SUCCESS) {
            return rc;
        }
        int n = (int) Math.min(u32(utilInfo, 4), sampleCapacity);
        List<ProcessUtilization> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long base = (long) i * UTIL_INFO_SIZE;
            long timestamp = samples.getLong(base);
            list.add(new ProcessUtilization(u32(samples, base + 8), timestamp, samples.getInt(base + 12),
                    samples.getInt(base + 16), samples.getInt(base + 20), samples.getInt(base + 24)));
            lastSeenMicros = Math.max(lastSeenMicros, timestamp);
        }
        b.set(PROCESS_UTILIZATION, 1).processUtilization(list);
        return SUCCESS;
    }

    private int readProcessUtilization(GpuSample.Builder b) {
        calling = Symbol.PROCESS_UTILIZATION.function;
        int rc = INSUFFICIENT_SIZE;
        for (int attempt = 0; attempt < GROW_ATTEMPTS && rc == INSUFFICIENT_SIZE; attempt++) {
            out.setInt(0, sampleCapacity);
            rc = NvmlLibrary.ProcessUtilization.nvmlDeviceGetProcessUtilization(handle, samples, out, lastSeenMicros);
            if (rc == INSUFFICIENT_SIZE) {
                growSamples(u32(out, 0));
            }
        }
        if (rc == NOT_FOUND) {
            return noNewSamples(b);
        }
        if (rc != SUCCESS) {
            return rc;
        }
        int n = (int) Math.min(u32(out, 0), sampleCapacity);
        List<ProcessUtilization> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long base = (long) i * SAMPLE_SIZE;
            long timestamp = samples.getLong(base + 8);
            list.add(new ProcessUtilization(u32(samples, base), timestamp, samples.getInt(base + 16),
                    samples.getInt(base + 20), samples.getInt(base + 24), samples.getInt(base + 28)));
            lastSeenMicros = Math.max(lastSeenMicros, timestamp);
        }
        b.set(PROCESS_UTILIZATION, 1).processUtilization(list);
        return SUCCESS;
    }

    /** NOT_FOUND from the sample functions means "nothing newer than lastSeen", not an error. */
    private static int noNewSamples(GpuSample.Builder b) {
        b.set(PROCESS_UTILIZATION, 1).processUtilization(List.of());
        return SUCCESS;
    }

    private void growProcesses(long needed) {
        int capacity = (int) Math.min(Math.max(processCapacity * 2L, needed + 8), 4096);
        if (capacity > processCapacity) {
            processCapacity = capacity;
            processes = new Memory((long) capacity * PROCESS_SIZE);
        }
    }

    private void growSamples(long needed) {
        int capacity = (int) Math.min(Math.max(sampleCapacity * 2L, needed + 8), 8192);
        if (capacity > sampleCapacity) {
            sampleCapacity = capacity;
            samples = new Memory((long) capacity * UTIL_INFO_SIZE); // fits both sample layouts
        }
    }

    /**
     * The MIG devices of a GPU in MIG mode, enumerated anew on every read: MIG can be reconfigured
     * at any time and its handles change with it, and a handful of calls per MIG device is cheap
     * next to the sampling interval. A failing call costs only what it would have filled in (a MIG
     * device without a UUID is left out; one whose memory cannot be read, as in unprivileged
     * containers, keeps -1 there) and is reported once, until it works again.
     *
     * @return SUCCESS, or the code of a call that says the whole GPU is down ({@link #calling} names it)
     */
    private int readMigDevices(GpuSample.Builder b, List<SourceError> errors) {
        if (migUnsupported) {
            return SUCCESS;
        }
        migDown = SUCCESS;
        Symbol missing = nvml.firstMissing(MIG_ENUMERATION);
        if (missing != null) {
            migUnsupported = true;
            errors.add(new SourceError(missing.function, NvmlReturn.FUNCTION_NOT_FOUND.name(), identity.index()));
            return SUCCESS;
        }
        calling = Symbol.MAX_MIG_DEVICE_COUNT.function;
        int rc = NvmlLibrary.MaxMigDeviceCount.nvmlDeviceGetMaxMigDeviceCount(handle, out);
        if (rc != SUCCESS) {
            NvmlReturn code = NvmlReturn.of(rc);
            if (code.meansUnsupported()) {
                migUnsupported = true;
                errors.add(new SourceError(calling, code.name(), identity.index()));
                return SUCCESS;
            }
            return migFailed(Symbol.MAX_MIG_DEVICE_COUNT, rc, errors);
        }
        migFailing.remove(Symbol.MAX_MIG_DEVICE_COUNT);
        int slots = (int) Math.min(u32(out, 0), MAX_MIG_SLOTS);
        List<MigDevice> list = new ArrayList<>(slots);
        for (int slot = 0; slot < slots; slot++) {
            calling = Symbol.MIG_DEVICE_HANDLE_BY_INDEX.function;
            rc = NvmlLibrary.MigDeviceHandleByIndex.nvmlDeviceGetMigDeviceHandleByIndex(handle, slot, out);
            if (rc == NOT_FOUND) {
                continue; // no MIG device in this slot
            }
            if (rc == SUCCESS) {
                migFailing.remove(Symbol.MIG_DEVICE_HANDLE_BY_INDEX);
                rc = readMigDevice(out.getPointer(0), slot, list, errors);
            } else {
                rc = migFailed(Symbol.MIG_DEVICE_HANDLE_BY_INDEX, rc, errors);
            }
            if (rc != SUCCESS) {
                return rc; // the GPU is down; calling names the call that said so
            }
        }
        b.migDevices(list);
        return SUCCESS;
    }

    private int readMigDevice(Pointer mig, int slot, List<MigDevice> list, List<SourceError> errors) {
        calling = Symbol.UUID.function;
        int rc = NvmlLibrary.Uuid.nvmlDeviceGetUUID(mig, text, TEXT_LENGTH);
        if (rc != SUCCESS) {
            return migFailed(Symbol.UUID, rc, errors); // without its UUID no pod can be matched to it
        }
        migFailing.remove(Symbol.UUID);
        String uuid = string(text, 0, TEXT_LENGTH);
        String profile = migProfile(mig, errors);
        int gpuInstance = migId(Symbol.GPU_INSTANCE_ID, mig, errors);
        int computeInstance = migId(Symbol.COMPUTE_INSTANCE_ID, mig, errors);
        readMigMemory(mig, errors);
        if (migDown != SUCCESS) {
            calling = migDownCall;
            return migDown;
        }
        list.add(new MigDevice(uuid, slot, gpuInstance, computeInstance, profile,
                migMemory[0], migMemory[1], migMemory[2]));
        return SUCCESS;
    }

    /** The profile in the MIG device's name, e.g. {@code 1g.10gb}; empty when it cannot be read. */
    private String migProfile(Pointer mig, List<SourceError> errors) {
        if (!nvml.has(Symbol.NAME)) {
            return "";
        }
        calling = Symbol.NAME.function;
        int rc = NvmlLibrary.Name.nvmlDeviceGetName(mig, text, TEXT_LENGTH);
        if (rc != SUCCESS) {
            migFailed(Symbol.NAME, rc, errors);
            return "";
        }
        migFailing.remove(Symbol.NAME);
        return MigDevice.profileOf(string(text, 0, TEXT_LENGTH));
    }

    /** A GPU or compute instance id of a MIG device, -1 when it cannot be read. */
    private int migId(Symbol symbol, Pointer mig, List<SourceError> errors) {
        if (!nvml.has(symbol)) {
            migFailed(symbol, NvmlReturn.FUNCTION_NOT_FOUND.code(), errors);
            return -1;
        }
        calling = symbol.function;
        int rc = symbol == Symbol.GPU_INSTANCE_ID
                ? NvmlLibrary.GpuInstanceId.nvmlDeviceGetGpuInstanceId(mig, out)
                : NvmlLibrary.ComputeInstanceId.nvmlDeviceGetComputeInstanceId(mig, out);
        if (rc != SUCCESS) {
            migFailed(symbol, rc, errors);
            return -1;
        }
        migFailing.remove(symbol);
        return out.getInt(0);
    }

    /** Fills {@link #migMemory} from the v2 struct, else v1; all -1 when neither can be read. */
    private void readMigMemory(Pointer mig, List<SourceError> errors) {
        migMemory[0] = -1;
        migMemory[1] = -1;
        migMemory[2] = -1;
        int rc;
        if (!migMemoryV1) {
            calling = Symbol.MEMORY_INFO_V2.function;
            out.setInt(0, MEMORY_V2_VERSION);
            rc = NvmlLibrary.MemoryInfoV2.nvmlDeviceGetMemoryInfo_v2(mig, out);
            if (rc == SUCCESS) {
                migFailing.remove(Symbol.MEMORY_INFO_V2);
                migMemory[0] = out.getLong(8);
                migMemory[1] = out.getLong(32);
                migMemory[2] = out.getLong(24);
                return;
            }
            if (!v2Refused(rc) || !nvml.has(Symbol.MEMORY_INFO)) {
                migFailed(Symbol.MEMORY_INFO_V2, rc, errors);
                return;
            }
            migMemoryV1 = true; // as for the GPU itself: this driver answers only the v1 struct
        }
        if (!nvml.has(Symbol.MEMORY_INFO)) {
            return;
        }
        calling = Symbol.MEMORY_INFO.function;
        rc = NvmlLibrary.MemoryInfo.nvmlDeviceGetMemoryInfo(mig, out);
        if (rc != SUCCESS) {
            migFailed(Symbol.MEMORY_INFO, rc, errors);
            return;
        }
        migFailing.remove(Symbol.MEMORY_INFO);
        migMemory[0] = out.getLong(0);
        migMemory[1] = out.getLong(16); // nvmlMemory_t: {total, free, used}
        migMemory[2] = out.getLong(8);
    }

    /**
     * A MIG call failed: a code that means the whole GPU is down is returned for the caller to
     * give up the read; any other is reported once (until the call works again) and swallowed.
     */
    private int migFailed(Symbol symbol, int rc, List<SourceError> errors) {
        NvmlReturn code = NvmlReturn.of(rc);
        if (code.meansGpuDown()) {
            if (migDown == SUCCESS) {
                migDown = rc;
                migDownCall = symbol.function;
            }
            calling = migDownCall;
            return migDown;
        }
        if (migFailing.add(symbol)) {
            errors.add(new SourceError(symbol.function, code.name(), identity.index()));
        }
        return SUCCESS;
    }

    private void readIdentity(int index, List<SourceError> errors) {
        String model = text(Symbol.NAME, index, errors);
        String uuid = text(Symbol.UUID, index, errors);
        String pciBusId = "";
        if (nvml.has(Symbol.PCI_INFO_V3)) {
            int rc = NvmlLibrary.PciInfoV3.nvmlDeviceGetPciInfo_v3(handle, text); // 68 bytes
            if (identityCall(rc, Symbol.PCI_INFO_V3, index, errors)) {
                pciBusId = string(text, PCI_BUS_ID_OFFSET, PCI_BUS_ID_LENGTH);
            }
        }
        int minor = -1;
        if (nvml.has(Symbol.MINOR_NUMBER)
                && identityCall(NvmlLibrary.MinorNumber.nvmlDeviceGetMinorNumber(handle, out), Symbol.MINOR_NUMBER,
                        index, errors)) {
            minor = out.getInt(0);
        }
        String brand = "";
        if (nvml.has(Symbol.BRAND)
                && identityCall(NvmlLibrary.Brand.nvmlDeviceGetBrand(handle, out), Symbol.BRAND, index, errors)) {
            int b = out.getInt(0);
            brand = b >= 0 && b < BRANDS.length ? BRANDS[b] : "unknown_" + b;
        }
        String cc = "";
        if (nvml.has(Symbol.COMPUTE_CAPABILITY) && identityCall(
                NvmlLibrary.ComputeCapability.nvmlDeviceGetCudaComputeCapability(handle, out, out8),
                Symbol.COMPUTE_CAPABILITY, index, errors)) {
            cc = out.getInt(0) + "." + out.getInt(8);
        }
        identity = new GpuIdentity(index, uuid, model, brand, pciBusId, minor, cc);
    }

    private String text(Symbol symbol, int index, List<SourceError> errors) {
        if (!nvml.has(symbol)) {
            return "";
        }
        int rc = symbol == Symbol.NAME
                ? NvmlLibrary.Name.nvmlDeviceGetName(handle, text, TEXT_LENGTH)
                : NvmlLibrary.Uuid.nvmlDeviceGetUUID(handle, text, TEXT_LENGTH);
        return identityCall(rc, symbol, index, errors) ? string(text, 0, TEXT_LENGTH) : "";
    }

    /** An identity attribute that fails is left empty; one that says the GPU is gone marks it lost. */
    private boolean identityCall(int rc, Symbol symbol, int index, List<SourceError> errors) {
        if (rc == SUCCESS) {
            return true;
        }
        NvmlReturn code = NvmlReturn.of(rc);
        errors.add(new SourceError(symbol.function, code.name(), index));
        if (code.needsReinit() && lost == null) {
            lost = code;
        }
        return false;
    }

    private static String string(Memory m, long offset, int max) {
        byte[] bytes = m.getByteArray(offset, max);
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.US_ASCII);
    }

    private static long u32(Pointer p, long offset) {
        return p.getInt(offset) & 0xFFFFFFFFL;
    }
}
