package io.gpuscale.adapter.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
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

    @Test
    void severalNamesBecomeOneRegexOfQuotedLiteralsAndOneNameStaysAnEquality() {
        assertThat(PrometheusMetrics.anyOf("pod", List.of("web-0", "a.b+c", "x(1)|y")))
                .isEqualTo("pod=~\"web-0|a\\\\.b\\\\+c|x\\\\(1\\\\)\\\\|y\"");
        assertThat(PrometheusMetrics.anyOf("node", List.of("gpu-node-1.example.com")))
                .isEqualTo("node=\"gpu-node-1.example.com\"");
        assertThat(PrometheusMetrics.query("m", List.of(PrometheusMetrics.equal("namespace", "ml"),
                PrometheusMetrics.anyOf("pod", List.of("a", "b"))))).isEqualTo(
                "label_replace(timestamp(m{namespace=\"ml\",pod=~\"a|b\"}), \"gpuscale_field\", \"timestamp\", \"\", \"\")"
                        + " or m{namespace=\"ml\",pod=~\"a|b\"}");
    }

    @Test
    void targetTimedQueriesSelectTheSeriesOnceAndUpOfTheKnownJobs() {
        assertThat(PrometheusMetrics.targetTimedQuery("m", List.of(), List.of())).isEqualTo(
                "m{} or label_replace(timestamp(up), \"gpuscale_field\", \"target\", \"\", \"\")");
        assertThat(PrometheusMetrics.targetTimedQuery("m", List.of(PrometheusMetrics.anyOf("node", List.of("a", "b"))),
                List.of("gpuscale-agent", "dcgm.exporter"))).isEqualTo("m{node=~\"a|b\"} or label_replace(timestamp("
                        + "up{job=~\"dcgm\\\\.exporter|gpuscale-agent\"}), \"gpuscale_field\", \"target\", \"\", \"\")");
    }
}
