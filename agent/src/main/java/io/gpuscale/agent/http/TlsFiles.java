package io.gpuscale.agent.http;

import io.gpuscale.common.tls.KeyMatch;
import io.gpuscale.common.tls.PemFileWatch;
import io.gpuscale.common.tls.TlsPolicy;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * The agent's serving certificate and key, from PEM files re-read when they change
 * ({@link PemFileWatch}: each poll reads both through their paths, following a Secret volume's
 * {@code ..data} symlink swap, and compares a hash of their contents with the pair in use). A new
 * pair is used only when the key belongs to the certificate; a broken one is logged once (no
 * content) and the old pair kept. The protocol and cipher policy is the adapter's
 * ({@link TlsPolicy}): TLS 1.3, and TLS 1.2 with ECDHE and AEAD ciphers only.
 */
final class TlsFiles {
    private final Path certificateFile;
    private final Path keyFile;
    private PemFileWatch<ServerSSLOptions> watch;

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
        watch = new PemFileWatch<>(certificateFile, keyFile, "TLS certificate", (cert, key) -> {
            ServerSSLOptions options = options(cert, key);
            check(options, vertx);
            return options;
        });
        return watch.load();
    }

    /** The pair in the files if it changed and is whole; empty otherwise. */
    synchronized Optional<ServerSSLOptions> poll(Vertx vertx) {
        return watch.poll();
    }

    static ServerSSLOptions options(byte[] cert, byte[] key) {
        ServerSSLOptions ssl = new ServerSSLOptions()
                .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(cert))
                        .setKeyValue(Buffer.buffer(key)))
                .setEnabledSecureTransportProtocols(TlsPolicy.PROTOCOLS);
        TlsPolicy.CIPHER_SUITES.forEach(ssl::addEnabledCipherSuite);
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
                if (key != null && chain != null && chain.length > 0 && KeyMatch.belongs(key, chain[0])) {
                    return;
                }
            }
        }
        throw new IllegalArgumentException(certificateFile + ": the private key in " + keyFile
                + " does not belong to the certificate");
    }
}
