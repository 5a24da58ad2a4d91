package io.gpuscale.common.tls;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Notices when a PEM certificate and key file change and hands over the new pair once it is whole.
 *
 * <p>Each {@link #poll()} reads both files through their paths and compares a hash of their
 * contents with the pair in use. Reading through the path, rather than watching modification
 * times or inotify events, follows cert-manager's and the kubelet's atomic swap of the
 * {@code ..data} symlink of a Secret volume as well as a plain rewrite, and costs two small reads
 * per poll. A pair is handed over only if the loader accepts it (it parses and the key belongs to
 * the certificate); a pair caught half written (the certificate replaced, the key not yet) is
 * simply tried again at the next poll, and is logged (once, without any of its content) only if it
 * is still broken then.
 *
 * @param <T> the loaded pair, as the server that uses it wants it
 */
public final class PemFileWatch<T> {
    private static final Logger LOG = System.getLogger(PemFileWatch.class.getName());

    /** Turns the two files' bytes into a pair. */
    @FunctionalInterface
    public interface Loader<T> {
        /**
         * @throws IllegalArgumentException when the pair is not usable, saying why without quoting the key
         */
        T load(byte[] certificate, byte[] key);
    }

    private final Path certificateFile;
    private final Path keyFile;
    private final String what;
    private final Loader<T> loader;
    private byte[] inUse;
    private byte[] brokenSeen;
    private byte[] brokenLogged;

    /**
     * @param what what the pair is called in the warning about a broken one, e.g. {@code TLS certificate}
     */
    public PemFileWatch(Path certificateFile, Path keyFile, String what, Loader<T> loader) {
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
        this.what = what;
        this.loader = loader;
    }

    /**
     * The pair in the files now, loaded and from now on the one in use; for the start.
     *
     * @throws IllegalArgumentException when the files cannot be read or the loader refuses them
     */
    public synchronized T load() {
        byte[] cert = read(certificateFile);
        byte[] key = read(keyFile);
        T pair = loader.load(cert, key);
        inUse = hash(cert, key);
        return pair;
    }

    /** Takes these contents as the pair in use, when it was read some other way. */
    public synchronized void inUse(String certificatePem, String keyPem) {
        inUse = hash(certificatePem.getBytes(StandardCharsets.US_ASCII), keyPem.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Reads the files once.
     *
     * @return the new pair when the files hold a different, valid one; empty when nothing changed
     *         or the new pair is not (yet) usable
     */
    public synchronized Optional<T> poll() {
        byte[] cert;
        byte[] key;
        try {
            cert = Files.readAllBytes(certificateFile);
            key = Files.readAllBytes(keyFile);
        } catch (IOException e) {
            // mid-swap, or the volume went away: keep serving the pair we have
            broken(hash(new byte[] {1}, e.getClass().getName().getBytes(StandardCharsets.UTF_8)),
                    "cannot read " + certificateFile + " or " + keyFile + " (" + e.getClass().getSimpleName() + ")");
            return Optional.empty();
        }
        byte[] h = hash(cert, key);
        if (Arrays.equals(h, inUse)) {
            brokenSeen = null;
            return Optional.empty();
        }
        T next;
        try {
            next = loader.load(cert, key);
        } catch (IllegalArgumentException e) {
            broken(h, e.getMessage());
            return Optional.empty();
        }
        inUse = h;
        brokenSeen = null;
        brokenLogged = null;
        return Optional.of(next);
    }

    /** A broken pair is logged when seen on two polls in a row, and once only. */
    private void broken(byte[] h, String why) {
        if (Arrays.equals(h, brokenSeen) && !Arrays.equals(h, brokenLogged)) {
            LOG.log(Level.WARNING, "new " + what + " not loaded, still serving the previous one: {0}", why);
            brokenLogged = h;
        }
        brokenSeen = h;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static byte[] hash(byte[] cert, byte[] key) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(cert);
            d.update((byte) 0);
            d.update(key);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
