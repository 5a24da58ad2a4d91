package io.gpuscale.adapter.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DcgmTranslationTest {
    /** As dcgm-exporter 4.x serves it: a GPU shared by two pods (copied per pod) and an idle one. */
    private static final String DCGM = """
            # HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
            # TYPE DCGM_FI_DEV_GPU_UTIL gauge
            DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-aaa",pci_bus_id="00000000:01:00.0",device="nvidia0",modelName="NVIDIA A100-SXM4-80GB",Hostname="node-a",DCGM_FI_DRIVER_VERSION="580.95.05",container="worker",namespace="ml",pod="train-1"} 87
            DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-aaa",pci_bus_id="00000000:01:00.0",device="nvidia0",modelName="NVIDIA A100-SXM4-80GB",Hostname="node-a",DCGM_FI_DRIVER_VERSION="580.95.05",container="worker",namespace="ml",pod="train-2"} 87
            DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-bbb",pci_bus_id="00000000:02:00.0",device="nvidia1",modelName="NVIDIA A100-SXM4-80GB",Hostname="node-a",DCGM_FI_DRIVER_VERSION="580.95.05"} 0
            # HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).
            # TYPE DCGM_FI_DEV_FB_USED gauge
            DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-aaa",modelName="NVIDIA A100-SXM4-80GB",hostname="node-a",exported_container="worker",exported_namespace="ml",exported_pod="train-1",container="dcgm-exporter",namespace="gpu-operator",pod="dcgm-exporter-x"} 2048
            # TYPE DCGM_FI_DEV_POWER_USAGE gauge
            DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-bbb",modelName="NVIDIA A100-SXM4-80GB",Hostname="node-a"} 61.5
            # TYPE DCGM_FI_DEV_GPU_TEMP gauge
            DCGM_FI_DEV_GPU_TEMP{gpu="1",UUID="GPU-bbb",modelName="NVIDIA A100-SXM4-80GB",Hostname="node-a"} 33
            # TYPE DCGM_FI_DEV_SM_CLOCK gauge
            DCGM_FI_DEV_SM_CLOCK{gpu="1",UUID="GPU-bbb",modelName="NVIDIA A100-SXM4-80GB",Hostname="node-a"} 1410
            """;

    private static RecordingSink translate(Set<String> wanted) {
        RecordingSink sink = new RecordingSink(wanted::contains);
        ParseReport report = new PrometheusTextParser().parse(DCGM.getBytes(StandardCharsets.UTF_8), DcgmTranslation.wrap(sink));
        assertThat(report.malformed()).isZero();
        return sink;
    }

    @Test
    void gpuFieldsBecomeTheAgentsSeriesOncePerGpuInTheAgentsUnits() {
        RecordingSink sink = translate(Set.of("nvidia_gpu_utilization_percent", "nvidia_gpu_memory_used_bytes",
                "nvidia_gpu_power_usage_watts", "nvidia_gpu_temperature_celsius"));

        assertThat(sink.samples).extracting(s -> s.name() + s.labels() + " " + s.value()).containsExactly(
                "nvidia_gpu_utilization_percent{node=\"node-a\",gpu=\"0\",uuid=\"GPU-aaa\"} 87.0",
                "nvidia_gpu_utilization_percent{node=\"node-a\",gpu=\"1\",uuid=\"GPU-bbb\"} 0.0",
                "nvidia_gpu_memory_used_bytes{node=\"node-a\",gpu=\"0\",uuid=\"GPU-aaa\"} 2.147483648E9",
                "nvidia_gpu_power_usage_watts{node=\"node-a\",gpu=\"1\",uuid=\"GPU-bbb\"} 61.5",
                "nvidia_gpu_temperature_celsius{node=\"node-a\",gpu=\"1\",uuid=\"GPU-bbb\"} 33.0");
    }

    @Test
    void podsOnAGpuGetWholeGpuPerPodSeriesAndExportedLabelsWin() {
        RecordingSink sink = translate(Set.of("nvidia_gpu_pod_utilization_percent", "nvidia_gpu_pod_memory_used_bytes"));

        assertThat(sink.samples).extracting(s -> s.name() + s.labels() + " " + s.value()).containsExactly(
                "nvidia_gpu_pod_utilization_percent{node=\"node-a\",gpu=\"0\",uuid=\"GPU-aaa\",namespace=\"ml\",pod=\"train-1\",container=\"worker\",method=\"whole_gpu\"} 87.0",
                "nvidia_gpu_pod_utilization_percent{node=\"node-a\",gpu=\"0\",uuid=\"GPU-aaa\",namespace=\"ml\",pod=\"train-2\",container=\"worker\",method=\"whole_gpu\"} 87.0",
                "nvidia_gpu_pod_memory_used_bytes{node=\"node-a\",gpu=\"0\",uuid=\"GPU-aaa\",namespace=\"ml\",pod=\"train-1\",container=\"worker\",method=\"whole_gpu\"} 2.147483648E9");
    }

    @Test
    void eachGpusModelBecomesOneInfoSample() {
        RecordingSink sink = translate(Set.of("nvidia_gpu_info"));

        assertThat(sink.samples).extracting(s -> s.name() + s.labels() + " " + s.value()).containsExactly(
                "nvidia_gpu_info{node=\"node-a\",gpu=\"0\",uuid=\"GPU-aaa\",model=\"NVIDIA A100-SXM4-80GB\"} 1.0",
                "nvidia_gpu_info{node=\"node-a\",gpu=\"1\",uuid=\"GPU-bbb\",model=\"NVIDIA A100-SXM4-80GB\"} 1.0");
    }

    @Test
    void otherMetricsPassThroughAsTheyAre() {
        RecordingSink sink = translate(Set.of("DCGM_FI_DEV_SM_CLOCK"));
        assertThat(sink.only().labels().get("UUID")).isEqualTo("GPU-bbb");
        assertThat(sink.only().value()).isEqualTo(1410.0);
    }
}
