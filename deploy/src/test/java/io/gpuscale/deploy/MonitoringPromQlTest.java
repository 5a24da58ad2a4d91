package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The tokenizer MonitoringPrometheusIT finds the rules' and the dashboard's metric names with. */
class MonitoringPromQlTest {
    @Test
    void findsSelectedMetricsAndSkipsFunctionsKeywordsMatchersAndDurations() {
        assertThat(PromQl.metricNames("""
                (nvidia_gpu_up == 0)
                unless on (node)
                (count by (node) (nvidia_gpu_up) > max by (node) (nvidia_gpu_devices))"""))
                .containsExactly("nvidia_gpu_up", "nvidia_gpu_devices");
        assertThat(PromQl.metricNames("increase(x_total{job=\"a\",reason=~\"b|c\"}[10m]) > 0 or "
                + "(x_total unless x_total offset 10m)")).containsExactly("x_total");
        assertThat(PromQl.metricNames("sum(rate(a[5m])) by (node, uuid) / ignoring(gpu) group_left(model) b"))
                .containsExactly("a", "b");
        assertThat(PromQl.metricNames("time() - last_seconds > 30")).containsExactly("last_seconds");
        assertThat(PromQl.metricNames("max without (instance) (aggregator_unavailable_apiservice{name=~"
                + "\"v1beta.\\\\.(custom|external)\\\\.metrics\\\\.k8s\\\\.io\"}) == 1"))
                .containsExactly("aggregator_unavailable_apiservice");
        assertThat(PromQl.metricNames("sum(y) or vector(0)")).containsExactly("y");
        assertThat(PromQl.metricNames("avg_over_time(r{reason!=\"gpu_idle\"}[10m:1m]) > 0.5e0 and bool 1"))
                .containsExactly("r");
        assertThat(PromQl.metricNames("ns:rule:sum # a comment naming not_a_metric\n + Inf"))
                .containsExactly("ns:rule:sum");
    }

    @Test
    void unbalancedBracesAreAnError() {
        assertThatThrownBy(() -> PromQl.metricNames("up{job=\"a\"")).isInstanceOf(IllegalArgumentException.class);
    }
}
