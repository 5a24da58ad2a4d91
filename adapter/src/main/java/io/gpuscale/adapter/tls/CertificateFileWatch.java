package io.gpuscale.adapter.tls;

import io.gpuscale.common.tls.PemFileWatch;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * Notices when the certificate and key files change and hands over the new pair once it is whole
 * ({@link PemFileWatch}: a content hash per poll, following a Secret volume's {@code ..data}
 * symlink swap; a broken pair kept out and logged once), as a {@link ServingCertificate} checked
 * by {@link ServingCertificate#validate()}.
 */
public final class CertificateFileWatch {
    private static final Logger LOG = System.getLogger(CertificateFileWatch.class.getName());

    private final PemFileWatch<ServingCertificate> files;

    /**
     * @param current the pair being served now, as read from these files
     */
    public CertificateFileWatch(Path certificateFile, Path keyFile, ServingCertificate current) {
        this.files = new PemFileWatch<>(certificateFile, keyFile, "serving certificate", (cert, key) -> {
            ServingCertificate next = new ServingCertificate(new String(cert, StandardCharsets.US_ASCII),
                    new String(key, StandardCharsets.US_ASCII));
            try {
                next.validate();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(certificateFile + " and " + keyFile + ": " + e.getMessage(), e);
            }
            return next;
        });
        files.inUse(current.certificatePem(), current.privateKeyPem());
    }

    /**
     * Reads the files once.
     *
     * @return the new pair when the files hold a different, valid one; empty when nothing changed
     *         or the new pair is not (yet) usable
     */
    public Optional<ServingCertificate> poll() {
        Optional<ServingCertificate> next = files.poll();
        next.ifPresent(c -> {
            X509Certificate leaf = c.chain().get(0);
            LOG.log(Level.INFO, "serving certificate changed on disk: subject={0} serial={1} notAfter={2}",
                    leaf.getSubjectX500Principal().getName(), leaf.getSerialNumber().toString(16),
                    leaf.getNotAfter().toInstant());
        });
        return next;
    }
}
