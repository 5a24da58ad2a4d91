package io.gpuscale.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.attribution.Attribution;
import io.gpuscale.agent.attribution.AttributionMethod;
import io.gpuscale.agent.attribution.PodGpuUsage;
import io.gpuscale.agent.attribution.PodRef;
import io.gpuscale.common.testing.TestClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimPodsTest {

    @Test
    void evenGpusAreHeldWholeAndOddGpusAreSplitBetweenTwoPods() {
        TestClock clock = new TestClock();
        SimGpuSource source = new SimGpuSource(SimSpec.parse("rtx4090@steady:80,rtx3060@steady:50"), clock);
        source.open();
        clock.advance(Duration.ofSeconds(1));
        List<io.gpuscale.agent.gpu.GpuSample> gpus = source.read().gpus();
        Attribution a = new SimPods("mainpc").attribute(gpus);

        assertThat(a.exclusiveHolder(gpus.get(0).identity().uuid()))
                .isEqualTo(new PodRef("demo", "llm-server-mainpc-0", "server"));
        assertThat(a.usage()).extracting(PodGpuUsage::pod, PodGpuUsage::method, PodGpuUsage::utilizationPercent)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(new PodRef("demo", "llm-server-mainpc-0", "server"),
                                AttributionMethod.EXCLUSIVE, 80),
                        org.assertj.core.groups.Tuple.tuple(new PodRef("demo", "embedder-mainpc-1-a", "worker"),
                                AttributionMethod.PROCESS, 30),
                        org.assertj.core.groups.Tuple.tuple(new PodRef("demo", "embedder-mainpc-1-b", "worker"),
                                AttributionMethod.PROCESS, 20));
    }
}
