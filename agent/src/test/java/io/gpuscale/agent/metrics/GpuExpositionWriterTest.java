package io.gpuscale.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.attribution.Attribution;
import io.gpuscale.agent.attribution.AttributionMethod;
import io.gpuscale.agent.attribution.PodGpuUsage;
import io.gpuscale.agent.attribution.PodRef;
import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.gpu.GpuField;
import io.gpuscale.agent.gpu.MigDevice;
import io.gpuscale.agent.gpu.GpuIdentity;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.agent.snapshot.SourceStatus;
import io.gpuscale.agent.testing.Gpus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GpuExpositionWriterTest {
    private static final DriverInfo DRIVER = new DriverInfo("580.95.05", "13.580.95.05", "13.0");

    private static String render(NodeSnapshot s, ExpositionFormat format) {
        ExpositionBuffer buf = new ExpositionBuffer(1024);
        new GpuExpositionWriter(s.node()).write(s, format, buf);
        return new String(buf.toByteArray(), StandardCharsets.UTF_8);
    }

    private static NodeSnapshot snapshot(GpuSample... gpus) {
        return new NodeSnapshot(1, 1_000, "gpu-node-1", SourceStatus.up("nvml"), DRIVER, List.of(gpus));
    }

    @Test
    void seedMetricNameCarriesNodeGpuAndUuid() {
        String text = render(snapshot(Gpus.busy(0, 73)), ExpositionFormat.PROMETHEUS_TEXT);
        assertThat(text).contains("# TYPE nvidia_gpu_utilization_percent gauge\n")
                .contains("nvidia_gpu_utilization_percent{node=\"gpu-node-1\",gpu=\"0\","
                        + "uuid=\"GPU-00000000-0000-0000-0000-000000000000\"} 73\n");
    }

    @Test
    void valuesAreConvertedToBaseUnits() {
        String text = render(snapshot(Gpus.busy(0, 73)), ExpositionFormat.PROMETHEUS_TEXT);
        assertThat(text).contains("nvidia_gpu_power_usage_watts{node=\"gpu-node-1\",gpu=\"0\","
                        + "uuid=\"GPU-00000000-0000-0000-0000-000000000000\"} 312.456\n")
                .contains("} 1234567.89\n")
                .contains(",clock=\"sm\"} 2520000000\n")
                .contains("nvidia_gpu_memory_used_bytes{node=\"gpu-node-1\",gpu=\"0\","
                        + "uuid=\"GPU-00000000-0000-0000-0000-000000000000\"} 1073741824\n");
    }

    @Test
    void clockEventReasonsAreDecodedIntoOneSeriesEach() {
        String text = render(snapshot(Gpus.busy(0, 73)), ExpositionFormat.PROMETHEUS_TEXT);
        assertThat(text).contains(",reason=\"sw_power_cap\"} 1\n").contains(",reason=\"gpu_idle\"} 0\n");
    }

    @Test
    void absentAndUnsupportedFieldsLeaveNoSeriesButAreListed() {
        String text = render(snapshot(Gpus.busy(0, 73)), ExpositionFormat.PROMETHEUS_TEXT);
        assertThat(text).doesNotContain("nvidia_gpu_fan_speed_percent").doesNotContain("nvidia_gpu_mig_mode_enabled");
        assertThat(text).contains(",field=\"mig_mode\"} 0\n").contains(",field=\"fan_speed\"} 1\n");
    }

    @Test
    void lostGpuKeepsInfoAndUpZeroButNoReadings() {
        String text = render(snapshot(Gpus.busy(0, 73), Gpus.lost(1)), ExpositionFormat.PROMETHEUS_TEXT);
        assertThat(text).contains("nvidia_gpu_up{node=\"gpu-node-1\",gpu=\"1\","
                + "uuid=\"GPU-00000000-0000-0000-0000-000000000001\"} 0\n");
        assertThat(text).contains("nvidia_gpu_info{node=\"gpu-node-1\",gpu=\"1\"");
        assertThat(text.lines().filter(l -> l.startsWith("nvidia_gpu_utilization_percent{"))).hasSize(1);
        assertThat(text).contains("nvidia_gpu_devices{node=\"gpu-node-1\"} 2\n");
    }

    @Test
    void infoCarriesIdentityAndDriverVersions() {
        String text = render(snapshot(Gpus.busy(0, 73)), ExpositionFormat.PROMETHEUS_TEXT);
        assertThat(text).contains("model=\"NVIDIA GeForce RTX 4090\",brand=\"geforce\",pci_bus_id=\"00000000:01:00.0\","
                + "minor_number=\"0\",compute_capability=\"8.9\",driver_version=\"580.95.05\","
                + "nvml_version=\"13.580.95.05\",cuda_driver_version=\"13.0\"} 1\n");
    }

    @Test
    void openMetricsNamesCounterFamiliesWithoutTotal() {
        String om = render(snapshot(Gpus.busy(0, 73)), ExpositionFormat.OPENMETRICS);
        assertThat(om).contains("# TYPE nvidia_gpu_energy_joules counter\n")
                .contains("\nnvidia_gpu_energy_joules_total{");
        String text = render(snapshot(Gpus.busy(0, 73)), ExpositionFormat.PROMETHEUS_TEXT);
        assertThat(text).contains("# TYPE nvidia_gpu_energy_joules_total counter\n");
    }

    @Test
    void labelValuesAreEscaped() {
        GpuIdentity odd = new GpuIdentity(0, "GPU-x", "Model \"Q\"\\2\nX", "", "", -1, "");
        String text = render(snapshot(GpuSample.builder(odd).build()), ExpositionFormat.PROMETHEUS_TEXT);
        assertThat(text).contains("model=\"Model \\\"Q\\\"\\\\2\\nX\"");
        assertThat(text).contains("minor_number=\"\"");
    }

    @Test
    void exclusiveHolderLabelsEveryPerGpuSeriesAndPodsGetTheirOwnSeries() {
        PodRef train = new PodRef("ml", "train-0", "trainer");
        PodRef infer = new PodRef("web", "infer-a", "server");
        GpuSample shared = Gpus.busy(1, 40);
        Attribution attribution = new Attribution(Map.of(Gpus.identity(0).uuid(), train), List.of(
                new PodGpuUsage(train, Gpus.identity(0).uuid(), AttributionMethod.EXCLUSIVE, 73, 1L << 30),
                new PodGpuUsage(infer, Gpus.identity(1).uuid(), AttributionMethod.PROCESS, 15, 5_000)));
        NodeSnapshot s = new NodeSnapshot(1, 1_000, "gpu-node-1", SourceStatus.up("nvml"), DRIVER,
                List.of(Gpus.busy(0, 73), shared), attribution);
        String text = render(s, ExpositionFormat.PROMETHEUS_TEXT);
        assertThat(text).contains("nvidia_gpu_utilization_percent{node=\"gpu-node-1\",gpu=\"0\","
                + "uuid=\"GPU-00000000-0000-0000-0000-000000000000\",namespace=\"ml\",pod=\"train-0\","
                + "container=\"trainer\"} 73\n");
        assertThat(text).as("a shared GPU's own series carry no pod")
                .contains("nvidia_gpu_utilization_percent{node=\"gpu-node-1\",gpu=\"1\","
                        + "uuid=\"GPU-00000000-0000-0000-0000-000000000001\"} 40\n");
        assertThat(text).contains("nvidia_gpu_pod_utilization_percent{node=\"gpu-node-1\",gpu=\"1\","
                + "uuid=\"GPU-00000000-0000-0000-0000-000000000001\",namespace=\"web\",pod=\"infer-a\","
                + "container=\"server\",method=\"process\"} 15\n");
        assertThat(text).contains(",method=\"exclusive\"} 73\n").contains(",method=\"process\"} 5000\n");
        assertThat(text).doesNotContain("namespace=\"\"");
    }

    @Test
    void podSeriesDisappearWithThePod() {
        PodRef train = new PodRef("ml", "train-0", "trainer");
        GpuExpositionWriter writer = new GpuExpositionWriter("n");
        ExpositionBuffer buf = new ExpositionBuffer(1024);
        writer.write(new NodeSnapshot(1, 1, "n", SourceStatus.up("nvml"), DRIVER, List.of(Gpus.busy(0, 73)),
                new Attribution(Map.of(Gpus.identity(0).uuid(), train), List.of(new PodGpuUsage(train,
                        Gpus.identity(0).uuid(), AttributionMethod.EXCLUSIVE, 73, 1)))), ExpositionFormat.PROMETHEUS_TEXT, buf);
        assertThat(new String(buf.toByteArray(), StandardCharsets.UTF_8)).contains("train-0");
        buf.reset();
        writer.write(snapshot(Gpus.busy(0, 73)), ExpositionFormat.PROMETHEUS_TEXT, buf);
        assertThat(new String(buf.toByteArray(), StandardCharsets.UTF_8)).doesNotContain("train-0")
                .doesNotContain("nvidia_gpu_pod_");
    }

    @Test
    void xidErrorsAreCountedPerGpuAndCode() {
        NodeSnapshot s = new NodeSnapshot(1, 1, "n", SourceStatus.up("nvml"), DRIVER,
                List.of(Gpus.busy(0, 1), Gpus.lost(1)), Attribution.NONE,
                Map.of(Gpus.identity(1).uuid(), Map.of(79L, 1L, 48L, 2L)));
        String text = render(s, ExpositionFormat.PROMETHEUS_TEXT);
        assertThat(text).contains("# TYPE nvidia_gpu_xid_errors_total counter\n")
                .contains("uuid=\"GPU-00000000-0000-0000-0000-000000000001\",xid=\"48\"} 2\n")
                .contains("uuid=\"GPU-00000000-0000-0000-0000-000000000001\",xid=\"79\"} 1\n");
        assertThat(render(s, ExpositionFormat.OPENMETRICS)).contains("# TYPE nvidia_gpu_xid_errors counter\n");
    }

    @Test
    void migDevicesHaveTheirOwnSeriesWithTheirHolders() {
        MigDevice mig = new MigDevice("MIG-aaaa", 0, 7, 0, "1g.10gb", 10_000, 2_500, 7_500);
        GpuSample h100 = GpuSample.builder(Gpus.identity(0)).set(GpuField.MIG_MODE_ENABLED, 1)
                .migDevices(List.of(mig)).build();
        PodRef train = new PodRef("ml", "train-0", "trainer");
        NodeSnapshot s = new NodeSnapshot(1, 1, "n", SourceStatus.up("nvml"), DRIVER, List.of(h100),
                new Attribution(Map.of("MIG-aaaa", train),
                        List.of(new PodGpuUsage(train, "MIG-aaaa", AttributionMethod.EXCLUSIVE, -1, 2_500))));
        String text = render(s, ExpositionFormat.PROMETHEUS_TEXT);
        String labels = "{node=\"n\",gpu=\"0\",uuid=\"GPU-00000000-0000-0000-0000-000000000000\",mig_uuid=\"MIG-aaaa\","
                + "gpu_instance=\"7\",compute_instance=\"0\",mig_profile=\"1g.10gb\",namespace=\"ml\",pod=\"train-0\","
                + "container=\"trainer\"}";
        assertThat(text).contains("nvidia_gpu_mig_memory_used_bytes" + labels + " 2500\n")
                .contains("nvidia_gpu_mig_info" + labels + " 1\n");
        assertThat(text).contains("nvidia_gpu_pod_memory_used_bytes{node=\"n\",gpu=\"0\","
                + "uuid=\"GPU-00000000-0000-0000-0000-000000000000\",mig_uuid=\"MIG-aaaa\",namespace=\"ml\"");
        assertThat(text).as("no utilization for MIG devices").doesNotContain("nvidia_gpu_pod_utilization_percent{");
    }

    @Test
    void nodeWithoutGpusStillSaysHowManyItHas() {
        String text = render(new NodeSnapshot(1, 1, "n", SourceStatus.down("nvml", "LIBRARY_NOT_FOUND", "x"),
                DriverInfo.UNKNOWN, List.of()), ExpositionFormat.PROMETHEUS_TEXT);
        assertThat(text).isEqualTo("# HELP nvidia_gpu_devices GPUs NVML reports on this node.\n"
                + "# TYPE nvidia_gpu_devices gauge\nnvidia_gpu_devices{node=\"n\"} 0\n");
    }
}
