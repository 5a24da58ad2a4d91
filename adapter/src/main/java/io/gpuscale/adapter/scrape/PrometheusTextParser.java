package io.gpuscale.adapter.scrape;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A streaming parser of the Prometheus text exposition format 0.0.4, straight from bytes. Names
 * and label values become Strings through {@link Interning} tables that keep one instance per
 * distinct value (shared by every parser of one scraping thread), so parsing a target's scrape
 * again allocates little beyond the sink's own records; lines of names the sink refuses are
 * dropped after reading only the name, before any label is looked at.
 *
 * <p>A body is parsed whole ({@link #parse(byte[], SampleSink)}, from a stream) or as it arrives:
 * {@link #begin}, {@link #feed} each chunk, {@link #end}. Lines inside a chunk are parsed where
 * they lie; only a line split between two chunks is copied.
 *
 * <p>Never throws on bad input: a malformed line is skipped and counted, a body over the limit is
 * cut off and reported {@linkplain ParseReport#truncated() truncated}. {@code # HELP} and
 * {@code # TYPE} lines are checked and otherwise ignored; other {@code #} lines are comments.
 *
 * <p>Not thread-safe: one body at a time per instance, and the instance's {@link Interning} used
 * from one thread only.
 */
public final class PrometheusTextParser {
    private static final int MAX_LABELS = 64;
    private static final int READ_CHUNK = 64 * 1024;
    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    /**
     * The string tables parsers intern through: one per scraping thread, shared by the parsers of
     * all its targets. Call {@link #nextRound()} once per scrape interval so that values no longer
     * served (pods gone) age out.
     */
    public static final class Interning {
        /** Past this many distinct names or values a table starts afresh (a hostile target). */
        private static final int MAX_NAMES = 1 << 14;
        private static final int MAX_VALUES = 1 << 21;

        final StringTable names = new StringTable(MAX_NAMES);
        final StringTable values = new StringTable(MAX_VALUES);

        /** Marks a scrape interval: strings unused for a few rounds may be dropped. */
        public void nextRound() {
            names.nextEpoch();
            values.nextEpoch();
        }

        /** Distinct names and values held, for tests and reporting. */
        public int size() {
            return names.size() + values.size();
        }
    }

    /**
     * New strings one body may add to the shared tables; past it, values are made but not kept, so
     * one hostile target cannot fill the tables that every target shares.
     */
    static final int NEW_STRINGS_PER_BODY = 16_384;

    private final ScrapeLimits limits;
    private final StringTable names;
    private final StringTable values;
    private final String[] pairs = new String[2 * MAX_LABELS];
    private byte[] unescaped = new byte[256];
    /** The start of a line that the previous chunk ended inside. */
    private byte[] carry = new byte[256];
    private int carried;

    // State of the parse in progress.
    private SampleSink sink;
    private final Map<String, Boolean> accepted = new IdentityHashMap<>();
    private int samples;
    private int skipped;
    private int malformed;
    private int overLimit;
    private long bytes;
    private boolean truncated;
    private int added;
    private int labelCount;
    private double value;
    private long timestamp;

    /** A parser with the default limits and tables of its own. */
    public PrometheusTextParser() {
        this(ScrapeLimits.DEFAULTS);
    }

    /** A parser with tables of its own. */
    public PrometheusTextParser(ScrapeLimits limits) {
        this(limits, new Interning());
    }

    /** A parser interning through {@code interning}, which other parsers of the same thread may share. */
    public PrometheusTextParser(ScrapeLimits limits, Interning interning) {
        this.limits = limits;
        this.names = interning.names;
        this.values = interning.values;
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
        feed(body, offset, length);
        return end();
    }

    /**
     * Reads and parses a body; stops reading once the body limit is passed. Only reading can
     * throw: a malformed body never does.
     */
    public ParseReport parse(InputStream in, SampleSink sink) throws IOException {
        begin(sink);
        byte[] buf = new byte[Math.min(READ_CHUNK, limits.maxBodyBytes() + 1)];
        int n;
        while (!truncated && (n = in.read(buf)) >= 0) {
            feed(buf, 0, n);
        }
        return end();
    }

    /** Starts a body whose samples go to {@code sink}; then {@link #feed} it and {@link #end()}. */
    public void begin(SampleSink sink) {
        this.sink = sink;
        accepted.clear();
        samples = 0;
        skipped = 0;
        malformed = 0;
        overLimit = 0;
        bytes = 0;
        truncated = false;
        carried = 0;
        added = 0;
    }

    /**
     * Parses the next {@code length} bytes of the body. Once the body passes the limit the rest is
     * ignored and {@link #truncated()} is true: a caller reading from the network should stop.
     */
    public void feed(byte[] b, int offset, int length) {
        if (truncated) {
            return;
        }
        long room = limits.maxBodyBytes() - bytes;
        if (length > room) {
            length = (int) room;
            truncated = true;
        }
        bytes += length;
        int end = offset + length;
        int start = offset;
        for (int i = offset; i < end; i++) {
            if (b[i] == '\n') {
                if (carried > 0) {
                    append(b, start, i);
                    line(carry, 0, carried);
                    carried = 0;
                } else {
                    line(b, start, i);
                }
                start = i + 1;
            }
        }
        if (truncated) {
            carried = 0; // the cut-off line is not parsed
        } else if (start < end) {
            append(b, start, end);
        }
    }

    /** Whether the body fed so far passed the limit. */
    public boolean truncated() {
        return truncated;
    }

    /** Ends the body: parses a last line without a newline, and reports. */
    public ParseReport end() {
        if (!truncated && carried > 0) {
            line(carry, 0, carried);
        }
        carried = 0;
        if (carry.length > 64 * 1024) {
            carry = new byte[256]; // a long line once should not pin its buffer
        }
        return finish(truncated, bytes);
    }

    private void append(byte[] b, int from, int to) {
        int n = to - from;
        if (carried + n > carry.length) {
            carry = Arrays.copyOf(carry, Math.max(carried + n, 2 * carry.length));
        }
        System.arraycopy(b, from, carry, carried, n);
        carried += n;
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
        String name = intern(names, b, p, nameEnd);
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
            String labelName = intern(names, b, p, nameEnd);
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
        pairs[2 * labelCount + 1] = escaped ? intern(values, unescaped, 0, n) : intern(values, b, start, p);
        return p + 1;
    }

    private String intern(StringTable table, byte[] b, int from, int to) {
        if (added < NEW_STRINGS_PER_BODY) {
            int before = table.size();
            String s = table.get(b, from, to);
            if (table.size() > before) {
                added++;
            }
            return s;
        }
        String s = table.find(b, from, to);
        return s != null ? s : new String(b, from, to - from, StandardCharsets.UTF_8);
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
