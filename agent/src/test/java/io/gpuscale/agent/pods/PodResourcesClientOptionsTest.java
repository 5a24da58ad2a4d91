package io.gpuscale.agent.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PodResourcesClientOptionsTest {
    @Test
    void defaultsAreFiveSecondsSixteenMebibytesAndTheKubeletsSocket() {
        PodResourcesClient.Options defaults = PodResourcesClient.Options.defaults();

        assertThat(defaults.deadline()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.maxResponseBytes()).isEqualTo(16 * 1024 * 1024);
        assertThat(defaults.extraResourceNames()).isEmpty();
        assertThat(PodResourcesClient.DEFAULT_SOCKET).hasToString("/var/lib/kubelet/pod-resources/kubelet.sock");
    }

    @Test
    void withersChangeOneSetting() {
        PodResourcesClient.Options o = PodResourcesClient.Options.defaults()
                .withDeadline(Duration.ofMillis(250))
                .withMaxResponseBytes(1024)
                .withExtraResourceNames(Set.of("nvidia.com/gpu.slice"));

        assertThat(o).isEqualTo(new PodResourcesClient.Options(Duration.ofMillis(250), 1024, Set.of("nvidia.com/gpu.slice")));
    }

    @Test
    void nonPositiveDeadlineOrSizeIsRejected() {
        PodResourcesClient.Options defaults = PodResourcesClient.Options.defaults();

        assertThatThrownBy(() -> defaults.withDeadline(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withDeadline(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withMaxResponseBytes(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
