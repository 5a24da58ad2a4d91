package io.gpuscale.common.tls;

import java.util.List;
import java.util.Set;

/**
 * The protocol versions and cipher suites every TLS server of the agent and the adapter offers: TLS 1.3, and TLS
 * 1.2 with forward-secret (ECDHE) key exchange and AEAD ciphers only (AES-GCM, ChaCha20-Poly1305),
 * which is also what HTTP/2 requires (RFC 9113 §9.2.2) and about what Kubernetes' own servers
 * accept from Go's defaults. No CBC, no static RSA key exchange, nothing older than TLS 1.2.
 */
public final class TlsPolicy {
    /** The versions spoken. */
    public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    /** In order of preference; TLS 1.3's three first (JSSE enables a suite only for its version). */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsPolicy() {
    }
}
