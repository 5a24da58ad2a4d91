package io.gpuscale.adapter.tls;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Optional;

/**
 * Notices when the certificate and key files change and hands over the new pair once it is whole.
 *
 * <p>Each {@link #poll()} reads both files through their paths and compares a hash of their
 * contents with the pair in use. Reading through the path, rather than watching modification
 * times or inotify events, follows cert-manager's and the kubelet's atomic swap of the
 * {@code ..data} symlink of a Secret volume as well as a plain rewrite, and costs two small reads
 * per poll. A pair is handed over only if it parses and the key belongs to the certificate; a pair
 * caught half written (the certificate replaced, the key not yet) is simply tried again at the next
 * poll, and is logged (once, without any of its content) only if it is still broken then.
 */
public final class CertificateFileWatch {
    private static final Logger LOG = System.getLogger(CertificateFileWatch.class.getName());

    private final Path certificateFile;
    private final Path keyFile;
    private byte[] inUse;
    private byte[] brokenSeen;
    private byte[] brokenLogged;

    /**
     * @param current the pair being served now, as read from these files
     */
    public CertificateFileWatch(Path certificateFile, Path keyFile, ServingCertificate current) {
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
        this.inUse = hash(current.certificatePem().getBytes(StandardCharsets.US_ASCII),
                current.privateKeyPem().getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Reads the files once.
     *
     * @return the new pair when the files hold a different, valid one; empty when nothing changed
     *         or the new pair is not (yet) usable
     */
    public synchronized Optional<ServingCertificate> poll() {
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
        ServingCertificate next = new ServingCertificate(new String(cert, StandardCharsets.US_ASCII),
                new String(key, StandardCharsets.US_ASCII));
        X509Certificate leaf;
        try {
            leaf = next.validate();
        } catch (IllegalArgumentException e) {
            broken(h, certificateFile + " and " + keyFile + ": " + e.getMessage());
            return Optional.empty();
        }
        inUse = h;
        brokenSeen = null;
        brokenLogged = null;
        LOG.log(Level.INFO, "serving certificate changed on disk: subject={0} serial={1} notAfter={2}",
                leaf.getSubjectX500Principal().getName(), leaf.getSerialNumber().toString(16),
                leaf.getNotAfter().toInstant());
        return Optional.of(next);
    }

    /** A broken pair is logged when seen on two polls in a row, and once only. */
    private void broken(byte[] h, String why) {
        if (Arrays.equals(h, brokenSeen) && !Arrays.equals(h, brokenLogged)) {
            LOG.log(Level.WARNING, "new serving certificate not loaded, still serving the previous one: {0}", why);
            brokenLogged = h;
        }
        brokenSeen = h;
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
