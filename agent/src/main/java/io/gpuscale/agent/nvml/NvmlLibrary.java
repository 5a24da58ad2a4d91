package io.gpuscale.agent.nvml;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import io.gpuscale.agent.gpu.GpuSourceException;
import java.io.File;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@code libnvidia-ml.so.1}, bound with JNA direct mapping: every NVML function is a static
 * native method of its own nested class, registered only when the loaded library exports the
 * symbol. A symbol an older driver lacks therefore leaves just that one method unbound (the
 * caller asks {@link #has} first) and can never break the registration of the others.
 *
 * <p>Argument types follow nvml.h on LP64 Linux: {@code nvmlReturn_t} and {@code unsigned int}
 * are Java {@code int} (callers mask with {@code 0xFFFFFFFFL}), {@code unsigned long long} is
 * {@code long}, handles and out-parameters are {@link Pointer}s into buffers the caller reuses.
 *
 * <p>Direct-mapped methods belong to their class, so the whole JVM is bound to one library at a
 * time. Binding another library (another path) is allowed only while no source holds the current
 * one; it unregisters every method first.
 */
final class NvmlLibrary {

    /** The file name real nodes have; the unversioned name exists only with the driver's dev package. */
    static final String DEFAULT_NAME = "libnvidia-ml.so.1";

    /** The NVML functions gpuscale calls, with the class whose native method binds each. */
    enum Symbol {
        INIT("nvmlInit_v2", Init.class),
        SHUTDOWN("nvmlShutdown", Shutdown.class),
        ERROR_STRING("nvmlErrorString", ErrorString.class),
        DEVICE_COUNT("nvmlDeviceGetCount_v2", DeviceCount.class),
        HANDLE_BY_INDEX("nvmlDeviceGetHandleByIndex_v2", HandleByIndex.class),
        DRIVER_VERSION("nvmlSystemGetDriverVersion", DriverVersion.class),
        NVML_VERSION("nvmlSystemGetNVMLVersion", NvmlVersion.class),
        CUDA_DRIVER_VERSION_V2("nvmlSystemGetCudaDriverVersion_v2", CudaDriverVersionV2.class),
        CUDA_DRIVER_VERSION("nvmlSystemGetCudaDriverVersion", CudaDriverVersion.class),
        NAME("nvmlDeviceGetName", Name.class),
        UUID("nvmlDeviceGetUUID", Uuid.class),
        PCI_INFO_V3("nvmlDeviceGetPciInfo_v3", PciInfoV3.class),
        MINOR_NUMBER("nvmlDeviceGetMinorNumber", MinorNumber.class),
        BRAND("nvmlDeviceGetBrand", Brand.class),
        COMPUTE_CAPABILITY("nvmlDeviceGetCudaComputeCapability", ComputeCapability.class),
        UTILIZATION_RATES("nvmlDeviceGetUtilizationRates", UtilizationRates.class),
        ENCODER_UTILIZATION("nvmlDeviceGetEncoderUtilization", EncoderUtilization.class),
        DECODER_UTILIZATION("nvmlDeviceGetDecoderUtilization", DecoderUtilization.class),
        MEMORY_INFO_V2("nvmlDeviceGetMemoryInfo_v2", MemoryInfoV2.class),
        MEMORY_INFO("nvmlDeviceGetMemoryInfo", MemoryInfo.class),
        TEMPERATURE("nvmlDeviceGetTemperature", Temperature.class),
        POWER_USAGE("nvmlDeviceGetPowerUsage", PowerUsage.class),
        ENFORCED_POWER_LIMIT("nvmlDeviceGetEnforcedPowerLimit", EnforcedPowerLimit.class),
        TOTAL_ENERGY("nvmlDeviceGetTotalEnergyConsumption", TotalEnergy.class),
        CLOCK_INFO("nvmlDeviceGetClockInfo", ClockInfo.class),
        FAN_SPEED("nvmlDeviceGetFanSpeed", FanSpeed.class),
        CLOCKS_EVENT_REASONS("nvmlDeviceGetCurrentClocksEventReasons", ClocksEventReasons.class),
        CLOCKS_THROTTLE_REASONS("nvmlDeviceGetCurrentClocksThrottleReasons", ClocksThrottleReasons.class),
        MIG_MODE("nvmlDeviceGetMigMode", MigMode.class),
        COMPUTE_PROCESSES_V3("nvmlDeviceGetComputeRunningProcesses_v3", ComputeProcessesV3.class),
        COMPUTE_PROCESSES_V2("nvmlDeviceGetComputeRunningProcesses_v2", ComputeProcessesV2.class),
        COMPUTE_PROCESSES_V1("nvmlDeviceGetComputeRunningProcesses", ComputeProcessesV1.class),
        PROCESSES_UTILIZATION_INFO("nvmlDeviceGetProcessesUtilizationInfo", ProcessesUtilizationInfo.class),
        PROCESS_UTILIZATION("nvmlDeviceGetProcessUtilization", ProcessUtilization.class),
        MAX_MIG_DEVICE_COUNT("nvmlDeviceGetMaxMigDeviceCount", MaxMigDeviceCount.class),
        MIG_DEVICE_HANDLE_BY_INDEX("nvmlDeviceGetMigDeviceHandleByIndex", MigDeviceHandleByIndex.class),
        GPU_INSTANCE_ID("nvmlDeviceGetGpuInstanceId", GpuInstanceId.class),
        COMPUTE_INSTANCE_ID("nvmlDeviceGetComputeInstanceId", ComputeInstanceId.class),
        EVENT_SET_CREATE("nvmlEventSetCreate", EventSetCreate.class),
        EVENT_SET_FREE("nvmlEventSetFree", EventSetFree.class),
        SUPPORTED_EVENT_TYPES("nvmlDeviceGetSupportedEventTypes", SupportedEventTypes.class),
        REGISTER_EVENTS("nvmlDeviceRegisterEvents", RegisterEvents.class),
        EVENT_SET_WAIT_V2("nvmlEventSetWait_v2", EventSetWaitV2.class);

        /** Without these there is nothing to read: a library lacking one is not usable NVML. */
        static final Set<Symbol> REQUIRED = EnumSet.of(INIT, SHUTDOWN, ERROR_STRING, DEVICE_COUNT, HANDLE_BY_INDEX);
        /** Without these there are no Xid events (GetSupportedEventTypes is optional: without it, ask). */
        static final Set<Symbol> EVENTS = EnumSet.of(EVENT_SET_CREATE, EVENT_SET_FREE, REGISTER_EVENTS, EVENT_SET_WAIT_V2);

        final String function;
        final Class<?> holder;

        Symbol(String function, Class<?> holder) {
            this.function = function;
            this.holder = holder;
        }
    }

    private static NativeLibrary boundLibrary;
    private static NvmlLibrary bound;
    private static int holders;

    private final String name;
    private final Set<Symbol> present;

    private NvmlLibrary(String name, Set<Symbol> present) {
        this.name = name;
        this.present = present;
    }

    /**
     * Loads the library by name ({@code libnvidia-ml.so.1}, searched on the library path) or by
     * absolute path, binds its symbols and counts the caller as a holder until {@link #release()}.
     */
    static synchronized NvmlLibrary acquire(String library) throws GpuSourceException {
        NativeLibrary lib = load(library);
        if (lib != boundLibrary) {
            if (holders > 0) {
                throw new GpuSourceException("LIBRARY_IN_USE", "cannot bind NVML library " + library
                        + " while " + bound.name + " is in use by another source in this JVM");
            }
            // Unbind first: a failed bind must not leave the previous library looking bound.
            bound = null;
            boundLibrary = null;
            bound = bind(library, lib);
            boundLibrary = lib;
        }
        holders++;
        return bound;
    }

    /** The caller no longer calls into the library. */
    static synchronized void release() {
        if (holders > 0) {
            holders--;
        }
    }

    boolean has(Symbol symbol) {
        return present.contains(symbol);
    }

    /** The first of {@code symbols} this library lacks, or null when it has them all. */
    Symbol firstMissing(Set<Symbol> symbols) {
        for (Symbol s : symbols) {
            if (!present.contains(s)) {
                return s;
            }
        }
        return null;
    }

    String name() {
        return name;
    }

    private static NativeLibrary load(String library) throws GpuSourceException {
        try {
            return NativeLibrary.getInstance(library);
        } catch (UnsatisfiedLinkError e) {
            throw new GpuSourceException("LIBRARY_NOT_FOUND", notFoundMessage(library), e);
        }
    }

    static String notFoundMessage(String library) {
        String where = library.contains("/")
                ? (new File(library).exists() ? "at " + library + " (the file exists but could not be loaded)"
                        : "at " + library + " (no such file)")
                : "on the library path (LD_LIBRARY_PATH, ld.so.cache)";
        return "NVML library " + (library.contains("/") ? new File(library).getName() : library)
                + " not found " + where
                + ": check that the NVIDIA driver is installed on the node, that the pod runs with the nvidia"
                + " runtime class and NVIDIA_VISIBLE_DEVICES=all, or pass --nvml-library PATH";
    }

    private static NvmlLibrary bind(String library, NativeLibrary lib) throws GpuSourceException {
        for (Symbol s : Symbol.values()) {
            if (Native.registered(s.holder)) {
                Native.unregister(s.holder);
            }
        }
        Set<Symbol> present = EnumSet.noneOf(Symbol.class);
        for (Symbol s : Symbol.values()) {
            try {
                lib.getFunction(s.function);
                Native.register(s.holder, lib);
                present.add(s);
            } catch (UnsatisfiedLinkError absent) {
                // An older driver: the readings that need this function are marked unsupported.
            }
        }
        for (Symbol s : Symbol.REQUIRED) {
            if (!present.contains(s)) {
                throw new GpuSourceException("FUNCTION_NOT_FOUND", library + " lacks " + s.function
                        + ": it is not a usable NVML library; point --nvml-library at the driver's libnvidia-ml.so.1");
            }
        }
        return new NvmlLibrary(library, present);
    }

    // One class per symbol; see the class comment. Signatures are nvml.h's, in declaration order.

    static final class Init {
        static native int nvmlInit_v2();
    }

    static final class Shutdown {
        static native int nvmlShutdown();
    }

    static final class ErrorString {
        static native String nvmlErrorString(int result);
    }

    static final class DeviceCount {
        static native int nvmlDeviceGetCount_v2(Pointer deviceCount);
    }

    static final class HandleByIndex {
        static native int nvmlDeviceGetHandleByIndex_v2(int index, Pointer device);
    }

    static final class DriverVersion {
        static native int nvmlSystemGetDriverVersion(Pointer version, int length);
    }

    static final class NvmlVersion {
        static native int nvmlSystemGetNVMLVersion(Pointer version, int length);
    }

    static final class CudaDriverVersionV2 {
        static native int nvmlSystemGetCudaDriverVersion_v2(Pointer cudaDriverVersion);
    }

    static final class CudaDriverVersion {
        static native int nvmlSystemGetCudaDriverVersion(Pointer cudaDriverVersion);
    }

    static final class Name {
        static native int nvmlDeviceGetName(Pointer device, Pointer name, int length);
    }

    static final class Uuid {
        static native int nvmlDeviceGetUUID(Pointer device, Pointer uuid, int length);
    }

    static final class PciInfoV3 {
        static native int nvmlDeviceGetPciInfo_v3(Pointer device, Pointer pci);
    }

    static final class MinorNumber {
        static native int nvmlDeviceGetMinorNumber(Pointer device, Pointer minorNumber);
    }

    static final class Brand {
        static native int nvmlDeviceGetBrand(Pointer device, Pointer type);
    }

    static final class ComputeCapability {
        static native int nvmlDeviceGetCudaComputeCapability(Pointer device, Pointer major, Pointer minor);
    }

    static final class UtilizationRates {
        static native int nvmlDeviceGetUtilizationRates(Pointer device, Pointer utilization);
    }

    static final class EncoderUtilization {
        static native int nvmlDeviceGetEncoderUtilization(Pointer device, Pointer utilization, Pointer samplingPeriodUs);
    }

    static final class DecoderUtilization {
        static native int nvmlDeviceGetDecoderUtilization(Pointer device, Pointer utilization, Pointer samplingPeriodUs);
    }

    static final class MemoryInfoV2 {
        static native int nvmlDeviceGetMemoryInfo_v2(Pointer device, Pointer memory);
    }

    static final class MemoryInfo {
        static native int nvmlDeviceGetMemoryInfo(Pointer device, Pointer memory);
    }

    static final class Temperature {
        static native int nvmlDeviceGetTemperature(Pointer device, int sensorType, Pointer temp);
    }

    static final class PowerUsage {
        static native int nvmlDeviceGetPowerUsage(Pointer device, Pointer power);
    }

    static final class EnforcedPowerLimit {
        static native int nvmlDeviceGetEnforcedPowerLimit(Pointer device, Pointer limit);
    }

    static final class TotalEnergy {
        static native int nvmlDeviceGetTotalEnergyConsumption(Pointer device, Pointer energy);
    }

    static final class ClockInfo {
        static native int nvmlDeviceGetClockInfo(Pointer device, int type, Pointer clock);
    }

    static final class FanSpeed {
        static native int nvmlDeviceGetFanSpeed(Pointer device, Pointer speed);
    }

    static final class ClocksEventReasons {
        static native int nvmlDeviceGetCurrentClocksEventReasons(Pointer device, Pointer clocksEventReasons);
    }

    static final class ClocksThrottleReasons {
        static native int nvmlDeviceGetCurrentClocksThrottleReasons(Pointer device, Pointer clocksThrottleReasons);
    }

    static final class MigMode {
        static native int nvmlDeviceGetMigMode(Pointer device, Pointer currentMode, Pointer pendingMode);
    }

    static final class ComputeProcessesV3 {
        static native int nvmlDeviceGetComputeRunningProcesses_v3(Pointer device, Pointer infoCount, Pointer infos);
    }

    static final class ComputeProcessesV2 {
        static native int nvmlDeviceGetComputeRunningProcesses_v2(Pointer device, Pointer infoCount, Pointer infos);
    }

    static final class ComputeProcessesV1 {
        static native int nvmlDeviceGetComputeRunningProcesses(Pointer device, Pointer infoCount, Pointer infos);
    }

    static final class ProcessesUtilizationInfo {
        static native int nvmlDeviceGetProcessesUtilizationInfo(Pointer device, Pointer processesUtilInfo);
    }

    static final class ProcessUtilization {
        static native int nvmlDeviceGetProcessUtilization(
                Pointer device, Pointer utilization, Pointer processSamplesCount, long lastSeenTimeStamp);
    }

    static final class MaxMigDeviceCount {
        static native int nvmlDeviceGetMaxMigDeviceCount(Pointer device, Pointer count);
    }

    static final class MigDeviceHandleByIndex {
        static native int nvmlDeviceGetMigDeviceHandleByIndex(Pointer device, int index, Pointer migDevice);
    }

    static final class GpuInstanceId {
        static native int nvmlDeviceGetGpuInstanceId(Pointer device, Pointer id);
    }

    static final class ComputeInstanceId {
        static native int nvmlDeviceGetComputeInstanceId(Pointer device, Pointer id);
    }

    static final class EventSetCreate {
        static native int nvmlEventSetCreate(Pointer set);
    }

    static final class EventSetFree {
        static native int nvmlEventSetFree(Pointer set);
    }

    static final class SupportedEventTypes {
        static native int nvmlDeviceGetSupportedEventTypes(Pointer device, Pointer eventTypes);
    }

    static final class RegisterEvents {
        static native int nvmlDeviceRegisterEvents(Pointer device, long eventTypes, Pointer set);
    }

    static final class EventSetWaitV2 {
        static native int nvmlEventSetWait_v2(Pointer set, Pointer data, int timeoutms);
    }
}
