package io.gpuscale.adapter.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PrometheusTextParserTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsNamesLabelsValuesAndTimestamps() {
        RecordingSink sink = new RecordingSink();
        ParseReport report = new PrometheusTextParser().parse(utf8("""
                # HELP nvidia_gpu_utilization_percent Percent of time a kernel ran (0-100).
                # TYPE nvidia_gpu_utilization_percent gauge
                nvidia_gpu_utilization_percent{node="n1",gpu="0",uuid="GPU-a"} 52
                nvidia_gpu_utilization_percent{node="n1",gpu="1",uuid="GPU-b",} 78.5 1700000000123
                up 1
                """), sink);

        assertThat(report).isEqualTo(new ParseReport(3, 0, 0, 0, false, report.bytes()));
        assertThat(sink.samples).extracting(RecordingSink.Sample::name)
                .containsExactly("nvidia_gpu_utilization_percent", "nvidia_gpu_utilization_percent", "up");
        assertThat(sink.samples.get(0).labels().toMap()).containsExactly(
                java.util.Map.entry("node", "n1"), java.util.Map.entry("gpu", "0"), java.util.Map.entry("uuid", "GPU-a"));
        assertThat(sink.samples.get(0).value()).isEqualTo(52.0);
        assertThat(sink.samples.get(0).timestampMillis()).isEqualTo(SampleSink.NO_TIMESTAMP);
        assertThat(sink.samples.get(1).value()).isEqualTo(78.5);
        assertThat(sink.samples.get(1).timestampMillis()).isEqualTo(1700000000123L);
        assertThat(sink.samples.get(2).labels()).isEqualTo(Labels.EMPTY);
    }

    @Test
    void refusedNamesAreAskedOnceAndSkippedWithoutReadingTheirLabels() {
        RecordingSink sink = new RecordingSink(name -> name.startsWith("keep"));
        ParseReport report = new PrometheusTextParser().parse(utf8("""
                drop{a="1"} 1
                drop{a="2"} 2
                drop{this is not even valid 3
                keep 4
                """), sink);

        assertThat(sink.asked).containsExactly("drop", "keep");
        assertThat(report.samples()).isEqualTo(1);
        assertThat(report.skipped()).isEqualTo(3);
        assertThat(report.malformed()).isZero();
    }

    @Test
    void sameNamesAndLabelValuesAreOneStringInstanceAcrossLinesAndScrapes() {
        PrometheusTextParser parser = new PrometheusTextParser();
        RecordingSink first = new RecordingSink();
        RecordingSink second = new RecordingSink();
        byte[] body = utf8("m{uuid=\"GPU-a\"} 1\nm{uuid=\"GPU-a\"} 2\n");
        parser.parse(body, first);
        parser.parse(body, second);

        assertThat(first.samples.get(0).labels().value(0)).isSameAs(first.samples.get(1).labels().value(0))
                .isSameAs(second.samples.get(0).labels().value(0));
        assertThat(first.samples.get(0).name()).isSameAs(second.samples.get(1).name());
    }

    static Stream<Arguments> values() {
        return Stream.of(
                Arguments.of("0", 0.0),
                Arguments.of("-0", -0.0),
                Arguments.of("42", 42.0),
                Arguments.of("+42", 42.0),
                Arguments.of("244.56", 244.56),
                Arguments.of("0.001", 0.001),
                Arguments.of("1.795459204622E9", 1.795459204622E9),
                Arguments.of("1e-7", 1e-7),
                Arguments.of("25757220864", 25757220864.0),
                Arguments.of("123456789012345678901234567890", 123456789012345678901234567890.0),
                Arguments.of("0.1000000000000000055511151231257827", 0.1),
                Arguments.of("1.7976931348623157e308", Double.MAX_VALUE),
                Arguments.of("4.9e-324", Double.MIN_VALUE),
                Arguments.of("NaN", Double.NaN),
                Arguments.of("+Inf", Double.POSITIVE_INFINITY),
                Arguments.of("-Inf", Double.NEGATIVE_INFINITY),
                Arguments.of("Inf", Double.POSITIVE_INFINITY),
                Arguments.of("+infinity", Double.POSITIVE_INFINITY));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("values")
    void valuesParseAsGoParsesThem(String text, double expected) {
        RecordingSink sink = new RecordingSink();
        new PrometheusTextParser().parse(utf8("m " + text + "\n"), sink);
        assertThat(Double.valueOf(sink.only().value())).isEqualTo(Double.valueOf(expected));
    }

    @Test
    void manyDecimalsParseExactlyAsJavaDoes() {
        java.util.Random random = new java.util.Random(4);
        StringBuilder body = new StringBuilder();
        double[] expected = new double[2000];
        for (int i = 0; i < expected.length; i++) {
            String text = switch (i % 4) {
                case 0 -> Double.toString(random.nextDouble() * 1e6);
                case 1 -> Long.toString(random.nextLong());
                case 2 -> String.format(java.util.Locale.ROOT, "%.3f", random.nextDouble() * 500);
                default -> Double.toString(Math.scalb(random.nextDouble(), random.nextInt(200) - 100));
            };
            expected[i] = Double.parseDouble(text);
            body.append("m ").append(text).append('\n');
        }
        RecordingSink sink = new RecordingSink();
        new PrometheusTextParser().parse(utf8(body.toString()), sink);
        assertThat(sink.samples).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(sink.samples.get(i).value()).as("line %d", i).isEqualTo(expected[i]);
        }
    }

    static Stream<Arguments> escapes() {
        return Stream.of(
                Arguments.of("a\\\\b", "a\\b"),
                Arguments.of("say \\\"hi\\\"", "say \"hi\""),
                Arguments.of("two\\nlines", "two\nlines"),
                Arguments.of("ends with \\\\", "ends with \\"),
                Arguments.of("", ""),
                Arguments.of("Grüße, 世界", "Grüße, 世界"),
                Arguments.of("comma, } and = inside", "comma, } and = inside"));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("escapes")
    void labelValuesAreUnescaped(String escaped, String value) {
        RecordingSink sink = new RecordingSink();
        ParseReport report = new PrometheusTextParser().parse(utf8("m{a=\"" + escaped + "\",b=\"x\"} 1\n"), sink);
        assertThat(report.malformed()).isZero();
        assertThat(sink.only().labels().get("a")).isEqualTo(value);
        assertThat(sink.only().labels().get("b")).isEqualTo("x");
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("no value", "m"),
                Arguments.of("no value after labels", "m{a=\"b\"}"),
                Arguments.of("bad value", "m abc"),
                Arguments.of("value with Java suffix", "m 1d"),
                Arguments.of("hex value", "m 0x10"),
                Arguments.of("two dots", "m 1.2.3"),
                Arguments.of("empty exponent", "m 1e"),
                Arguments.of("signed NaN", "m -NaN"),
                Arguments.of("name starts with a digit", "1m 1"),
                Arguments.of("unclosed label set", "m{a=\"b\" 1"),
                Arguments.of("unquoted label value", "m{a=b} 1"),
                Arguments.of("unterminated label value", "m{a=\"b} 1"),
                Arguments.of("unknown escape", "m{a=\"\\t\"} 1"),
                Arguments.of("label without equals", "m{a} 1"),
                Arguments.of("label name with a dash", "m{a-b=\"c\"} 1"),
                Arguments.of("label name with a colon", "m{a:b=\"c\"} 1"),
                Arguments.of("duplicate label", "m{a=\"1\",a=\"2\"} 1"),
                Arguments.of("missing comma", "m{a=\"1\" b=\"2\"} 1"),
                Arguments.of("double comma", "m{a=\"1\",,b=\"2\"} 1"),
                Arguments.of("bad timestamp", "m 1 12:00"),
                Arguments.of("float timestamp", "m 1 1.5"),
                Arguments.of("trailing junk", "m 1 2 3"),
                Arguments.of("TYPE of an unknown type", "# TYPE m widget"),
                Arguments.of("TYPE without a name", "# TYPE"),
                Arguments.of("HELP with a bad name", "# HELP 9m text"),
                Arguments.of("just a brace", "{a=\"b\"} 1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedLinesAreCountedAndTheNextLineStillParses(String why, String line) {
        RecordingSink sink = new RecordingSink();
        ParseReport report = new PrometheusTextParser().parse(utf8(line + "\nok{x=\"y\"} 7\n"), sink);
        assertThat(report.malformed()).as(why).isEqualTo(1);
        assertThat(sink.only().name()).isEqualTo("ok");
        assertThat(sink.only().value()).isEqualTo(7.0);
    }

    @Test
    void commentsBlankLinesCarriageReturnsAndTabsAreAccepted() {
        RecordingSink sink = new RecordingSink();
        ParseReport report = new PrometheusTextParser().parse(utf8(
                "# just a comment\n#\n\n   \r\n# HELP m with \\\\ escapes \\n\n# TYPE m untyped\n"
                        + "\tm\t{ a = \"b\" , }\t3\t-5\r\nlast 9"), sink);
        assertThat(report.malformed()).isZero();
        assertThat(sink.samples).hasSize(2);
        assertThat(sink.samples.get(0).labels().get("a")).isEqualTo("b");
        assertThat(sink.samples.get(0).timestampMillis()).isEqualTo(-5);
        assertThat(sink.samples.get(1).value()).isEqualTo(9.0);
    }

    @Test
    void aBodyOverTheLimitIsCutAtTheLimitAndReportedTruncated() throws IOException {
        PrometheusTextParser parser = new PrometheusTextParser(new ScrapeLimits(20, 100, 100));
        byte[] body = utf8("a 1\nb 2\nc 3\nd 4\ne 5\nf 6\n");
        RecordingSink fromBytes = new RecordingSink();
        ParseReport report = parser.parse(body, fromBytes);
        assertThat(report.truncated()).isTrue();
        assertThat(fromBytes.samples).extracting(RecordingSink.Sample::name).containsExactly("a", "b", "c", "d", "e");

        RecordingSink fromStream = new RecordingSink();
        ParseReport streamed = parser.parse(new ByteArrayInputStream(body), fromStream);
        assertThat(streamed.truncated()).isTrue();
        assertThat(streamed.bytes()).isEqualTo(20);
        assertThat(fromStream.samples).isEqualTo(fromBytes.samples);
    }

    @Test
    void samplesPastTheSeriesLimitAreDroppedAndCounted() {
        RecordingSink sink = new RecordingSink();
        ParseReport report = new PrometheusTextParser(new ScrapeLimits(1 << 20, 2, 100))
                .parse(utf8("a 1\nb 2\nc 3\nd 4\n"), sink);
        assertThat(sink.samples).hasSize(2);
        assertThat(report.overLimit()).isEqualTo(2);
        assertThat(report.truncated()).isFalse();
    }

    @Test
    void aLineWithATooLongLabelIsDroppedAndCounted() {
        RecordingSink sink = new RecordingSink();
        String longValue = "v".repeat(11);
        ParseReport report = new PrometheusTextParser(new ScrapeLimits(1 << 20, 100, 10)).parse(utf8(
                "m{a=\"" + longValue + "\"} 1\nm{" + "n".repeat(11) + "=\"x\"} 2\nm{a=\"" + "v".repeat(10) + "\"} 3\n"), sink);
        assertThat(report.overLimit()).isEqualTo(2);
        assertThat(sink.only().value()).isEqualTo(3.0);
    }

    @Test
    void aStreamDeliveredInTinyPiecesParsesLikeTheWholeBody() throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            body.append("nvidia_gpu_utilization_percent{node=\"n\",gpu=\"").append(i)
                    .append("\",uuid=\"GPU-").append("x".repeat(i % 300)).append("\"} ").append(i).append('\n');
        }
        byte[] bytes = utf8(body.toString());
        RecordingSink whole = new RecordingSink();
        new PrometheusTextParser().parse(bytes, whole);
        RecordingSink pieces = new RecordingSink();
        ParseReport report = new PrometheusTextParser().parse(new TrickleStream(bytes, 7), pieces);
        assertThat(report.bytes()).isEqualTo(bytes.length);
        assertThat(pieces.samples).hasSize(500).isEqualTo(whole.samples);
    }

    @Test
    void aLineLongerThanTheReadBufferIsReadWhole() throws IOException {
        String value = "v".repeat(200_000);
        RecordingSink sink = new RecordingSink();
        ParseReport report = new PrometheusTextParser(new ScrapeLimits(1 << 20, 10, 300_000))
                .parse(new ByteArrayInputStream(utf8("m{a=\"" + value + "\"} 1\nn 2\n")), sink);
        assertThat(report.malformed()).isZero();
        assertThat(sink.samples.get(0).labels().get("a")).hasSize(200_000);
        assertThat(sink.samples.get(1).name()).isEqualTo("n");
    }

    @Test
    void binaryGarbageNeverThrows() {
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[random.nextInt(2000)];
            random.nextBytes(junk);
            ParseReport report = new PrometheusTextParser().parse(junk, new RecordingSink());
            assertThat(report.samples() + report.malformed() + report.skipped()).isGreaterThanOrEqualTo(0);
        }
    }

    /** Hands out at most {@code piece} bytes per read. */
    private static final class TrickleStream extends InputStream {
        private final byte[] bytes;
        private final int piece;
        private int pos;

        TrickleStream(byte[] bytes, int piece) {
            this.bytes = bytes;
            this.piece = piece;
        }

        @Override
        public int read() {
            return pos < bytes.length ? bytes[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= bytes.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, piece), bytes.length - pos);
            System.arraycopy(bytes, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
