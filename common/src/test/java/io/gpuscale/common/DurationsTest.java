package io.gpuscale.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DurationsTest {
    @ParameterizedTest
    @CsvSource({"500ms,PT0.5S", "1s,PT1S", "2m,PT2M", "1h,PT1H", "1m30s,PT1M30S", "1h2m3s4ms,PT1H2M3.004S", "0s,PT0S"})
    void readsUnitsAndSums(String text, Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
        assertThat(Durations.parse(text, "500ms, 2s, 1m")).isEqualTo(expected);
    }

    @Test
    void refusesWhatIsNotADurationWithTheExamplesGiven() {
        assertThatThrownBy(() -> Durations.parse("")).hasMessage("empty duration");
        assertThatThrownBy(() -> Durations.parse(null)).hasMessage("empty duration");
        assertThatThrownBy(() -> Durations.parse("fast")).hasMessage(
                "'fast' is not a duration (use a number with ms, s, m or h, e.g. 500ms, 1s, 2m)");
        assertThatThrownBy(() -> Durations.parse("2", "500ms, 2s, 1m")).hasMessage(
                "'2' is not a duration (use a number with ms, s, m or h, e.g. 500ms, 2s, 1m)");
        for (String bad : new String[] {"1d", "1.5s", "-1s", "1s ", " 1s", "s", "1S", "1234567890s"}) {
            assertThatThrownBy(() -> Durations.parse(bad)).hasMessageContaining("is not a duration");
        }
    }

    @ParameterizedTest
    @CsvSource({"PT0.5S,500ms", "PT1S,1s", "PT2M,2m", "PT1H,1h", "PT90S,90s", "PT0S,0s", "PT1.5S,1500ms"})
    void formatsTheShortestSpellingThatReadsBack(Duration d, String text) {
        assertThat(Durations.format(d)).isEqualTo(text);
        assertThat(Durations.parse(text)).isEqualTo(d);
    }
}
