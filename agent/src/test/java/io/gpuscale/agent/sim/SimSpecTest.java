package io.gpuscale.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SimSpecTest {

    @Test
    void emptySpecIsTheHomeLabPair() {
        List<SimGpu> gpus = SimSpec.parse("");
        assertThat(gpus).extracting(SimGpu::profile).containsExactly(SimProfile.RTX4090, SimProfile.RTX3060);
        assertThat(gpus).extracting(SimGpu::load).allMatch(l -> l instanceof LoadPattern.Sine);
    }

    @Test
    void countsAndPatternsAreRead() {
        List<SimGpu> gpus = SimSpec.parse("h100x3@ramp:5m,rtx3060@steady:40");
        assertThat(gpus).hasSize(4);
        assertThat(gpus.get(0).load()).isEqualTo(new LoadPattern.Ramp(java.time.Duration.ofMinutes(5)));
        assertThat(gpus.get(3).profile()).isEqualTo(SimProfile.RTX3060);
        assertThat(gpus.get(3).load().utilizationAt(123_456)).isEqualTo(40);
    }

    @Test
    void badSpecsSayWhatIsWrong() {
        assertThatThrownBy(() -> SimSpec.parse("gtx1080")).hasMessageContaining("unknown GPU profile 'gtx1080'")
                .hasMessageContaining("rtx4090");
        assertThatThrownBy(() -> SimSpec.parse("rtx4090@wobble")).hasMessageContaining("unknown load pattern");
        assertThatThrownBy(() -> SimSpec.parse("rtx4090@steady:120")).hasMessageContaining("0-100");
        assertThatThrownBy(() -> SimSpec.parse("rtx4090,,h100")).hasMessageContaining("empty GPU entry");
        assertThatThrownBy(() -> SimSpec.parse("h100x65")).hasMessageContaining("at most 64");
        assertThatThrownBy(() -> SimSpec.parse("h100x0")).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> SimSpec.parse("h100@sine:10ms")).hasMessageContaining("at least 1s");
    }

    @Test
    void patternsAreDeterministicFunctionsOfTime() {
        LoadPattern burst = LoadPattern.parse("burst:60s", 0);
        assertThat(burst.utilizationAt(0)).isEqualTo(95);
        assertThat(burst.utilizationAt(20_000)).isEqualTo(3);
        assertThat(burst.utilizationAt(60_000)).isEqualTo(95);
        LoadPattern sine = LoadPattern.parse("sine:100s", 0);
        assertThat(sine.utilizationAt(0)).isEqualTo(50);
        assertThat(sine.utilizationAt(25_000)).isEqualTo(90);
        assertThat(sine.utilizationAt(75_000)).isEqualTo(10);
        assertThat(LoadPattern.parse("ramp:100s", 0).utilizationAt(50_000)).isEqualTo(50);
    }
}
