package io.gpuscale.agent.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeviceIdTest {
    private static final String GPU = "GPU-3b1e8d2a-9c4f-4e6b-8a1d-2f5c7e9b0a14";
    private static final String MIG = "MIG-5c7e9b0a-2f5c-4e6b-8a1d-3b1e8d2a9c4f";

    @Test
    void wholeGpuIdIsItsUuidWithoutReplica() {
        DeviceId id = DeviceId.parse(GPU).orElseThrow();

        assertThat(id.uuid()).isEqualTo(GPU);
        assertThat(id.replica()).isEqualTo(DeviceId.WHOLE_DEVICE);
        assertThat(id.timeSliced()).isFalse();
        assertThat(id.mig()).isFalse();
    }

    @Test
    void timeSlicedReplicaSplitsIntoUuidAndReplicaNumber() {
        DeviceId id = DeviceId.parse(GPU + "::3").orElseThrow();

        assertThat(id).isEqualTo(new DeviceId(GPU, 3));
        assertThat(id.timeSliced()).isTrue();
    }

    @Test
    void replicaZeroIsTimeSlicedToo() {
        assertThat(DeviceId.parse(GPU + "::0").orElseThrow().timeSliced()).isTrue();
    }

    @Test
    void migDeviceIsRecognisedWithOrWithoutReplica() {
        assertThat(DeviceId.parse(MIG).orElseThrow()).isEqualTo(new DeviceId(MIG, DeviceId.WHOLE_DEVICE));
        assertThat(DeviceId.parse(MIG).orElseThrow().mig()).isTrue();
        assertThat(DeviceId.parse(MIG + "::2").orElseThrow()).isEqualTo(new DeviceId(MIG, 2));
    }

    @Test
    void oldStyleMigIdWithInstanceSuffixKeepsItsWholeName() {
        String old = "MIG-" + GPU + "/1/0";

        assertThat(DeviceId.parse(old).orElseThrow()).isEqualTo(new DeviceId(old, DeviceId.WHOLE_DEVICE));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "0", "nvidia0/gi0", "GPU-", "MIG-", "gpu-abc", "GPU-abc::", "GPU-abc::x", "GPU-abc::-1",
        "GPU-abc::1::2", "GPU-abc::99999999999", "GPU-a b", "GPU-abc:1", " GPU-abc", "::1"
    })
    void idsWithoutAGpuOrMigUuidAreNotParsed(String raw) {
        assertThat(DeviceId.parse(raw)).isEmpty();
    }

    @Test
    void nullIsNotParsed() {
        assertThat(DeviceId.parse(null)).isEmpty();
    }

    @Test
    void negativeReplicaOtherThanWholeIsRejected() {
        assertThatThrownBy(() -> new DeviceId(GPU, -2)).isInstanceOf(IllegalArgumentException.class);
    }
}
