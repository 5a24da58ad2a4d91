package io.gpuscale.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.agent.metrics.FamilyFilter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsQueryTest {

    private static MetricsQuery parse(Map<String, List<String>> params) {
        return MetricsQuery.parse(name -> params.getOrDefault(name, List.of()));
    }

    @Test
    void noParametersAreAPlainScrapeOfEverything() {
        MetricsQuery q = parse(Map.of());
        assertThat(q.watch()).isFalse();
        assertThat(q.families()).isSameAs(FamilyFilter.ALL);
        assertThat(q.waitMillis()).isEqualTo(10_000);
    }

    @Test
    void sinceMakesAWatchWhoseWaitIsCappedAt30Seconds() {
        MetricsQuery q = parse(Map.of("since", List.of("1764763200000"), "wait", List.of("120000"),
                "name[]", List.of("nvidia_gpu_info")));
        assertThat(q.watch()).isTrue();
        assertThat(q.sinceMillis()).isEqualTo(1_764_763_200_000L);
        assertThat(q.waitMillis()).isEqualTo(30_000);
        assertThat(q.families()).isEqualTo(FamilyFilter.of(List.of("nvidia_gpu_info")));
        assertThat(parse(Map.of("since", List.of("0"), "wait", List.of("0"))).waitMillis()).isZero();
    }

    @Test
    void badValuesAreRefusedWithAReason() {
        assertThatThrownBy(() -> parse(Map.of("since", List.of("-1"))))
                .hasMessage("since='-1' is not a number of milliseconds (a non-negative integer, epoch milliseconds)");
        assertThatThrownBy(() -> parse(Map.of("wait", List.of("1.5"))))
                .hasMessage("wait='1.5' is not a number of milliseconds (a non-negative integer)");
        assertThatThrownBy(() -> parse(Map.of("wait", List.of("99999999999999999999"))))
                .hasMessageStartingWith("wait='99999999999999999999' is not");
        assertThatThrownBy(() -> parse(Map.of("since", List.of("1", "2")))).hasMessage("since is given more than once");
        assertThatThrownBy(() -> parse(Map.of("since", List.of("a\nb")))).hasMessageStartingWith("since='a?b'");
    }
}
