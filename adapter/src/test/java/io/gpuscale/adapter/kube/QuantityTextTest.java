package io.gpuscale.adapter.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The quantity syntax the API server's decoder accepts, and the values. */
class QuantityTextTest {
    @ParameterizedTest(name = "[{0}] = {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "1       | 1",
        "0       | 0",
        "-1      | -1",
        "+2      | 2",
        "1.5     | 1.5",
        ".5      | 0.5",
        "1.      | 1",
        "1e3     | 1000",
        "1E3     | 1000",
        "1e-3    | 0.001",
        "1Ki     | 1024",
        "2Gi     | 2147483648",
        "1Ei     | 1152921504606846976",
        "100m    | 0.1",
        "-100m   | -0.1",
        "1k      | 1000",
        "1E      | 1000000000000000000",
        "' 1 '   | 1",
        "abc     | -",
        "''      | -",
        "1e      | -",
        "1ki     | -",
        "1K      | -",
        "1.2.3   | -",
        "1Mi5    | -",
        "0x10    | -",
        "--1     | -",
        "1 Gi    | -",
    })
    void values(String text, String value) {
        BigDecimal v = QuantityText.value(text);
        if (value == null) {
            assertThat(v).as(text).isNull();
        } else {
            assertThat(v).as(text).isNotNull();
            assertThat(v.compareTo(new BigDecimal(value))).as(text + " = " + v).isZero();
        }
    }
}
