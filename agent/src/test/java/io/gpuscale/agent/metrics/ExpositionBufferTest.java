package io.gpuscale.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExpositionBufferTest {

    @ParameterizedTest
    @CsvSource({
        "0, -3, 0",
        "1234, -3, 1.234",
        "1500, -3, 1.5",
        "450000, -3, 450",
        "5, -3, 0.005",
        "-1500, -3, -1.5",
        "-5, -3, -0.005",
        "2520, 6, 2520000000",
        "0, 6, 0",
        "42, 0, 42",
        "9223372036854775807, 0, 9223372036854775807",
        "-9223372036854775808, 0, -9223372036854775808",
    })
    void scaledValuesAreExactDecimals(long value, int exponent, String expected) {
        ExpositionBuffer buf = new ExpositionBuffer(4);
        buf.scaled(value, exponent);
        assertThat(new String(buf.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo(expected);
    }

    @Test
    void growsPastItsInitialCapacityAndResetsForReuse() {
        ExpositionBuffer buf = new ExpositionBuffer(2);
        buf.ascii("nvidia_gpu_up");
        buf.decimal(1234567890123L);
        assertThat(new String(buf.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo("nvidia_gpu_up1234567890123");
        buf.reset();
        buf.utf8("é");
        assertThat(buf.toByteArray()).containsExactly("é".getBytes(StandardCharsets.UTF_8));
    }
}
