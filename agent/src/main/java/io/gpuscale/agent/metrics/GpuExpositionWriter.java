package io.gpuscale.agent.metrics;

import io.gpuscale.agent.attribution.Attribution;
import io.gpuscale.agent.attribution.AttributionMethod;
import io.gpuscale.agent.attribution.PodGpuUsage;
import io.gpuscale.agent.attribution.PodRef;
import io.gpuscale.agent.gpu.ClockEventReason;
import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.gpu.GpuField;
import io.gpuscale.agent.gpu.GpuIdentity;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.MigDevice;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a node snapshot's GPU series in the Prometheus text format or OpenMetrics. Pure: bytes
 * out of a snapshot in, no I/O. Each GPU's label block is encoded once and reused for as long as
 * the GPU keeps its identity, and values are written as exact decimals from the driver's integer
 * units, so a render costs little more than copying bytes.
 *
 * <p>Not thread-safe: one writer per sampler thread.
 */
public final class GpuExpositionWriter {

    /** A gauge or counter read straight from one {@link GpuField}, scaled to its base unit. */
    private record FieldFamily(String name, boolean counter, String help, GpuField field, int exponent) {
    }

    private static final List<FieldFamily> FIELD_FAMILIES = List.of(
            new FieldFamily("nvidia_gpu_utilization_percent", false,
                    "Percent of time over the past sample period during which one or more kernels ran on the GPU (0-100).",
                    GpuField.UTILIZATION_GPU_PERCENT, 0),
            new FieldFamily("nvidia_gpu_memory_copy_utilization_percent", false,
                    "Percent of time over the past sample period during which device memory was read or written (0-100).",
                    GpuField.UTILIZATION_MEMORY_PERCENT, 0),
            new FieldFamily("nvidia_gpu_encoder_utilization_percent", false,
                    "Video encoder utilization (0-100).", GpuField.UTILIZATION_ENCODER_PERCENT, 0),
            new FieldFamily("nvidia_gpu_decoder_utilization_percent", false,
                    "Video decoder utilization (0-100).", GpuField.UTILIZATION_DECODER_PERCENT, 0),
            new FieldFamily("nvidia_gpu_memory_total_bytes", false,
                    "Total device memory.", GpuField.MEMORY_TOTAL_BYTES, 0),
            new FieldFamily("nvidia_gpu_memory_used_bytes", false,
                    "Device memory allocated by processes (excludes driver-reserved memory where the driver reports it apart).",
                    GpuField.MEMORY_USED_BYTES, 0),
            new FieldFamily("nvidia_gpu_memory_free_bytes", false,
                    "Device memory free for allocation.", GpuField.MEMORY_FREE_BYTES, 0),
            new FieldFamily("nvidia_gpu_memory_reserved_bytes", false,
                    "Device memory reserved by the driver and firmware.", GpuField.MEMORY_RESERVED_BYTES, 0),
            new FieldFamily("nvidia_gpu_temperature_celsius", false,
                    "GPU die temperature.", GpuField.TEMPERATURE_CELSIUS, 0),
            new FieldFamily("nvidia_gpu_power_usage_watts", false,
                    "Power draw of the board (one-second average on Ampere and newer).",
                    GpuField.POWER_USAGE_MILLIWATTS, -3),
            new FieldFamily("nvidia_gpu_power_limit_watts", false,
                    "Enforced power limit, after every limiter.", GpuField.POWER_LIMIT_MILLIWATTS, -3),
            new FieldFamily("nvidia_gpu_energy_joules_total", true,
                    "Energy consumed since the driver was loaded; resets when it is reloaded.",
                    GpuField.ENERGY_MILLIJOULES, -3),
            new FieldFamily("nvidia_gpu_fan_speed_percent", false,
                    "Intended fan speed relative to the fan's rated speed; may exceed 100.",
                    GpuField.FAN_SPEED_PERCENT, 0),
            new FieldFamily("nvidia_gpu_mig_mode_enabled", false,
                    "1 when MIG mode is enabled, 0 when disabled.", GpuField.MIG_MODE_ENABLED, 0),
            new FieldFamily("nvidia_gpu_compute_processes", false,
                    "Compute processes holding a context on the GPU.", GpuField.COMPUTE_PROCESSES, 0));

    private static final GpuField[] CLOCK_FIELDS = {GpuField.SM_CLOCK_MHZ, GpuField.MEMORY_CLOCK_MHZ};
    private static final String[] CLOCK_NAMES = {"sm", "memory"};
    private static final ClockEventReason[] REASONS = ClockEventReason.values();
    private static final GpuField[] FIELDS = GpuField.all();

