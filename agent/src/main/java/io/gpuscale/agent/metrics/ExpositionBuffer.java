package io.gpuscale.agent.metrics;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte array for writing the exposition without intermediate strings. Reused from one
 * render to the next, so a steady-state render allocates only its result.
 */
public final class ExpositionBuffer extends OutputStream {
    private static final byte[] DIGIT_PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    private byte[] bytes;
    private int size;

    public ExpositionBuffer(int initialCapacity) {
        this.bytes = new byte[initialCapacity];
    }

    public void reset() {
        size = 0;
    }

    public int size() {
        return size;
    }

    /** Drops {@code suffix} from the end, if the content ends with it. */
    void dropSuffix(byte[] suffix) {
        if (size < suffix.length) {
            return;
        }
        for (int i = 0; i < suffix.length; i++) {
            if (bytes[size - suffix.length + i] != suffix[i]) {
                return;
            }
        }
        size -= suffix.length;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    private void ensure(int extra) {
        if (size + extra > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + extra));
        }
    }

    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, bytes, size, len);
        size += len;
    }

    void append(byte[] b) {
        write(b, 0, b.length);
    }

    void append(char c) {
        write(c);
    }

    /** Appends text known to be ASCII (metric names, fixed suffixes). */
    void ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            bytes[size++] = (byte) s.charAt(i);
        }
    }

    void utf8(String s) {
        append(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends a non-negative or negative long in decimal, without allocating. */
    void decimal(long v) {
        if (v == Long.MIN_VALUE) {
            ascii(Long.toString(v));
            return;
        }
        if (v < 0) {
            write('-');
            v = -v;
        }
        int digits = digitCount(v);
        ensure(digits);
        int pos = size + digits;
        while (v >= 100) {
            int r = (int) (v % 100);
            v /= 100;
            bytes[--pos] = DIGIT_PAIRS[2 * r + 1];
            bytes[--pos] = DIGIT_PAIRS[2 * r];
        }
        if (v >= 10) {
            bytes[--pos] = DIGIT_PAIRS[2 * (int) v + 1];
            bytes[--pos] = DIGIT_PAIRS[2 * (int) v];
        } else {
            bytes[--pos] = (byte) ('0' + v);
        }
        size += digits;
    }

    /**
     * Appends {@code value × 10^exponent} exactly: {@code (1234, -3)} gives {@code 1.234},
     * {@code (1500, -3)} gives {@code 1.5}, {@code (2520, 6)} gives {@code 2520000000}.
     */
    void scaled(long value, int exponent) {
        if (exponent >= 0) {
            decimal(value);
            if (value != 0) {
                for (int i = 0; i < exponent; i++) {
                    write('0');
                }
            }
            return;
        }
        long divisor = 1;
        for (int i = 0; i < -exponent; i++) {
            divisor *= 10;
        }
        long whole = value / divisor;
        long frac = Math.abs(value % divisor);
        if (value < 0 && whole == 0) {
            write('-');
        }
        decimal(whole);
        if (frac == 0) {
            return;
        }
        int places = -exponent;
        while (frac % 10 == 0) {
            frac /= 10;
            places--;
        }
        write('.');
        for (int d = digitCount(frac); d < places; d++) {
            write('0');
        }
        decimal(frac);
    }

    private static int digitCount(long v) {
        int n = 1;
        while (v >= 10) {
            v /= 10;
            n++;
        }
        return n;
    }
}
