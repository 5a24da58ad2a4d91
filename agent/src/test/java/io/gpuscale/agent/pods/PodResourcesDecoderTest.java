package io.gpuscale.agent.pods;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.pods.v1.AllocatableResourcesResponse;
import io.gpuscale.agent.pods.v1.ContainerDevices;
import io.gpuscale.agent.pods.v1.ContainerResources;
import io.gpuscale.agent.pods.v1.ListPodResourcesResponse;
import io.gpuscale.agent.pods.v1.PodResources;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PodResourcesDecoderTest {
    private final PodResourcesDecoder decoder = new PodResourcesDecoder(Set.of());

    @Test
    void nvidiaGpuSharedAndMigResourcesAreGpusAndOthersAreNot() {
        assertThat(decoder.isGpuResource("nvidia.com/gpu")).isTrue();
        assertThat(decoder.isGpuResource("nvidia.com/gpu.shared")).isTrue();
        assertThat(decoder.isGpuResource("nvidia.com/mig-1g.10gb")).isTrue();
        assertThat(decoder.isGpuResource("nvidia.com/mig-")).isFalse();
        assertThat(decoder.isGpuResource("nvidia.com/gpu.sharedx")).isFalse();
        assertThat(decoder.isGpuResource("example.com/fpga")).isFalse();
        assertThat(decoder.isGpuResource("")).isFalse();
    }

    @Test
    void extraResourceNamesCountAsGpus() {
        PodResourcesDecoder custom = new PodResourcesDecoder(Set.of("nvidia.com/gpu.slice"));

        assertThat(custom.isGpuResource("nvidia.com/gpu.slice")).isTrue();
        assertThat(custom.isGpuResource("nvidia.com/gpu")).isTrue();
    }

    @Test
    void everyGpuDeviceOfEveryContainerBecomesOneAllocation() {
        ListPodResourcesResponse response = ListPodResourcesResponse.newBuilder()
                .addPodResources(pod("ml", "trainer",
                        container("main", devices("nvidia.com/gpu", "GPU-a", "GPU-b"), devices("example.com/nic", "eth1")),
                        container("sidecar", devices("nvidia.com/mig-1g.10gb", "MIG-c"))))
                .addPodResources(pod("web", "frontend", container("nginx")))
                .build();

        assertThat(decoder.allocations(response)).containsExactly(
                new DeviceAllocation("ml", "trainer", "main", "nvidia.com/gpu", "GPU-a"),
                new DeviceAllocation("ml", "trainer", "main", "nvidia.com/gpu", "GPU-b"),
                new DeviceAllocation("ml", "trainer", "sidecar", "nvidia.com/mig-1g.10gb", "MIG-c"));
    }

    @Test
    void entriesWithMissingNamesOrIdsAreSkipped() {
        ListPodResourcesResponse response = ListPodResourcesResponse.newBuilder()
                .addPodResources(pod("", "nameless-ns", container("c", devices("nvidia.com/gpu", "GPU-a"))))
                .addPodResources(pod("ns", "", container("c", devices("nvidia.com/gpu", "GPU-b"))))
                .addPodResources(pod("ns", "p", container("", devices("nvidia.com/gpu", "GPU-c"))))
                .addPodResources(pod("ns", "q", container("c", devices("nvidia.com/gpu", "", "GPU-d"))))
                .build();

        assertThat(decoder.allocations(response))
                .containsExactly(new DeviceAllocation("ns", "q", "c", "nvidia.com/gpu", "GPU-d"));
    }

    @Test
    void allocatableIdsKeepReplicasAndDropNonGpuDevicesAndDuplicates() {
        AllocatableResourcesResponse response = AllocatableResourcesResponse.newBuilder()
                .addDevices(devices("nvidia.com/gpu.shared", "GPU-a::0", "GPU-a::1", "GPU-a::0"))
                .addDevices(devices("example.com/fpga", "fpga0"))
                .addDevices(devices("nvidia.com/mig-2g.20gb", "MIG-b", ""))
                .addCpuIds(3)
                .build();

        assertThat(decoder.allocatableDeviceIds(response)).containsExactly("GPU-a::0", "GPU-a::1", "MIG-b");
    }

    static PodResources pod(String namespace, String name, ContainerResources... containers) {
        PodResources.Builder b = PodResources.newBuilder().setNamespace(namespace).setName(name);
        for (ContainerResources c : containers) {
            b.addContainers(c);
        }
        return b.build();
    }

    static ContainerResources container(String name, ContainerDevices... devices) {
        ContainerResources.Builder b = ContainerResources.newBuilder().setName(name);
        for (ContainerDevices d : devices) {
            b.addDevices(d);
        }
        return b.build();
    }

    static ContainerDevices devices(String resourceName, String... ids) {
        return ContainerDevices.newBuilder().setResourceName(resourceName).addAllDeviceIds(java.util.List.of(ids)).build();
    }
}