    private final byte[] nodeLabel;
    /** A GPU's label block depends on its identity and on the pod holding it whole, if any. */
    private record LabelKey(GpuIdentity id, PodRef holder) {
    }

    /** A per-pod series' label block: the GPU's plus the pod's and how the value was computed. */
    private record PodLabelKey(GpuIdentity id, String deviceUuid, PodRef pod, AttributionMethod method) {
    }

    private final Map<LabelKey, byte[]> gpuLabels = new HashMap<>();
    private final Map<PodLabelKey, byte[]> podLabels = new HashMap<>();

    private record MigLabelKey(GpuIdentity parent, String uuid, int gi, int ci, String profile, PodRef holder) {
    }

    private final Map<MigLabelKey, byte[]> migLabels = new HashMap<>();
    private byte[][] labels = new byte[8][];
    private final Map<GpuIdentity, byte[]> infoLabels = new HashMap<>();
    private DriverInfo infoDriver = DriverInfo.UNKNOWN;

    public GpuExpositionWriter(String node) {
        this.nodeLabel = ("node=\"" + escape(node) + "\"").getBytes(StandardCharsets.UTF_8);
    }

    /** Writes every GPU family of the snapshot; families with no series are left out. */
    public void write(NodeSnapshot snapshot, ExpositionFormat format, ExpositionBuffer out) {
        write(snapshot, format, FamilyFilter.ALL, out);
    }

    /** Writes the GPU families of the snapshot that the filter asks for and that have series. */
    void write(NodeSnapshot snapshot, ExpositionFormat format, FamilyFilter families, ExpositionBuffer out) {
        boolean om = format == ExpositionFormat.OPENMETRICS;
        List<GpuSample> gpus = snapshot.gpus();
        if (!snapshot.driver().equals(infoDriver)) {
            infoLabels.clear();
            infoDriver = snapshot.driver();
        }

        if (labels.length < gpus.size()) {
            labels = new byte[gpus.size()][];
        }
        Attribution attribution = snapshot.attribution();
        for (int i = 0; i < gpus.size(); i++) {
            GpuIdentity id = gpus.get(i).identity();
            labels[i] = gpuLabels(new LabelKey(id, attribution.exclusiveHolder(id.uuid())));
        }

        if (families.includes("nvidia_gpu_devices")) {
            header(out, om, "nvidia_gpu_devices", false, "GPUs NVML reports on this node.");
            out.ascii("nvidia_gpu_devices{");
            out.append(nodeLabel);
            out.ascii("} ");
            out.decimal(gpus.size());
            out.append('\n');
        }
        if (gpus.isEmpty()) {
            return;
        }

        if (families.includes("nvidia_gpu_info")) {
            header(out, om, "nvidia_gpu_info", false,
                    "Identity of a GPU and its driver; the value is always 1.");
            for (GpuSample g : gpus) {
                out.ascii("nvidia_gpu_info{");
                out.append(infoLabels.computeIfAbsent(g.identity(), this::encodeInfoLabels));
                out.ascii("} 1\n");
            }
        }

        if (families.includes("nvidia_gpu_up")) {
            header(out, om, "nvidia_gpu_up", false,
                    "1 when the GPU answered the last sample, 0 when it is lost or failing.");
            for (int i = 0; i < gpus.size(); i++) {
                GpuSample g = gpus.get(i);
                series(out, "nvidia_gpu_up", labels[i]);
                out.ascii("} ");
                out.append(g.up() ? '1' : '0');
                out.append('\n');
            }
        }

        for (FieldFamily f : FIELD_FAMILIES) {
            if (!includes(families, f.name(), f.counter()) || !anyHas(gpus, f.field())) {
                continue;
            }
            header(out, om, f.name(), f.counter(), f.help());
            for (int i = 0; i < gpus.size(); i++) {
                GpuSample g = gpus.get(i);
                if (g.has(f.field())) {
                    series(out, f.name(), labels[i]);
                    out.ascii("} ");
                    out.scaled(g.value(f.field()), f.exponent());
                    out.append('\n');
                }
            }
        }

        if (families.includes("nvidia_gpu_clock_hertz")
                && (anyHas(gpus, GpuField.SM_CLOCK_MHZ) || anyHas(gpus, GpuField.MEMORY_CLOCK_MHZ))) {
            header(out, om, "nvidia_gpu_clock_hertz", false, "Current clock speed of the GPU's SMs and memory.");
            for (int i = 0; i < gpus.size(); i++) {
                GpuSample g = gpus.get(i);
                for (int c = 0; c < CLOCK_FIELDS.length; c++) {
                    if (g.has(CLOCK_FIELDS[c])) {
                        series(out, "nvidia_gpu_clock_hertz", labels[i]);
                        out.ascii(",clock=\"");
                        out.ascii(CLOCK_NAMES[c]);
                        out.ascii("\"} ");
                        out.scaled(g.value(CLOCK_FIELDS[c]), 6);
                        out.append('\n');
                    }
                }
            }
        }

        if (families.includes("nvidia_gpu_clock_event_reason_active") && anyHas(gpus, GpuField.CLOCK_EVENT_REASONS)) {
            header(out, om, "nvidia_gpu_clock_event_reason_active", false,
                    "1 while this reason holds the clocks below their maximum (formerly throttle reasons).");
            for (int i = 0; i < gpus.size(); i++) {
                GpuSample g = gpus.get(i);
                if (g.has(GpuField.CLOCK_EVENT_REASONS)) {
                    long reasons = g.value(GpuField.CLOCK_EVENT_REASONS);
                    for (ClockEventReason r : REASONS) {
                        series(out, "nvidia_gpu_clock_event_reason_active", labels[i]);
                        out.ascii(",reason=\"");
                        out.ascii(r.label());
                        out.ascii("\"} ");
                        out.append(r.activeIn(reasons) ? '1' : '0');
                        out.append('\n');
                    }
                }
            }
        }

        if (families.includes("nvidia_gpu_field_supported")) {
            header(out, om, "nvidia_gpu_field_supported", false,
                    "1 when the GPU and driver provide this reading, 0 when they reported it NOT_SUPPORTED.");
            for (int i = 0; i < gpus.size(); i++) {
                GpuSample g = gpus.get(i);
                for (GpuField f : FIELDS) {
                    series(out, "nvidia_gpu_field_supported", labels[i]);
                    out.ascii(",field=\"");
                    out.ascii(f.key());
                    out.ascii("\"} ");
                    out.append(g.supports(f) ? '1' : '0');
                    out.append('\n');
                }
            }
        }

        if (families.includes("nvidia_gpu_allocatable_devices")) {
            writeAllocatable(snapshot, gpus, om, out);
        }
        if (families.includes("nvidia_gpu_xid_errors")) {
            writeXidErrors(snapshot, gpus, om, out);
        }
        writeMigDevices(snapshot, gpus, om, families, out);
        writePodUsage(snapshot, om, families, out);
    }

