package io.gpuscale.agent.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * The agent's serving certificate and key, from PEM files re-read when they change: each poll reads
 * both through their paths (following a Secret volume's {@code ..data} symlink swap) and compares a
 * hash of their contents with the pair in use. A new pair is used only when the key belongs to the
 * certificate; a broken one is logged once (no content) and the old pair kept. The protocol and
 * cipher policy is the adapter's: TLS 1.3, and TLS 1.2 with ECDHE and AEAD ciphers only.
 */
final class TlsFiles {
    private static final Logger LOG = System.getLogger(TlsFiles.class.getName());
    static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
    static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private final Path certificateFile;
    private final Path keyFile;
    private byte[] inUse;
    private byte[] brokenSeen;
    private byte[] brokenLogged;

    TlsFiles(Path certificateFile, Path keyFile) {
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
    }

    /**
     * The pair in the files now, checked; for the start.
     *
     * @throws IllegalArgumentException when the files cannot be read or do not belong together
     */
    synchronized ServerSSLOptions load(Vertx vertx) {
        byte[] cert = read(certificateFile);
        byte[] key = read(keyFile);
        ServerSSLOptions options = options(cert, key);
        check(options, vertx);
        inUse = hash(cert, key);
        return options;
    }

    /** The pair in the files if it changed and is whole; empty otherwise. */
    synchronized Optional<ServerSSLOptions> poll(Vertx vertx) {
        byte[] cert;
        byte[] key;
        try {
            cert = Files.readAllBytes(certificateFile);
            key = Files.readAllBytes(keyFile);
        } catch (IOException e) {
            broken(new byte[] {1}, "cannot read " + certificateFile + " or " + keyFile + " ("
                    + e.getClass().getSimpleName() + ")");
            return Optional.empty();
        }
        byte[] h = hash(cert, key);
        if (Arrays.equals(h, inUse)) {
            brokenSeen = null;
            return Optional.empty();
        }
        ServerSSLOptions options = options(cert, key);
        try {
            check(options, vertx);
        } catch (IllegalArgumentException e) {
            broken(h, e.getMessage());
            return Optional.empty();
        }
        inUse = h;
        brokenSeen = null;
        brokenLogged = null;
        return Optional.of(options);
    }

    static ServerSSLOptions options(byte[] cert, byte[] key) {
        ServerSSLOptions ssl = new ServerSSLOptions()
                .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(cert))
                        .setKeyValue(Buffer.buffer(key)))
                .setEnabledSecureTransportProtocols(PROTOCOLS);
        CIPHER_SUITES.forEach(ssl::addEnabledCipherSuite);
        return ssl;
    }

    /** Loads the pair as the TLS stack will, and checks that the key signs what the certificate verifies. */
    private void check(ServerSSLOptions options, Vertx vertx) {
        X509KeyManager km = null;
        try {
            for (KeyManager m : options.getKeyCertOptions().getKeyManagerFactory(vertx).getKeyManagers()) {
                if (m instanceof X509KeyManager x) {
                    km = x;
                }
            }
        } catch (Exception e) {
            // the exception may quote the PEM: name only its kind
            throw new IllegalArgumentException(certificateFile + " and " + keyFile + " do not load ("
                    + e.getClass().getSimpleName() + ")");
        }
        for (String type : List.of("EC", "RSA", "EdDSA", "Ed25519")) {
            String[] aliases = km == null ? null : km.getServerAliases(type, null);
            if (aliases == null) {
                continue;
            }
            for (String alias : aliases) {
                PrivateKey key = km.getPrivateKey(alias);
                X509Certificate[] chain = km.getCertificateChain(alias);
                if (key != null && chain != null && chain.length > 0 && belong(key, chain[0])) {
                    return;
                }
            }
        }
        throw new IllegalArgumentException(certificateFile + ": the private key in " + keyFile
                + " does not belong to the certificate");
    }

    private static boolean belong(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(probe);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            return v.verify(signature);
        } catch (Exception e) {
            return false;
        }
    }

    private void broken(byte[] h, String why) {
        if (Arrays.equals(h, brokenSeen) && !Arrays.equals(h, brokenLogged)) {
            LOG.log(Level.WARNING, "new TLS certificate not loaded, still serving the previous one: {0}", why);
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
