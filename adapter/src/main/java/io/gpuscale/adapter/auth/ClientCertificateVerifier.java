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
import java.util.List;
import java.util.Set;

/**
 * Checks a client's certificate chain as Go's {@code x509.Verify} does for kube-apiserver's
 * authenticators: a path from the leaf through the presented intermediates to one of the given
 * anchors (PKIX), every certificate valid at {@code now}, and the leaf usable for client
 * authentication when it names its extended key usages at all. Revocation is not checked, as in
 * Kubernetes.
 */
final class ClientCertificateVerifier {
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_USAGE = "2.5.29.37.0";

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
            X509Certificate root = path.getTrustAnchor().getTrustedCert();
            if (root != null) {
                root.checkValidity(Date.from(now)); // Java trusts anchors forever; Go checks the root's dates too
            }
            return null;
        } catch (GeneralSecurityException | RuntimeException e) {
            return "certificate signed by unknown authority or not valid now";
        }
    }

    private static boolean usableForClientAuth(X509Certificate leaf) throws CertificateParsingException {
        List<String> usages = leaf.getExtendedKeyUsage();
        return usages == null || usages.contains(CLIENT_AUTH) || usages.contains(ANY_USAGE);
    }
}
