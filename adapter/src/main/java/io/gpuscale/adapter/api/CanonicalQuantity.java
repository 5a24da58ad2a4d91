package io.gpuscale.adapter.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Kubernetes quantities in their canonical decimal form, as kube-apiserver writes them and the
 * HPA reads them ({@code resource.Quantity}, DecimalSI): {@code 70}, {@code 70500m}, {@code 1k},
 * {@code 1500}, {@code 2G}; never an exponent, never a fractional digit.
 *
 * <p>Precision is a thousandth; like Kubernetes, a value between two thousandths is rounded up
 * (away from zero: {@code 0.0001} → {@code 1m}). A double first drops the noise below its 15th
 * significant digit, so that {@code 0.1 + 0.2} reads as {@code 300m}, not {@code 301m}.
 *
 * <p>Written here rather than taken from the Java client: its {@code QuantityFormatter} has an
 * open bug that prints {@code 3.0064771072E10} as {@code -3421768146569134080e-12}
 * (kubernetes-client/java#2794).
 */
public final class CanonicalQuantity {
    private static final BigInteger THOUSAND = BigInteger.valueOf(1000);
    private static final String[] SUFFIXES = {"", "k", "M", "G", "T", "P", "E"};
    private static final MathContext DOUBLE_DIGITS = new MathContext(15, RoundingMode.HALF_EVEN);

    private CanonicalQuantity() {
    }

    /**
     * The canonical quantity of a value.
     *
     * @throws IllegalArgumentException for NaN and infinities, which have no quantity
     */
    public static String format(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("no quantity for " + value);
        }
        return formatMilli(toMilli(value));
    }

    /** The value in thousandths, rounded up (away from zero) as Kubernetes rounds. */
    public static BigInteger toMilli(double value) {
        if (value == 0) {
            return BigInteger.ZERO;
        }
        return new BigDecimal(value).round(DOUBLE_DIGITS).movePointRight(3).setScale(0, RoundingMode.UP)
                .toBigIntegerExact();
    }

    /** The canonical quantity of a count of thousandths. */
    public static String formatMilli(BigInteger milli) {
        if (milli.signum() == 0) {
            return "0";
        }
        BigInteger[] units = milli.divideAndRemainder(THOUSAND);
        if (units[1].signum() != 0) {
            return milli + "m";
        }
        BigInteger v = units[0];
        int suffix = 0;
        while (suffix < SUFFIXES.length - 1) {
            BigInteger[] qr = v.divideAndRemainder(THOUSAND);
            if (qr[1].signum() != 0) {
                break;
            }
            v = qr[0];
            suffix++;
        }
        return v + SUFFIXES[suffix];
    }
}