    /** Whether the filter asks for a family written under this name (a counter's with {@code _total}). */
    private static boolean includes(FamilyFilter families, String name, boolean counter) {
        return families.includes(counter ? name.substring(0, name.length() - "_total".length()) : name);
    }

    private void writeAllocatable(NodeSnapshot snapshot, List<GpuSample> gpus, boolean om, ExpositionBuffer out) {
        Map<String, Integer> devices = snapshot.attribution().allocatableDevices();
        if (devices.isEmpty()) {
            return;
        }
        header(out, om, "nvidia_gpu_allocatable_devices", false,
                "Devices the kubelet can allocate from this GPU: 1 for a whole GPU, N for N time-slicing replicas.");
        for (int i = 0; i < gpus.size(); i++) {
            Integer n = devices.get(gpus.get(i).identity().uuid());
            if (n != null) {
                series(out, "nvidia_gpu_allocatable_devices", labels[i]);
                out.ascii("} ");
                out.decimal(n);
                out.append('\n');
            }
        }
    }

    private void writeXidErrors(NodeSnapshot snapshot, List<GpuSample> gpus, boolean om, ExpositionBuffer out) {
        Map<String, Map<Long, Long>> xids = snapshot.xidErrors();
        if (xids.isEmpty()) {
            return;
        }
        header(out, om, "nvidia_gpu_xid_errors_total", true,
                "Critical Xid errors since the agent started, by Xid code (79: fallen off the bus).");
        for (int i = 0; i < gpus.size(); i++) {
            Map<Long, Long> byXid = xids.get(gpus.get(i).identity().uuid());
            if (byXid == null) {
                continue;
            }
            for (Map.Entry<Long, Long> e : new java.util.TreeMap<>(byXid).entrySet()) {
                series(out, "nvidia_gpu_xid_errors_total", labels[i]);
                out.ascii(",xid=\"");
                out.decimal(e.getKey());
                out.ascii("\"} ");
                out.decimal(e.getValue());
                out.append('\n');
            }
        }
    }

