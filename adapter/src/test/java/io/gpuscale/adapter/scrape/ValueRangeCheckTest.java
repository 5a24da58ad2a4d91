package io.gpuscale.adapter.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ValueRangeCheckTest {
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "nvidia_gpu_utilization_percent, 0, true",
        "nvidia_gpu_utilization_percent, 100, true",
        "nvidia_gpu_utilization_percent, 100.5, false",
        "nvidia_gpu_utilization_percent, -0.1, false",
        "nvidia_gpu_pod_utilization_percent, NaN, false",
        "nvidia_gpu_memory_used_bytes, 0, true",
        "nvidia_gpu_memory_used_bytes, 85899345920, true",
        "nvidia_gpu_memory_used_bytes, -1, false",
        "nvidia_gpu_pod_memory_used_bytes, 1e308, false",
        "nvidia_gpu_pod_memory_used_bytes, 9007199254740992, true",
        "nvidia_gpu_pod_memory_used_bytes, 9007199254740994, false",
        "nvidia_gpu_power_usage_watts, 450, true",
        "nvidia_gpu_power_usage_watts, Infinity, false",
        "nvidia_gpu_power_usage_watts, -3, false",
        "nvidia_gpu_temperature_celsius, 61, true",
        "nvidia_gpu_temperature_celsius, 4000, false",
        "nvidia_gpu_sm_clock_hertz, 2.52e9, true",
        "nvidia_gpu_sm_clock_hertz, -Infinity, false",
    })
    void aValueIsServedOnlyWithinItsMetricsRange(String name, double value, boolean valid) {
        assertThat(io.gpuscale.adapter.metrics.ValueRange.valid(name, value)).isEqualTo(valid);
    }
}
