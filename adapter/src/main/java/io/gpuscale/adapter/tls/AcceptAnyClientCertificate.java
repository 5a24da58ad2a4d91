package io.gpuscale.adapter.tls;

import io.vertx.core.Vertx;
import io.vertx.core.net.TrustOptions;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The server's trust for client certificates when the request gate ({@code http.RequestGate}) verifies them itself:
 * the TLS handshake accepts any client chain (or none), and the gate checks it per request
 * against the CA bundles of that moment, as Go's extension apiservers do. Without this, a JSSE
 * server that asks for a certificate fails the handshake of a client whose CA it does not know,
 * and a CA rotation would need a restart. Never use it to trust servers: it refuses to.
 */
public final class AcceptAnyClientCertificate implements TrustOptions {
    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    /** Accepts every client chain; the gate decides. */
    private static final X509ExtendedTrustManager MANAGER = new X509ExtendedTrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("this trust manager is for the server's client certificates only");
        }

        /** None named: clients (Go's, JSSE's) then send the certificate they have, whoever issued it. */
        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return NO_ISSUERS;
        }
    };

    private final TrustOptions delegate = TrustOptions.wrap(MANAGER);

    @Override
    public TrustOptions copy() {
        return new AcceptAnyClientCertificate();
    }

    @Override
    public TrustManagerFactory getTrustManagerFactory(Vertx vertx) throws Exception {
        return delegate.getTrustManagerFactory(vertx);
    }

    @Override
    public Function<String, TrustManager[]> trustManagerMapper(Vertx vertx) throws Exception {
        return delegate.trustManagerMapper(vertx);
    }
}