    /** A reading of a MIG device, as written: total, used or free memory. */
    private record MigFamily(String name, String help, java.util.function.ToLongFunction<MigDevice> value) {
    }

    private static final List<MigFamily> MIG_FAMILIES = List.of(
            new MigFamily("nvidia_gpu_mig_memory_total_bytes", "Memory of a MIG device.",
                    MigDevice::memoryTotalBytes),
            new MigFamily("nvidia_gpu_mig_memory_used_bytes", "Memory in use on a MIG device.",
                    MigDevice::memoryUsedBytes),
            new MigFamily("nvidia_gpu_mig_memory_free_bytes", "Memory free on a MIG device.",
                    MigDevice::memoryFreeBytes));

    private void writeMigDevices(NodeSnapshot snapshot, List<GpuSample> gpus, boolean om, FamilyFilter families,
            ExpositionBuffer out) {
        boolean any = false;
        for (GpuSample g : gpus) {
            any |= !g.migDevices().isEmpty();
        }
        if (!any) {
            return;
        }
        if (families.includes("nvidia_gpu_mig_info")) {
            header(out, om, "nvidia_gpu_mig_info", false,
                    "A MIG device of a GPU in MIG mode; the value is always 1.");
            for (int i = 0; i < gpus.size(); i++) {
                for (MigDevice m : gpus.get(i).migDevices()) {
                    series(out, "nvidia_gpu_mig_info", migLabels(gpus.get(i).identity(), m,
                            snapshot.attribution().exclusiveHolder(m.uuid())));
                    out.ascii("} 1\n");
                }
            }
        }
        for (MigFamily f : MIG_FAMILIES) {
            if (!families.includes(f.name())) {
                continue;
            }
            header(out, om, f.name(), false, f.help());
            for (int i = 0; i < gpus.size(); i++) {
                for (MigDevice m : gpus.get(i).migDevices()) {
                    long v = f.value().applyAsLong(m);
                    if (v >= 0) {
                        series(out, f.name(), migLabels(gpus.get(i).identity(), m,
                                snapshot.attribution().exclusiveHolder(m.uuid())));
                        out.ascii("} ");
                        out.decimal(v);
                        out.append('\n');
                    }
                }
            }
        }
    }

    private byte[] migLabels(GpuIdentity parent, MigDevice m, PodRef holder) {
        MigLabelKey key = new MigLabelKey(parent, m.uuid(), m.gpuInstanceId(), m.computeInstanceId(), m.profile(),
                holder);
        byte[] cached = migLabels.get(key);
        if (cached == null) {
            if (migLabels.size() > 1024) {
                migLabels.clear();
            }
            String block = identityLabels(parent) + ",mig_uuid=\"" + escape(m.uuid())
                    + "\",gpu_instance=\"" + m.gpuInstanceId() + "\",compute_instance=\"" + m.computeInstanceId()
                    + "\",mig_profile=\"" + escape(m.profile()) + "\"";
            if (holder != null) {
                block += podLabelText(holder);
            }
            cached = block.getBytes(StandardCharsets.UTF_8);
            migLabels.put(key, cached);
        }
        return cached;
    }

    private void writePodUsage(NodeSnapshot snapshot, boolean om, FamilyFilter families, ExpositionBuffer out) {
        List<PodGpuUsage> usage = snapshot.attribution().usage();
        boolean utilization = families.includes("nvidia_gpu_pod_utilization_percent");
        boolean memory = families.includes("nvidia_gpu_pod_memory_used_bytes");
        if (usage.isEmpty() || !utilization && !memory) {
            return;
        }
        Map<String, GpuIdentity> byUuid = new HashMap<>();
        for (GpuSample g : snapshot.gpus()) {
            byUuid.put(g.identity().uuid(), g.identity());
            for (MigDevice m : g.migDevices()) {
                byUuid.put(m.uuid(), g.identity());
            }
        }
        byte[][] podLabelBlocks = new byte[usage.size()][];
        for (int i = 0; i < usage.size(); i++) {
            PodGpuUsage u = usage.get(i);
            GpuIdentity id = byUuid.get(u.deviceUuid());
            if (id != null) {
                podLabelBlocks[i] = podLabels(new PodLabelKey(id, u.deviceUuid(), u.pod(), u.method()));
            }
        }
        if (utilization) {
            header(out, om, "nvidia_gpu_pod_utilization_percent", false,
                    "A pod's utilization of a GPU it holds (0-100); the method label says how it was computed.");
            // Every usage entry has a known utilization unless the GPU itself lacks the reading.
            for (int i = 0; i < usage.size(); i++) {
                PodGpuUsage u = usage.get(i);
                if (podLabelBlocks[i] != null && u.utilizationPercent() >= 0) {
                    series(out, "nvidia_gpu_pod_utilization_percent", podLabelBlocks[i]);
                    out.ascii("} ");
                    out.decimal(u.utilizationPercent());
                    out.append('\n');
                }
            }
        }
        if (memory) {
            header(out, om, "nvidia_gpu_pod_memory_used_bytes", false,
                    "Device memory held by a pod's processes on a GPU it holds.");
            for (int i = 0; i < usage.size(); i++) {
                PodGpuUsage u = usage.get(i);
                if (podLabelBlocks[i] != null && u.memoryUsedBytes() >= 0) {
                    series(out, "nvidia_gpu_pod_memory_used_bytes", podLabelBlocks[i]);
                    out.ascii("} ");
                    out.decimal(u.memoryUsedBytes());
                    out.append('\n');
                }
            }
        }
    }

