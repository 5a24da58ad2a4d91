package io.gpuscale.adapter.http;

import io.gpuscale.adapter.tls.ServingCertificate;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** Clients of a test server: contexts that trust given serving certificates, and raw HTTP/1.1 over TLS. */
public final class TlsClients {
    private TlsClients() {
    }

    public static X509Certificate x509(ServingCertificate cert) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(cert.certificatePem().getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A context trusting exactly these (self-signed) certificates. */
    public static SSLContext trusting(ServingCertificate... certs) {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (ServingCertificate c : certs) {
                trust.setCertificateEntry("server" + i++, x509(c));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static HttpClient http(HttpClient.Version version, ServingCertificate... certs) {
        return HttpClient.newBuilder().sslContext(trusting(certs)).version(version)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** One request over a fresh TLS connection; the response read until complete or the server closes. */
    public static String raw(SSLContext ctx, int port, String request) throws IOException {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return readResponse(s.getInputStream());
        }
    }

    public static String readResponse(InputStream in) {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[8192];
        while (true) {
            int n;
            try {
                n = in.read(buf);
            } catch (IOException e) {
                break;
            }
            if (n < 0) {
                break;
            }
            sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            if (complete(sb.toString())) {
                break;
            }
        }
        return sb.toString();
    }

    /** The status code of a raw response, or -1 when there was none. */
    public static int code(String response) {
        return (response.startsWith("HTTP/1.1 ") || response.startsWith("HTTP/1.0 ")) && response.length() >= 12
                ? Integer.parseInt(response.substring(9, 12)) : -1;
    }

    public static String body(String response) {
        int at = response.indexOf("\r\n\r\n");
        return at < 0 ? "" : response.substring(at + 4);
    }

    private static boolean complete(String response) {
        int headerEnd = response.indexOf("\r\n\r\n");
        if (headerEnd < 0) {
            return false;
        }
        String headers = response.substring(0, headerEnd).toLowerCase(Locale.ROOT);
        int at = headers.indexOf("content-length:");
        if (at < 0) {
            return false;
        }
        int end = headers.indexOf("\r\n", at);
        long length = Long.parseLong(headers.substring(at + 15, end < 0 ? headers.length() : end).trim());
        return response.getBytes(StandardCharsets.UTF_8).length - headerEnd - 4 >= length;
    }
}
