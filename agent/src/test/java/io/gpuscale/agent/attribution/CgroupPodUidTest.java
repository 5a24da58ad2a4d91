package io.gpuscale.agent.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CgroupPodUidTest {

    @Test
    void cgroupV1WithTheCgroupfsDriver() {
        String file = """
                12:memory:/kubepods/burstable/pod3f1c2a9e-7b1d-4c55-9e0a-0123456789ab/0a1b2c3d4e5f
                11:cpu,cpuacct:/kubepods/burstable/pod3f1c2a9e-7b1d-4c55-9e0a-0123456789ab/0a1b2c3d4e5f
                1:name=systemd:/kubepods/burstable/pod3f1c2a9e-7b1d-4c55-9e0a-0123456789ab/0a1b2c3d4e5f
                """;
        assertThat(CgroupPodUid.parse(file)).hasValue("3f1c2a9e-7b1d-4c55-9e0a-0123456789ab");
    }

    @Test
    void cgroupV2WithTheSystemdDriverUsesUnderscores() {
        String file = "0::/kubepods.slice/kubepods-besteffort.slice/"
                + "kubepods-besteffort-pod3F1C2A9E_7B1D_4C55_9E0A_0123456789AB.slice/"
                + "cri-containerd-5e6f.scope\n";
        assertThat(CgroupPodUid.parse(file)).hasValue("3f1c2a9e-7b1d-4c55-9e0a-0123456789ab");
    }

    @Test
    void k3sGuaranteedPodsSitDirectlyUnderKubepods() {
        String file = "0::/kubepods/pod11111111-2222-3333-4444-555555555555/abcdef\n";
        assertThat(CgroupPodUid.parse(file)).hasValue("11111111-2222-3333-4444-555555555555");
    }

    @Test
    void processesOutsidePodsHaveNone() {
        assertThat(CgroupPodUid.parse("0::/system.slice/nvidia-persistenced.service\n")).isEmpty();
        assertThat(CgroupPodUid.parse("0::/user.slice/user-1000.slice/pod11111111-2222-3333-4444-555555555555\n"))
                .as("a pod-like name outside kubepods").isEmpty();
        assertThat(CgroupPodUid.parse("")).isEmpty();
        assertThat(CgroupPodUid.parse("garbage without colons")).isEmpty();
    }
}