    private static boolean anyHas(List<GpuSample> gpus, GpuField field) {
        for (GpuSample g : gpus) {
            if (g.has(field)) {
                return true;
            }
        }
        return false;
    }

    /** Writes {@code name{node="..",gpu="..",uuid=".."} without the closing brace. */
    private static void series(ExpositionBuffer out, String name, byte[] labelBlock) {
        out.ascii(name);
        out.append('{');
        out.append(labelBlock);
    }

    private byte[] gpuLabels(LabelKey key) {
        byte[] cached = gpuLabels.get(key);
        if (cached == null) {
            if (gpuLabels.size() > 1024) {
                gpuLabels.clear(); // holders churn with pods; never grow without bound
            }
            String block = identityLabels(key.id());
            if (key.holder() != null) {
                block += podLabelText(key.holder());
            }
            cached = block.getBytes(StandardCharsets.UTF_8);
            gpuLabels.put(key, cached);
        }
        return cached;
    }

    private byte[] podLabels(PodLabelKey key) {
        byte[] cached = podLabels.get(key);
        if (cached == null) {
            if (podLabels.size() > 4096) {
                podLabels.clear();
            }
            String mig = key.deviceUuid().equals(key.id().uuid()) ? "" : ",mig_uuid=\"" + escape(key.deviceUuid()) + "\"";
            cached = (identityLabels(key.id()) + mig + podLabelText(key.pod()) + ",method=\"" + key.method().label()
                    + "\"").getBytes(StandardCharsets.UTF_8);
            podLabels.put(key, cached);
        }
        return cached;
    }

    private static String podLabelText(PodRef pod) {
        return ",namespace=\"" + escape(pod.namespace()) + "\",pod=\"" + escape(pod.pod())
                + "\",container=\"" + escape(pod.container()) + "\"";
    }

    private String identityLabels(GpuIdentity id) {
        return new String(nodeLabel, StandardCharsets.UTF_8)
                + ",gpu=\"" + id.index() + "\",uuid=\"" + escape(id.uuid()) + "\"";
    }

    private static void header(ExpositionBuffer out, boolean om, String name, boolean counter, String help) {
        String family = om && counter ? name.substring(0, name.length() - "_total".length()) : name;
        out.ascii("# HELP ");
        out.ascii(family);
        out.append(' ');
        out.ascii(help);
        out.ascii("\n# TYPE ");
        out.ascii(family);
        out.ascii(counter ? " counter\n" : " gauge\n");
    }

    private byte[] encodeInfoLabels(GpuIdentity id) {
        if (infoLabels.size() > 1024) {
            infoLabels.clear();
        }
        DriverInfo d = infoDriver;
        String labels = identityLabels(id)
                + ",model=\"" + escape(id.model())
                + "\",brand=\"" + escape(id.brand())
                + "\",pci_bus_id=\"" + escape(id.pciBusId())
                + "\",minor_number=\"" + (id.minorNumber() < 0 ? "" : Integer.toString(id.minorNumber()))
                + "\",compute_capability=\"" + escape(id.computeCapability())
                + "\",driver_version=\"" + escape(d.driverVersion())
                + "\",nvml_version=\"" + escape(d.nvmlVersion())
                + "\",cuda_driver_version=\"" + escape(d.cudaDriverVersion()) + "\"";
        return labels.getBytes(StandardCharsets.UTF_8);
    }

    /** Label value escaping shared by both formats: backslash, double quote and newline. */
    static String escape(String value) {
        if (value.indexOf('\\') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0) {
            return value;
        }
        StringBuilder sb = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
