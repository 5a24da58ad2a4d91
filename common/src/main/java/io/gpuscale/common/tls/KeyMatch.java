package io.gpuscale.common.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;

/** Whether a private key belongs to a certificate: the key signs a random probe that the certificate's public key verifies. */
public final class KeyMatch {
    private KeyMatch() {
    }

    /**
     * Checks that {@code key} belongs to {@code leaf}.
     *
     * @throws IllegalArgumentException saying what is wrong, never quoting the key
     */
    public static void check(PrivateKey key, X509Certificate leaf) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519" -> "Ed25519";
            case "EdDSA" -> "EdDSA"; // Ed25519 or Ed448, as the key says
            case "Ed448" -> "Ed448";
            default -> throw new IllegalArgumentException("unsupported private key algorithm " + key.getAlgorithm());
        };
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IllegalArgumentException("the private key does not belong to the certificate "
                        + leaf.getSubjectX500Principal().getName());
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the private key does not belong to the certificate "
                    + leaf.getSubjectX500Principal().getName() + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** {@link #check} as a yes or no. */
    public static boolean belongs(PrivateKey key, X509Certificate leaf) {
        try {
            check(key, leaf);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
