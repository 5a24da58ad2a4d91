package io.gpuscale.adapter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.custom.Quantity;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CanonicalQuantityTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "0, 0",
        "-0.0, 0",
        "70, 70",
        "70.5, 70500m",
        "1.5, 1500m",
        "0.001, 1m",
        "0.0001, 1m", // rounded up to a thousandth, as Kubernetes rounds
        "-0.0001, -1m", // away from zero
        "0.3333333333, 334m",
        "33.333333333333336, 33334m",
        "0.30000000000000004, 300m", // float noise below the 15th digit is not rounded up
        "999, 999",
        "1000, 1k",
        "1500, 1500",
        "70000, 70k",
        "1000000, 1M",
        "2000000000, 2G",
        "8500000000, 8500M",
        "30064771072, 30064771072", // the value kubernetes-client/java#2794 prints as -3421768146569134080e-12
        "1e18, 1E",
        "1e21, 1000E",
        "-70.5, -70500m",
        "-1000, -1k",
        "12345.678, 12345678m",
        "99.99999, 100", // 99.99999 rounds up to the next thousandth: 100000m
    })
    void formatsCanonically(double value, String expected) {
        assertThat(CanonicalQuantity.format(value)).isEqualTo(expected);
        assertThat(expected).doesNotContain("e").doesNotContain(".");
    }

    @Test
    void theJavaClientParsesEveryOutputBackToTheSameThousandths() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 20_000; i++) {
            double v = switch (i % 4) {
                case 0 -> random.nextDouble(0, 100); // utilization
                case 1 -> Math.rint(random.nextDouble(0, 100)); // whole percentages
                case 2 -> Math.floor(random.nextDouble(0, 1L << 40)); // bytes
                default -> random.nextDouble(-1e6, 1e6);
            };
            String s = CanonicalQuantity.format(v);
            BigDecimal parsed = new Quantity(s).getNumber();
            BigInteger milli = CanonicalQuantity.toMilli(v);
            assertThat(parsed.compareTo(new BigDecimal(milli, 3))).as("%s -> %s", v, s).isZero();
            assertThat(parsed.subtract(BigDecimal.valueOf(v)).abs()).as("%s -> %s", v, s)
                    .isLessThanOrEqualTo(new BigDecimal("0.001"));
            assertThat(s).as("%s", v).matches("-?[0-9]+(m|k|M|G|T|P|E)?");
        }
    }

    @Test
    void formatMilliPicksTheLargestSuffixWithoutFractions() {
        assertThat(CanonicalQuantity.formatMilli(BigInteger.valueOf(70_500))).isEqualTo("70500m");
        assertThat(CanonicalQuantity.formatMilli(BigInteger.valueOf(70_000))).isEqualTo("70");
        assertThat(CanonicalQuantity.formatMilli(BigInteger.valueOf(70_000_000))).isEqualTo("70k");
        assertThat(CanonicalQuantity.formatMilli(BigInteger.ZERO)).isEqualTo("0");
    }

    @Test
    void nonFiniteValuesHaveNoQuantity() {
        assertThatThrownBy(() -> CanonicalQuantity.format(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CanonicalQuantity.format(Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
