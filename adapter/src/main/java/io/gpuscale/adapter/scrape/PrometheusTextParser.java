package io.gpuscale.adapter.scrape;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A streaming parser of the Prometheus text exposition format 0.0.4, straight from bytes. Names
 * and label values become Strings through tables that keep one instance per distinct value, so
 * parsing the same target's scrape again allocates little beyond the sink's own records; lines
 * of names the sink refuses are dropped after reading only the name.
 *
 * <p>Never throws on bad input: a malformed line is skipped and counted, a body over the limit is
 * cut off and reported {@linkplain ParseReport#truncated() truncated}. {@code # HELP} and
 * {@code # TYPE} lines are checked and otherwise ignored; other {@code #} lines are comments.
 *
 * <p>One instance per target, reused scrape after scrape; not thread-safe (a target's scrapes
 * never overlap).
 */
public final class PrometheusTextParser {
    private static final int MAX_NAMES = 4096;
    private static final int MAX_VALUES = 65_536;
    private static final int MAX_LABELS = 64;
    private static final int READ_CHUNK = 64 * 1024;
    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    private final ScrapeLimits limits;
    private final StringTable names = new StringTable(MAX_NAMES);
    private final StringTable values = new StringTable(MAX_VALUES);
    private final String[] pairs = new String[2 * MAX_LABELS];
    private byte[] unescaped = new byte[256];

    // State of the parse in progress.
    private SampleSink sink;
    private final Map<String, Boolean> accepted = new IdentityHashMap<>();
    private int samples;
    private int skipped;
    private int malformed;
    private int overLimit;
    private int labelCount;
    private double value;
    private long timestamp;

    public PrometheusTextParser() {
        this(ScrapeLimits.DEFAULTS);
    }

    public PrometheusTextParser(ScrapeLimits limits) {
        this.limits = limits;
    }

    public ScrapeLimits limits() {
        return limits;
    }

    public ParseReport parse(byte[] body, SampleSink sink) {
        return parse(body, 0, body.length, sink);
    }

    /** Parses {@code length} bytes of {@code body} from {@code offset}. */
    public ParseReport parse(byte[] body, int offset, int length, SampleSink sink) {
        begin(sink);
        boolean truncated = length > limits.maxBodyBytes();
        int end = offset + (truncated ? limits.maxBodyBytes() : length);
        int start = offset;
        for (int i = offset; i < end; i++) {
            if (body[i] == '\n') {
                line(body, start, i);
                start = i + 1;
            }
        }
        if (!truncated && start < end) {
            line(body, start, end);
        }
        return finish(truncated, end - offset);
    }

    /**
     * Reads and parses a body; stops reading once the body limit is passed. Only reading can
     * throw: a malformed body never does.
     */
    public ParseReport parse(InputStream in, SampleSink sink) throws IOException {
        begin(sink);
        int max = limits.maxBodyBytes();
        byte[] buf = new byte[Math.min(READ_CHUNK, max + 1)];
        int len = 0;
        long total = 0;
        boolean truncated = false;
        while (true) {
            if (len == buf.length) {
                // One line fills the buffer: grow it, within the body limit.
                buf = Arrays.copyOf(buf, (int) Math.min(2L * buf.length, max + 1L));
            }
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) {
                break;
            }
            if (total + n > max) {
                n = (int) (max - total);
                truncated = true;
            }
            total += n;
            int scanFrom = len;
            len += n;
            int start = 0;
            for (int i = scanFrom; i < len; i++) {
                if (buf[i] == '\n') {
                    line(buf, start, i);
                    start = i + 1;
                }
            }
            System.arraycopy(buf, start, buf, 0, len - start);
            len -= start;
            if (truncated) {
                break;
            }
        }
        if (!truncated && len > 0) {
            line(buf, 0, len);
        }
        return finish(truncated, total);
    }

    private void begin(SampleSink sink) {
        this.sink = sink;
        accepted.clear();
        samples = 0;
        skipped = 0;
        malformed = 0;
        overLimit = 0;
    }

    private ParseReport finish(boolean truncated, long bytes) {
        sink = null;
        accepted.clear();
        return new ParseReport(samples, skipped, malformed, overLimit, truncated, bytes);
    }

    private void line(byte[] b, int p, int end) {
        if (end > p && b[end - 1] == '\r') {
            end--;
        }
        p = skipBlank(b, p, end);
        if (p == end) {
            return;
        }
        if (b[p] == '#') {
            if (!comment(b, p + 1, end)) {
                malformed++;
            }
            return;
        }
        int nameEnd = metricName(b, p, end);
        if (nameEnd == p) {
            malformed++;
            return;
        }
        String name = names.get(b, p, nameEnd);
        Boolean wanted = accepted.get(name);
        if (wanted == null) {
            wanted = sink.accepts(name);
            accepted.put(name, wanted);
        }
        if (!wanted) {
            skipped++;
            return;
        }
        p = skipBlank(b, nameEnd, end);
        labelCount = 0;
        if (p < end && b[p] == '{') {
            p = labels(b, p + 1, end);
            if (p < 0) {
                return;
            }
        }
        p = skipBlank(b, p, end);
        int valueEnd = token(b, p, end);
        if (valueEnd == p || !number(b, p, valueEnd)) {
            malformed++;
            return;
        }
        p = skipBlank(b, valueEnd, end);
        timestamp = SampleSink.NO_TIMESTAMP;
        if (p < end) {
            int tsEnd = token(b, p, end);
            if (!timestamp(b, p, tsEnd) || skipBlank(b, tsEnd, end) != end) {
                malformed++;
                return;
            }
        }
        if (samples >= limits.maxSeries()) {
            overLimit++;
            return;
        }
        samples++;
        sink.sample(name, Labels.wrap(Arrays.copyOf(pairs, 2 * labelCount)), value, timestamp);
    }

    /** Reads the label set after '{'; returns the position after '}', or -1 having counted why not. */
    private int labels(byte[] b, int p, int end) {
        while (true) {
            p = skipBlank(b, p, end);
            if (p < end && b[p] == '}') {
                return p + 1;
            }
            int nameEnd = labelName(b, p, end);
            if (nameEnd == p) {
                malformed++;
                return -1;
            }
            if (nameEnd - p > limits.maxLabelLength()) {
                overLimit++;
                return -1;
            }
            String labelName = names.get(b, p, nameEnd);
            p = skipBlank(b, nameEnd, end);
            if (p >= end || b[p] != '=') {
                malformed++;
                return -1;
            }
            p = skipBlank(b, p + 1, end);
            if (p >= end || b[p] != '"') {
                malformed++;
                return -1;
            }
            p = labelValue(b, p + 1, end);
            if (p < 0) {
                return -1;
            }
            for (int i = 0; i < labelCount; i++) {
                if (pairs[2 * i].equals(labelName)) {
                    malformed++;
                    return -1;
                }
            }
            if (labelCount == MAX_LABELS) {
                overLimit++;
                return -1;
            }
            pairs[2 * labelCount] = labelName;
            labelCount++;
            p = skipBlank(b, p, end);
            if (p < end && b[p] == ',') {
                p++;
            } else if (p >= end || b[p] != '}') {
                malformed++;
                return -1;
            }
        }
    }

    /** Reads a quoted value after '"' into the pair of the current label; returns the position after the closing quote. */
    private int labelValue(byte[] b, int p, int end) {
        int start = p;
        int n = 0;
        boolean escaped = false;
        while (p < end && b[p] != '"') {
            if (b[p] == '\\') {
                if (!escaped) {
                    escaped = true;
                    n = p - start;
                    ensureUnescaped(n);
                    System.arraycopy(b, start, unescaped, 0, n);
                }
                if (p + 1 >= end) {
                    malformed++;
                    return -1;
                }
                byte c = b[p + 1];
                byte out;
                if (c == '\\') {
                    out = '\\';
                } else if (c == '"') {
                    out = '"';
                } else if (c == 'n') {
                    out = '\n';
                } else {
                    malformed++;
                    return -1;
                }
                ensureUnescaped(n + 1);
                unescaped[n++] = out;
                p += 2;
            } else {
                if (escaped) {
                    ensureUnescaped(n + 1);
                    unescaped[n++] = b[p];
                }
                p++;
            }
        }
        if (p >= end) {
            malformed++;
            return -1;
        }
        int length = escaped ? n : p - start;
        if (length > limits.maxLabelLength()) {
            overLimit++;
            return -1;
        }
        pairs[2 * labelCount + 1] = escaped ? values.get(unescaped, 0, n) : values.get(b, start, p);
        return p + 1;
    }

    private void ensureUnescaped(int n) {
        if (n > unescaped.length) {
            unescaped = Arrays.copyOf(unescaped, Math.max(n, 2 * unescaped.length));
        }
    }

    /** Checks a comment line after '#': HELP and TYPE must name a metric, TYPE a known type. */
    private boolean comment(byte[] b, int p, int end) {
        p = skipBlank(b, p, end);
        int wordEnd = token(b, p, end);
        boolean help = is(b, p, wordEnd, "HELP");
        boolean type = is(b, p, wordEnd, "TYPE");
        if (!help && !type) {
            return true;
        }
        p = skipBlank(b, wordEnd, end);
        int nameEnd = metricName(b, p, end);
        if (nameEnd == p || (nameEnd < end && b[nameEnd] != ' ' && b[nameEnd] != '\t')) {
            return false;
        }
        if (help) {
            return true;
        }
        p = skipBlank(b, nameEnd, end);
        int typeEnd = token(b, p, end);
        return skipBlank(b, typeEnd, end) == end
                && (is(b, p, typeEnd, "counter") || is(b, p, typeEnd, "gauge") || is(b, p, typeEnd, "histogram")
                || is(b, p, typeEnd, "summary") || is(b, p, typeEnd, "untyped"));
    }

    /** Parses a Go-style float (with NaN, [+-]Inf, [+-]Infinity) into {@link #value}. */
    private boolean number(byte[] b, int s, int e) {
        int p = s;
        boolean negative = false;
        if (b[p] == '+' || b[p] == '-') {
            negative = b[p] == '-';
            p++;
        }
        if (p == e) {
            return false;
        }
        byte c = b[p];
        if (c == 'N' || c == 'n' || c == 'I' || c == 'i') {
            if (p == s && isIgnoreCase(b, p, e, "nan")) {
                value = Double.NaN;
                return true;
            }
            if (isIgnoreCase(b, p, e, "inf") || isIgnoreCase(b, p, e, "infinity")) {
                value = negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                return true;
            }
            return false;
        }
        long mantissa = 0;
        int significant = 0;
        int exponent = 0;
        boolean digits = false;
        boolean exact = true;
        while (p < e && isDigit(b[p])) {
            if (significant < 18) {
                mantissa = mantissa * 10 + (b[p] - '0');
                if (mantissa != 0) {
                    significant++;
                }
            } else {
                exact = false;
            }
            digits = true;
            p++;
        }
        if (p < e && b[p] == '.') {
            p++;
            while (p < e && isDigit(b[p])) {
                if (significant < 18) {
                    mantissa = mantissa * 10 + (b[p] - '0');
                    if (mantissa != 0) {
                        significant++;
                    }
                    exponent--;
                } else {
                    exact = false;
                }
                digits = true;
                p++;
            }
        }
        if (!digits) {
            return false;
        }
        if (p < e && (b[p] == 'e' || b[p] == 'E')) {
            p++;
            boolean negativeExponent = false;
            if (p < e && (b[p] == '+' || b[p] == '-')) {
                negativeExponent = b[p] == '-';
                p++;
            }
            if (p == e) {
                return false;
            }
            int exp = 0;
            while (p < e && isDigit(b[p])) {
                exp = Math.min(exp * 10 + (b[p] - '0'), 100_000);
                p++;
            }
            exponent += negativeExponent ? -exp : exp;
        }
        if (p != e) {
            return false;
        }
        if (exact && mantissa == 0) {
            value = negative ? -0.0 : 0.0;
        } else if (exact && mantissa <= (1L << 53) && exponent >= -22 && exponent <= 22) {
            // Both operands are exact doubles, so one IEEE operation rounds correctly (Clinger's fast path).
            double v = exponent < 0 ? mantissa / POW10[-exponent] : mantissa * POW10[exponent];
            value = negative ? -v : v;
        } else {
            // The syntax is checked above, so Java's parser sees only what Go's would accept.
            value = Double.parseDouble(new String(b, s, e - s, StandardCharsets.ISO_8859_1));
        }
        return true;
    }

    private boolean timestamp(byte[] b, int s, int e) {
        int p = s;
        boolean negative = p < e && b[p] == '-';
        if (negative) {
            p++;
        }
        if (p == e || e - p > 18) {
            return false;
        }
        long t = 0;
        for (; p < e; p++) {
            if (!isDigit(b[p])) {
                return false;
            }
            t = t * 10 + (b[p] - '0');
        }
        timestamp = negative ? -t : t;
        return true;
    }

    private static int metricName(byte[] b, int p, int end) {
        if (p >= end || !(isLetter(b[p]) || b[p] == '_' || b[p] == ':')) {
            return p;
        }
        int i = p + 1;
        while (i < end && (isLetter(b[i]) || isDigit(b[i]) || b[i] == '_' || b[i] == ':')) {
            i++;
        }
        return i;
    }

    private static int labelName(byte[] b, int p, int end) {
        if (p >= end || !(isLetter(b[p]) || b[p] == '_')) {
            return p;
        }
        int i = p + 1;
        while (i < end && (isLetter(b[i]) || isDigit(b[i]) || b[i] == '_')) {
            i++;
        }
        return i;
    }

    private static int token(byte[] b, int p, int end) {
        while (p < end && b[p] != ' ' && b[p] != '\t') {
            p++;
        }
        return p;
    }

    private static int skipBlank(byte[] b, int p, int end) {
        while (p < end && (b[p] == ' ' || b[p] == '\t')) {
            p++;
        }
        return p;
    }

    private static boolean is(byte[] b, int s, int e, String word) {
        if (e - s != word.length()) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if (b[s + i] != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIgnoreCase(byte[] b, int s, int e, String lower) {
        if (e - s != lower.length()) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            if ((b[s + i] | 0x20) != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLetter(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
