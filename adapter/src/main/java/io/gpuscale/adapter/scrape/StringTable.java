package io.gpuscale.adapter.scrape;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Strings by their UTF-8 bytes, so a parser makes one String per distinct metric name or label
 * value rather than one per line, and a parser reused scrape after scrape hands out the same
 * instances each time (the store then keeps one copy of a GPU's labels). Open addressing over
 * the bytes' hash; when it holds {@code maxEntries} it starts afresh, which bounds it against
 * churning label values. Not thread-safe.
 */
final class StringTable {
    private final int maxEntries;
    private byte[][] keys;
    private String[] strings;
    private int[] hashes;
    private int size;
    private int generation;

    StringTable(int maxEntries) {
        this.maxEntries = maxEntries;
        reset(64);
    }

    /** Incremented every time the table is emptied: slots from before are no longer valid. */
    int generation() {
        return generation;
    }

    int capacity() {
        return keys.length;
    }

    /** The slot of these bytes' string, adding it when new. */
    int slot(byte[] b, int from, int to) {
        int h = hash(b, from, to);
        int mask = keys.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            byte[] k = keys[i];
            if (k == null) {
                if (size >= maxEntries) {
                    reset(keys.length);
                    return slot(b, from, to);
                }
                if (2 * (size + 1) > keys.length) {
                    grow();
                    return slot(b, from, to);
                }
                keys[i] = Arrays.copyOfRange(b, from, to);
                strings[i] = new String(b, from, to - from, StandardCharsets.UTF_8);
                hashes[i] = h;
                size++;
                return i;
            }
            if (hashes[i] == h && Arrays.equals(k, 0, k.length, b, from, to)) {
                return i;
            }
        }
    }

    String string(int slot) {
        return strings[slot];
    }

    String get(byte[] b, int from, int to) {
        int slot = slot(b, from, to); // first: slot() may replace the arrays
        return strings[slot];
    }

    private void reset(int capacity) {
        keys = new byte[capacity][];
        strings = new String[capacity];
        hashes = new int[capacity];
        size = 0;
        generation++;
    }

    private void grow() {
        byte[][] oldKeys = keys;
        String[] oldStrings = strings;
        int[] oldHashes = hashes;
        keys = new byte[oldKeys.length * 2][];
        strings = new String[keys.length];
        hashes = new int[keys.length];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != null) {
                int i = oldHashes[j] & mask;
                while (keys[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                strings[i] = oldStrings[j];
                hashes[i] = oldHashes[j];
            }
        }
        generation++;
    }

    private static int hash(byte[] b, int from, int to) {
        int h = 0x811c9dc5;
        for (int i = from; i < to; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }
}
