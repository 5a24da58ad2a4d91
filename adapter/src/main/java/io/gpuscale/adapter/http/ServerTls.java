package io.gpuscale.adapter.http;

import io.gpuscale.adapter.tls.AcceptAnyClientCertificate;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.gpuscale.common.tls.TlsPolicy;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The server's TLS: TLS 1.2+ with modern ciphers only ({@link TlsPolicy}), ALPN (HTTP/2 for Go
 * clients, HTTP/1.1 for the rest), a handshake bounded by the request timeout, and, when the gate
 * wants them, client certificates asked for (not required) and verified by the gate itself.
 */
final class ServerTls {
    private final long handshakeMillis;
    private final boolean requestClientCertificates;

    /**
     * @param handshakeTimeout the time a client has for its TLS handshake
     * @param requestClientCertificates whether handshakes ask for a client certificate
     *        ({@link RequestGate#requestsClientCertificates()})
     */
    ServerTls(Duration handshakeTimeout, boolean requestClientCertificates) {
        this.handshakeMillis = handshakeTimeout.toMillis();
        this.requestClientCertificates = requestClientCertificates;
    }

    /** Sets the server's first TLS configuration, serving this certificate. */
    void applyTo(HttpServerOptions options, ServingCertificate cert) {
        ServerSSLOptions ssl = sslOptions(cert);
        options.setSsl(true)
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
                .setSslHandshakeTimeout(handshakeMillis)
                .setKeyCertOptions(ssl.getKeyCertOptions())
                .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
                .setUseAlpn(true)
                .setClientAuth(ssl.getClientAuth());
        if (ssl.getTrustOptions() != null) {
            options.setTrustOptions(ssl.getTrustOptions());
        }
        ssl.getEnabledCipherSuites().forEach(options::addEnabledCipherSuite);
    }

    /**
     * The whole TLS configuration for one certificate, as a certificate reload hands it to
     * {@link HttpServer#updateSSLOptions}, which replaces all of it.
     */
    ServerSSLOptions sslOptions(ServingCertificate cert) {
        ServerSSLOptions ssl = new ServerSSLOptions()
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setCertValue(Buffer.buffer(cert.certificatePem()))
                        .setKeyValue(Buffer.buffer(cert.privateKeyPem())))
                .setEnabledSecureTransportProtocols(TlsPolicy.PROTOCOLS)
                .setUseAlpn(true)
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
                .setSslHandshakeTimeout(handshakeMillis);
        TlsPolicy.CIPHER_SUITES.forEach(ssl::addEnabledCipherSuite);
        if (requestClientCertificates) {
            // asked for, not required; the gate verifies the chain per request against the CAs of that moment
            ssl.setClientAuth(ClientAuth.REQUEST).setTrustOptions(new AcceptAnyClientCertificate());
        }
        return ssl;
    }
}
