package io.gpuscale.agent.sim;

import io.gpuscale.agent.gpu.ClockEventReason;
import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.gpu.GpuField;
import io.gpuscale.agent.gpu.GpuIdentity;
import io.gpuscale.agent.gpu.GpuProcess;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.GpuSource;
import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.agent.gpu.ProcessUtilization;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Simulated GPUs that move like real ones: every reading follows from the profile and the load
 * pattern at the current time, so a run is reproducible given the clock. Fields a real card of
 * the profile lacks (fan on an H100, MIG on GeForce) are unsupported here too.
 */
public final class SimGpuSource implements GpuSource {
    static final DriverInfo DRIVER = new DriverInfo("580.95.05", "13.580.95.05", "13.0");
    private static final long MIB = 1L << 20;

    private final List<SimGpu> gpus;
    private final List<GpuIdentity> identities;
    private final Clock clock;
    private final long[] energyMillijoules;
    private long startMillis;
    private long lastReadMillis;
    private boolean open;

    public SimGpuSource(List<SimGpu> gpus, Clock clock) {
        this.gpus = List.copyOf(gpus);
        this.clock = clock;
        this.energyMillijoules = new long[gpus.size()];
        List<GpuIdentity> ids = new ArrayList<>();
        for (int i = 0; i < gpus.size(); i++) {
            SimProfile p = gpus.get(i).profile();
            String seed = "gpuscale-sim/" + i + "/" + p.key();
            String uuid = "GPU-" + UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8));
            String bus = String.format("00000000:%02X:00.0", i + 1);
            ids.add(new GpuIdentity(i, uuid, p.model(), p.brand(), bus, i, p.computeCapability()));
        }
        this.identities = List.copyOf(ids);
    }

    @Override
    public String kind() {
        return "sim";
    }

    @Override
    public DriverInfo open() {
        if (!open) {
            open = true;
            startMillis = clock.millis();
            lastReadMillis = startMillis;
        }
        return DRIVER;
    }

    @Override
    public NodeReading read() {
        if (!open) {
            open();
        }
        long now = clock.millis();
        long elapsed = now - startMillis;
        long sinceLast = Math.max(0, now - lastReadMillis);
        lastReadMillis = now;
        List<GpuSample> samples = new ArrayList<>(gpus.size());
        GpuSample.Builder b = GpuSample.builder(identities.get(0));
        for (int i = 0; i < gpus.size(); i++) {
            samples.add(sample(b.reset(identities.get(i)), i, elapsed, sinceLast, now));
        }
        return new NodeReading(DRIVER, samples, List.of());
    }

    private GpuSample sample(GpuSample.Builder b, int i, long elapsedMillis, long sinceLastMillis, long nowMillis) {
        SimProfile p = gpus.get(i).profile();
        int util = gpus.get(i).load().utilizationAt(elapsedMillis);
        boolean busy = util >= 2;

        long power = Math.min(p.powerLimitMilliwatts(),
                p.idlePowerMilliwatts() + (p.powerLimitMilliwatts() - p.idlePowerMilliwatts()) * util / 100);
        energyMillijoules[i] += power * sinceLastMillis / 1000;

        long usable = p.memoryTotalBytes() - p.memoryReservedBytes();
        long used = busy ? Math.min(usable, 512 * MIB + usable * 8 / 10 * util / 100) : 2 * MIB;

        long reasons = busy ? 0 : ClockEventReason.GPU_IDLE.mask();
        if (util >= 97) {
            reasons |= ClockEventReason.SW_POWER_CAP.mask();
        }

        b.set(GpuField.UTILIZATION_GPU_PERCENT, util)
                .set(GpuField.UTILIZATION_MEMORY_PERCENT, util * 6L / 10)
                .set(GpuField.UTILIZATION_ENCODER_PERCENT, 0)
                .set(GpuField.UTILIZATION_DECODER_PERCENT, 0)
                .set(GpuField.MEMORY_TOTAL_BYTES, p.memoryTotalBytes())
                .set(GpuField.MEMORY_RESERVED_BYTES, p.memoryReservedBytes())
                .set(GpuField.MEMORY_USED_BYTES, used)
                .set(GpuField.MEMORY_FREE_BYTES, usable - used)
                .set(GpuField.TEMPERATURE_CELSIUS, 31 + util * 45L / 100)
                .set(GpuField.POWER_USAGE_MILLIWATTS, power)
                .set(GpuField.POWER_LIMIT_MILLIWATTS, p.powerLimitMilliwatts())
                .set(GpuField.ENERGY_MILLIJOULES, energyMillijoules[i])
                .set(GpuField.SM_CLOCK_MHZ, busy ? p.maxSmClockMhz() * (85 + util * 15L / 100) / 100 : 210)
                .set(GpuField.MEMORY_CLOCK_MHZ, busy ? p.memoryClockMhz() : 405)
                .set(GpuField.CLOCK_EVENT_REASONS, reasons);
        if (p.hasFan()) {
            b.set(GpuField.FAN_SPEED_PERCENT, 30 + util / 2);
        } else {
            b.unsupported(GpuField.FAN_SPEED_PERCENT);
        }
        if (p.migCapable()) {
            b.set(GpuField.MIG_MODE_ENABLED, 0);
        } else {
            b.unsupported(GpuField.MIG_MODE_ENABLED);
        }
        if (busy && SimPods.timeSliced(i)) {
            // Two pods share this GPU: their processes split the load 60/40.
            long a = SimPods.pid(i, 0);
            long b2 = SimPods.pid(i, 1);
            long memory = used - 2 * MIB;
            int utilA = util * 6 / 10;
            b.set(GpuField.COMPUTE_PROCESSES, 2)
                    .processes(List.of(new GpuProcess(a, memory * 6 / 10, -1, -1),
                            new GpuProcess(b2, memory - memory * 6 / 10, -1, -1)))
                    .set(GpuField.PROCESS_UTILIZATION, 1)
                    .processUtilization(List.of(
                            new ProcessUtilization(a, nowMillis * 1000, utilA, utilA * 6 / 10, 0, 0),
                            new ProcessUtilization(b2, nowMillis * 1000, util - utilA, (util - utilA) * 6 / 10, 0, 0)));
        } else if (busy) {
            long pid = SimPods.pid(i, 0);
            b.set(GpuField.COMPUTE_PROCESSES, 1)
                    .processes(List.of(new GpuProcess(pid, used - 2 * MIB, -1, -1)))
                    .set(GpuField.PROCESS_UTILIZATION, 1)
                    .processUtilization(List.of(
                            new ProcessUtilization(pid, nowMillis * 1000, util, util * 6 / 10, 0, 0)));
        } else {
            b.set(GpuField.COMPUTE_PROCESSES, 0).set(GpuField.PROCESS_UTILIZATION, 1);
        }
        return b.build();
    }

    @Override
    public void close() {
        open = false;
    }
}
