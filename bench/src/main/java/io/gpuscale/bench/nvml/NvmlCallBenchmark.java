package io.gpuscale.bench.nvml;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one NVML call through JNA into the fake library, which does no driver work (it
 * counts the call and copies a scripted value), so what is measured is the binding: direct
 * mapping (static natives, as {@code NvmlLibrary} binds them) against interface mapping, with
 * out-parameters as a reused {@link Memory}, a reused {@link IntByReference} or {@link Structure},
 * or a new {@code Structure} per call. Target: at most 300 ns per call, direct.
 *
 * <p>Results, 2 vCPU KVM guest (AMD EPYC, family 26), OpenJDK 17.0.15, JNA 5.19.1, JMH 1.37,
 * {@code java -jar bench/target/benchmarks.jar NvmlCallBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc}
 * (ns/op, B/op), 2026-11-23:
 * <pre>
 * Benchmark                          ns/op            B/op
 * noArgumentsDirect                   51 ±    3       0
 * powerDirectMemory                  130 ±   56       0
 * powerDirectIntByReference          256 ±  503       0
 * powerInterfaceMemory               671 ±  403      48
 * powerInterfaceIntByReference       958 ± 1255      48
 * utilizationDirectMemory            111 ±   20       0
 * utilizationDirectStructure         358 ±   12       0
 * utilizationInterfaceStructure      684 ±  314      48
 * utilizationInterfaceNewStructure  4597 ± 5822     449
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NvmlCallBenchmark {

    /** Direct mapping with primitives and pointers only, the way the agent binds NVML. */
    static final class Direct {
        static native int nvmlInit_v2();

        static native int nvmlShutdown();

        static native int nvmlDeviceGetHandleByIndex_v2(int index, Pointer device);

        static native int nvmlDeviceGetPowerUsage(Pointer device, Pointer power);

        static native int nvmlDeviceGetUtilizationRates(Pointer device, Pointer utilization);

        /** No arguments, returns an int: the floor of a JNA direct call. */
        static native int fakenvml_gpu_count();
    }

    /** Direct mapping, but with JNA's by-reference and structure argument types. */
    static final class DirectByReference {
        static native int nvmlDeviceGetPowerUsage(Pointer device, IntByReference power);

        static native int nvmlDeviceGetUtilizationRates(Pointer device, Utilization utilization);
    }

    /** Interface mapping: every call goes through a proxy and JNA's reflective invoker. */
    public interface Nvml extends Library {
        int nvmlDeviceGetPowerUsage(Pointer device, Pointer power);

        int nvmlDeviceGetPowerUsage(Pointer device, IntByReference power);

        int nvmlDeviceGetUtilizationRates(Pointer device, Utilization utilization);
    }

    /** {@code nvmlUtilization_t}. */
    @Structure.FieldOrder({"gpu", "memory"})
    public static class Utilization extends Structure {
        public int gpu;
        public int memory;
    }

    Pointer device;
    Memory out;
    IntByReference power;
    Utilization utilization;
    Nvml nvml;

    @Setup
    public void open() {
        String path = FakeNvml.path();
        FakeNvml.reset(path, 8);
        NativeLibrary lib = NativeLibrary.getInstance(path);
        Native.register(Direct.class, lib);
        Native.register(DirectByReference.class, lib);
        nvml = Native.load(path, Nvml.class);
        check(Direct.nvmlInit_v2(), "nvmlInit_v2");
        out = new Memory(64);
        check(Direct.nvmlDeviceGetHandleByIndex_v2(0, out), "nvmlDeviceGetHandleByIndex_v2");
        device = out.getPointer(0);
        power = new IntByReference();
        utilization = new Utilization();
    }

    @TearDown
    public void close() {
        Direct.nvmlShutdown();
        Native.unregister(Direct.class);
        Native.unregister(DirectByReference.class);
    }

    @Benchmark
    public int noArgumentsDirect() {
        return Direct.fakenvml_gpu_count();
    }

    @Benchmark
    public int powerDirectMemory() {
        return Direct.nvmlDeviceGetPowerUsage(device, out) + out.getInt(0);
    }

    @Benchmark
    public int powerDirectIntByReference() {
        return DirectByReference.nvmlDeviceGetPowerUsage(device, power) + power.getValue();
    }

    @Benchmark
    public int powerInterfaceMemory() {
        return nvml.nvmlDeviceGetPowerUsage(device, out) + out.getInt(0);
    }

    @Benchmark
    public int powerInterfaceIntByReference() {
        return nvml.nvmlDeviceGetPowerUsage(device, power) + power.getValue();
    }

    @Benchmark
    public int utilizationDirectMemory() {
        return Direct.nvmlDeviceGetUtilizationRates(device, out) + out.getInt(0) + out.getInt(4);
    }

    @Benchmark
    public int utilizationDirectStructure() {
        return DirectByReference.nvmlDeviceGetUtilizationRates(device, utilization)
                + utilization.gpu + utilization.memory;
    }

    @Benchmark
    public int utilizationInterfaceStructure() {
        return nvml.nvmlDeviceGetUtilizationRates(device, utilization) + utilization.gpu + utilization.memory;
    }

    @Benchmark
    public int utilizationInterfaceNewStructure() {
        Utilization u = new Utilization();
        return nvml.nvmlDeviceGetUtilizationRates(device, u) + u.gpu + u.memory;
    }

    private static void check(int rc, String function) {
        if (rc != 0) {
            throw new IllegalStateException(function + " returned " + rc);
        }
    }
}
