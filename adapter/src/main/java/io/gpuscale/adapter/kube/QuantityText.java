package io.gpuscale.adapter.kube;

import java.math.BigDecimal;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of a Kubernetes resource quantity, checked as the API server's decoder checks it before
 * the official client's parser (which is both looser and stricter in places) sees it: an optional
 * sign, a decimal number, then nothing, a binary suffix ({@code Ki} ... {@code Ei}), a decimal one
 * ({@code n u m k M G T P E}) or a decimal exponent ({@code e3}, {@code E-2}). Leading and trailing
 * blanks are ignored, as in a JSON string quantity. Our own code, from the published syntax.
 */
public final class QuantityText {
    private static final Pattern SYNTAX = Pattern.compile(
            "([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))((?:[KMGTPE]i)|[numkMGTPE]|[eE][+-]?[0-9]+)?");
    private static final Map<String, BigDecimal> SUFFIX = Map.ofEntries(
            Map.entry("", BigDecimal.ONE),
            Map.entry("n", new BigDecimal("1e-9")), Map.entry("u", new BigDecimal("1e-6")),
            Map.entry("m", new BigDecimal("1e-3")), Map.entry("k", new BigDecimal("1e3")),
            Map.entry("M", new BigDecimal("1e6")), Map.entry("G", new BigDecimal("1e9")),
            Map.entry("T", new BigDecimal("1e12")), Map.entry("P", new BigDecimal("1e15")),
            Map.entry("E", new BigDecimal("1e18")),
            Map.entry("Ki", BigDecimal.valueOf(1L << 10)), Map.entry("Mi", BigDecimal.valueOf(1L << 20)),
            Map.entry("Gi", BigDecimal.valueOf(1L << 30)), Map.entry("Ti", BigDecimal.valueOf(1L << 40)),
            Map.entry("Pi", BigDecimal.valueOf(1L << 50)), Map.entry("Ei", BigDecimal.valueOf(1L << 60)));
    /** What a quantity looks like, for messages. */
    public static final String EXPECTED = "a quantity such as 1, 500m or 2Gi";

    private QuantityText() {
    }

    /** The text as the decoder reads it: without surrounding blanks. */
    public static String normalize(String text) {
        return text.strip();
    }

    /**
     * The value of a quantity's text, or null when it is not one.
     */
    public static BigDecimal value(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = SYNTAX.matcher(normalize(text));
        if (!m.matches()) {
            return null;
        }
        BigDecimal number = new BigDecimal(m.group(1).endsWith(".") ? m.group(1) + "0" : m.group(1));
        String suffix = m.group(2) == null ? "" : m.group(2);
        if (suffix.length() > 1 && (suffix.charAt(0) == 'e' || suffix.charAt(0) == 'E') && suffix.charAt(1) != 'i') {
            int exponent;
            try {
                exponent = Integer.parseInt(suffix.substring(1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (Math.abs(exponent) > 1000) {
                return null;
            }
            return number.scaleByPowerOfTen(exponent);
        }
        return number.multiply(SUFFIX.get(suffix));
    }

    /** Whether the text is a quantity. */
    public static boolean isQuantity(String text) {
        return value(text) != null;
    }
}
