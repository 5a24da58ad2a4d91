package io.gpuscale.adapter.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusMetricsQueryTest {
    @Test
    void queriesAskForValuesAndTheirSampleTimestampsWithEscapedMatchers() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("node", "n1");
        m.put("pod", "we\"ird\\pod\n");
        assertThat(PrometheusMetrics.query("nvidia_gpu_pod_utilization_percent", m)).isEqualTo(
                "label_replace(timestamp(nvidia_gpu_pod_utilization_percent{node=\"n1\",pod=\"we\\\"ird\\\\pod\\n\"}),"
                        + " \"gpuscale_field\", \"timestamp\", \"\", \"\") or "
                        + "nvidia_gpu_pod_utilization_percent{node=\"n1\",pod=\"we\\\"ird\\\\pod\\n\"}");
    }
}
