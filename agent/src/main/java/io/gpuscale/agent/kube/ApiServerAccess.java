package io.gpuscale.agent.kube;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Where the Kubernetes API server is and how to reach it: its address, the TLS it expects
 * (CA, client certificate, or no verification) and the bearer token, if any. Built from the
 * pod's service account ({@link InCluster}) or from a kubeconfig ({@link Kubeconfig}).
 *
 * <p>The token is asked for on every request, so a token file that is rotated (a projected,
 * bound service account token) is read again once it changed.
 */
public final class ApiServerAccess {
    private final boolean tls;
    private final String host;
    private final int port;
    private final String pathPrefix;
    private final byte[] caPem;
    private final byte[] clientCertPem;
    private final byte[] clientKeyPem;
    private final boolean insecureSkipTlsVerify;
    private final Supplier<String> token;

    /**
     * @param server the API server's URL: {@code https://host[:port][/prefix]} or {@code http://...}
     * @param caPem the CA bundle (PEM) the server's certificate must chain to; null for the JDK's
     * @param clientCertPem the client certificate (PEM), or null
     * @param clientKeyPem the client certificate's private key (PEM), or null; both or neither
     * @param insecureSkipTlsVerify true to accept any server certificate (testing only)
     * @param token the bearer token, asked for before each request; null, or returning null, for none
     */
    public ApiServerAccess(String server, byte[] caPem, byte[] clientCertPem, byte[] clientKeyPem,
            boolean insecureSkipTlsVerify, Supplier<String> token) {
        URI uri;
        try {
            uri = new URI(Objects.requireNonNull(server, "server"));
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("the API server address " + server + " is not a URL: " + e.getReason());
        }
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("the API server address " + server
                    + " must be an http:// or https:// URL with a host");
        }
        if ((clientCertPem == null) != (clientKeyPem == null)) {
            throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
        }
        this.tls = "https".equals(uri.getScheme());
        String h = uri.getHost();
        this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        this.port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        this.pathPrefix = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        this.caPem = caPem;
        this.clientCertPem = clientCertPem;
        this.clientKeyPem = clientKeyPem;
        this.insecureSkipTlsVerify = insecureSkipTlsVerify;
        this.token = token == null ? () -> null : token;
    }

    /** The HTTP client settings: TLS with the CA, client certificate and verification configured. */
    public HttpClientOptions clientOptions() {
        HttpClientOptions options = new HttpClientOptions().setSsl(tls).setDecompressionSupported(true);
        if (tls) {
            if (insecureSkipTlsVerify) {
                options.setTrustAll(true).setVerifyHost(false);
            } else {
                options.setVerifyHost(true);
                if (caPem != null) {
                    options.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(caPem)));
                }
            }
            if (clientCertPem != null) {
                options.setKeyCertOptions(new PemKeyCertOptions()
                        .setCertValue(Buffer.buffer(clientCertPem)).setKeyValue(Buffer.buffer(clientKeyPem)));
            }
        }
        return options;
    }

    public boolean tls() {
        return tls;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The path the server's URL carries before {@code /api} (empty for most servers). */
    public String pathPrefix() {
        return pathPrefix;
    }

    /** The {@code Authorization} header's value for the next request, or null for none. */
    public String authorization() {
        String t = token.get();
        return t == null || t.isBlank() ? null : "Bearer " + t.strip();
    }

    /** The server's address, for logs. */
    public String server() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return (tls ? "https://" : "http://") + h + ":" + port + pathPrefix;
    }

    @Override
    public String toString() {
        return server();
    }
}
