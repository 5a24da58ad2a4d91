package io.gpuscale.adapter.scrape;

import java.nio.charset.StandardCharsets;

/**
 * Strings by their UTF-8 bytes, so that parsing makes one String per distinct metric name or label
 * value rather than one per line, and every scrape of every target sharing the table hands out the
 * same instances: the store then holds one copy of a namespace, a model or a label name for the
 * whole fleet. Open addressing over the bytes' hash; an ASCII entry is compared with its String
 * directly, so the table keeps no copy of the bytes (a non-ASCII entry keeps its encoded bytes).
 *
 * <p>Bounded by use, not by a fixed size: {@link #nextEpoch()} marks a round (a scrape interval), and
 * once the table has grown past twice what was live at its last sweep, entries no scrape asked for
 * in the last {@value #KEEP_EPOCHS} rounds are dropped. Pods that come and go therefore cost the table
 * only while they are served. A hard ceiling empties it, should one round ever bring more distinct
 * strings than that. Strings handed out stay valid whatever the table does later; only sharing is
 * lost for a dropped entry until it is seen again.
 *
 * <p>Not thread-safe: one table per scraping thread.
 */
final class StringTable {
    /** Entries unused for this many rounds are dropped at the next sweep. */
    static final int KEEP_EPOCHS = 3;
    private static final int MIN_CAPACITY = 64;

    private final int maxEntries;
    private String[] strings;
    /** Encoded bytes of the non-ASCII entries; null for ASCII ones (and for empty slots). */
    private byte[][] encoded;
    private int[] hashes;
    private int[] lastUsed;
    private int size;
    private int epoch;
    private int liveAtLastSweep = MIN_CAPACITY;

    /** @param maxEntries the ceiling: past it the table starts afresh */
    StringTable(int maxEntries) {
        this.maxEntries = maxEntries;
        allocate(MIN_CAPACITY);
    }

    /** Entries held. */
    int size() {
        return size;
    }

    /**
     * Starts a new round; sweeps out entries unused for {@value #KEEP_EPOCHS} rounds when the
     * table has doubled since the last sweep.
     */
    void nextEpoch() {
        epoch++;
        if (size > 2 * liveAtLastSweep) {
            sweep();
        }
    }

    /** The String of {@code b[from, to)} decoded as UTF-8, the same instance each time while held. */
    String get(byte[] b, int from, int to) {
        int h = hash(b, from, to);
        int slot = lookup(b, from, to, h);
        return slot >= 0 ? strings[slot] : add(b, from, to, h, -slot - 1);
    }

    /** The held String of these bytes, or null: adds nothing. */
    String find(byte[] b, int from, int to) {
        int slot = lookup(b, from, to, hash(b, from, to));
        return slot >= 0 ? strings[slot] : null;
    }

    /** The slot holding these bytes (marked used), or {@code -(empty slot) - 1}. */
    private int lookup(byte[] b, int from, int to, int h) {
        int mask = strings.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            String s = strings[i];
            if (s == null) {
                return -i - 1;
            }
            if (hashes[i] == h && matches(i, s, b, from, to)) {
                lastUsed[i] = epoch;
                return i;
            }
        }
    }

    private String add(byte[] b, int from, int to, int h, int slot) {
        if (size >= maxEntries) {
            allocate(MIN_CAPACITY);
            liveAtLastSweep = MIN_CAPACITY;
            return get(b, from, to);
        }
        if (2 * (size + 1) > strings.length) {
            rehash(2 * strings.length);
            return get(b, from, to);
        }
        boolean ascii = true;
        for (int k = from; k < to; k++) {
            if (b[k] < 0) {
                ascii = false;
                break;
            }
        }
        String s = ascii ? new String(b, from, to - from, StandardCharsets.ISO_8859_1)
                : new String(b, from, to - from, StandardCharsets.UTF_8);
        strings[slot] = s;
        encoded[slot] = ascii ? null : java.util.Arrays.copyOfRange(b, from, to);
        hashes[slot] = h;
        lastUsed[slot] = epoch;
        size++;
        return s;
    }

    private boolean matches(int slot, String s, byte[] b, int from, int to) {
        byte[] e = encoded[slot];
        if (e != null) {
            return java.util.Arrays.equals(e, 0, e.length, b, from, to);
        }
        int n = to - from;
        if (s.length() != n) {
            return false;
        }
        for (int k = 0; k < n; k++) {
            if (s.charAt(k) != b[from + k]) { // a non-ASCII byte is negative: never equal to a char
                return false;
            }
        }
        return true;
    }

    private void sweep() {
        int live = 0;
        for (int i = 0; i < strings.length; i++) {
            if (strings[i] != null && epoch - lastUsed[i] < KEEP_EPOCHS) {
                live++;
            }
        }
        liveAtLastSweep = Math.max(MIN_CAPACITY, live);
        int capacity = MIN_CAPACITY;
        while (capacity < 2 * live + 2) {
            capacity *= 2;
        }
        copyInto(capacity, true);
    }

    private void rehash(int capacity) {
        copyInto(capacity, false);
    }

    /** Moves the entries (only those used lately, with {@code recentOnly}) into new arrays of {@code capacity}. */
    private void copyInto(int capacity, boolean recentOnly) {
        String[] oldStrings = strings;
        byte[][] oldEncoded = encoded;
        int[] oldHashes = hashes;
        int[] oldUsed = lastUsed;
        allocate(capacity);
        for (int j = 0; j < oldStrings.length; j++) {
            if (oldStrings[j] != null && (!recentOnly || epoch - oldUsed[j] < KEEP_EPOCHS)) {
                put(oldStrings[j], oldEncoded[j], oldHashes[j], oldUsed[j]);
            }
        }
    }

    private void put(String s, byte[] e, int h, int used) {
        int mask = strings.length - 1;
        int i = h & mask;
        while (strings[i] != null) {
            i = (i + 1) & mask;
        }
        strings[i] = s;
        encoded[i] = e;
        hashes[i] = h;
        lastUsed[i] = used;
        size++;
    }

    private void allocate(int capacity) {
        strings = new String[capacity];
        encoded = new byte[capacity][];
        hashes = new int[capacity];
        lastUsed = new int[capacity];
        size = 0;
    }

    private static int hash(byte[] b, int from, int to) {
        int h = 0x811c9dc5;
        for (int i = from; i < to; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }
}
