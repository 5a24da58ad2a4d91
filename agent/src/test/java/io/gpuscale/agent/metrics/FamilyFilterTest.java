package io.gpuscale.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FamilyFilterTest {

    @Test
    void noNamesMeanEveryFamily() {
        assertThat(FamilyFilter.of(List.of())).isSameAs(FamilyFilter.ALL);
        assertThat(FamilyFilter.ALL.includes("anything")).isTrue();
    }

    @Test
    void theSameNamesInAnyOrderAndWithRepeatsAreTheSameFilter() {
        FamilyFilter a = FamilyFilter.of(List.of("nvidia_gpu_info", "nvidia_gpu_up"));
        FamilyFilter b = FamilyFilter.of(List.of("nvidia_gpu_up", "nvidia_gpu_info", "nvidia_gpu_up"));
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(FamilyFilter.ALL);
    }

    @Test
    void aFamilyIsAskedForByItsNameOrOneOfItsSeriesNames() {
        FamilyFilter f = FamilyFilter.of(List.of("nvidia_gpu_energy_joules_total",
                "gpuscale_agent_sample_duration_seconds_count", "nvidia_gpu_info"));
        assertThat(f.includes("nvidia_gpu_energy_joules")).isTrue();
        assertThat(f.includes("gpuscale_agent_sample_duration_seconds")).isTrue();
        assertThat(f.includes("nvidia_gpu_info")).isTrue();
        assertThat(f.includes("nvidia_gpu_up")).isFalse();
        assertThat(f.includes("nvidia_gpu")).isFalse();
        assertThat(f.includes("nvidia_gpu_energy_joules_total_total")).isFalse();
    }
}
