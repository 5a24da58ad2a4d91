package io.gpuscale.adapter.auth;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks a client's certificate chain as Go's {@code x509.Verify} does for kube-apiserver's
 * authenticators: a path from the leaf through the presented intermediates to one of the given
 * anchors (PKIX), every certificate valid at {@code now}, and the leaf usable for client
 * authentication when it names its extended key usages at all. Revocation is not checked, as in
 * Kubernetes.
 *
 * <p>Building a path costs a signature check per certificate (about 0.4 ms for ECDSA P-256 here),
 * and the front proxy presents the same chain on every request: a chain that verified against an
 * anchor set is remembered with its path, keyed by that set (each ConfigMap version has its own
 * anchor objects, so a new CA never meets an old answer) and re-checked only for dates.
 */
final class ClientCertificateVerifier {
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_USAGE = "2.5.29.37.0";
    private static final int MAX_REMEMBERED = 1024;

    /** A presented chain and the anchors it was verified against (compared by identity). */
    private record Verified(Set<TrustAnchor> anchors, List<X509Certificate> chain) {
    }

    /** Chains that verified, with the certificates of their path including the root. */
    private static final Map<Verified, List<X509Certificate>> VERIFIED = new ConcurrentHashMap<>();

    private ClientCertificateVerifier() {
    }

    /**
     * Null when {@code chain} (leaf first, as the TLS peer sent it) verifies against
     * {@code anchors} at {@code now}; else why not, in words that name no certificate contents.
     */
    static String verify(List<X509Certificate> chain, Set<TrustAnchor> anchors, Instant now) {
        if (chain.isEmpty()) {
            return "no client certificate";
        }
        if (anchors.isEmpty()) {
            return "no certificate authority configured";
        }
        X509Certificate leaf = chain.get(0);
        Verified key = new Verified(anchors, chain);
        List<X509Certificate> known = VERIFIED.get(key);
        if (known != null) {
            return validAt(known, now) ? null : "certificate signed by unknown authority or not valid now";
        }
        try {
            if (!usableForClientAuth(leaf)) {
                return "certificate is not for client authentication";
            }
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(leaf);
            PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(chain)));
            PKIXCertPathBuilderResult path = (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(params);
            List<X509Certificate> certs = new ArrayList<>();
            path.getCertPath().getCertificates().forEach(c -> certs.add((X509Certificate) c));
            X509Certificate root = path.getTrustAnchor().getTrustedCert();
            if (root != null) {
                certs.add(root); // Java trusts anchors forever; Go checks the root's dates too
            }
            if (!validAt(certs, now)) {
                return "certificate signed by unknown authority or not valid now";
            }
            if (VERIFIED.size() >= MAX_REMEMBERED) {
                VERIFIED.clear();
            }
            VERIFIED.put(key, List.copyOf(certs));
            return null;
        } catch (GeneralSecurityException | RuntimeException e) {
            return "certificate signed by unknown authority or not valid now";
        }
    }

    private static boolean validAt(List<X509Certificate> certs, Instant now) {
        Date date = Date.from(now);
        for (X509Certificate c : certs) {
            try {
                c.checkValidity(date);
            } catch (java.security.cert.CertificateExpiredException
                    | java.security.cert.CertificateNotYetValidException e) {
                return false;
            }
        }
        return true;
    }

    private static boolean usableForClientAuth(X509Certificate leaf) throws CertificateParsingException {
        List<String> usages = leaf.getExtendedKeyUsage();
        return usages == null || usages.contains(CLIENT_AUTH) || usages.contains(ANY_USAGE);
    }
}
