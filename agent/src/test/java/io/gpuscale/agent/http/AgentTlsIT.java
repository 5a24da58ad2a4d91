package io.gpuscale.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.common.testing.TestCertificate;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent serves /metrics over HTTPS when given a certificate (made here with BouncyCastle),
 * with TLS 1.2+ only, and picks up a replaced certificate for new connections.
 */
class AgentTlsIT {
    @TempDir
    Path dir;

    private static SSLContext trusting(List<TestCertificate> pairs) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        for (int i = 0; i < pairs.size(); i++) {
            trust.setCertificateEntry("c" + i, pairs.get(i).certificate());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Writes through a temporary file and a rename, as a careful writer (or the kubelet) would. */
    private void replace(Path file, String content) throws IOException {
        Path tmp = Files.writeString(dir.resolve(file.getFileName() + ".tmp"), content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static AgentConfig config(Path cert, Path key) {
        return new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:rtx4090"), "tlsnode",
                Duration.ofMillis(200), AgentConfig.DEFAULT_NVML_LIBRARY,
                new AgentConfig.Pods(false, Path.of("/nonexistent"), Path.of("/proc"), null),
                new AgentConfig.Tls(cert, key));
    }

    private static BigInteger serial(SSLContext ctx, int port) throws IOException {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            assertThat(s.getSession().getProtocol()).isIn("TLSv1.2", "TLSv1.3");
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    @Test
    void metricsAreServedOverHttpsAndARotatedCertificateIsPickedUp() throws Exception {
        TestCertificate a = TestCertificate.selfSigned("first");
        TestCertificate b = TestCertificate.selfSigned("second");
        Path cert = Files.writeString(dir.resolve("tls.crt"), a.certificatePem());
        Path key = Files.writeString(dir.resolve("tls.key"), a.keyPem());
        SSLContext ctx = trusting(List.of(a, b));
        try (Agent agent = Agent.start(config(cert, key))) {
            HttpClient client = HttpClient.newBuilder().sslContext(ctx).build();
            URI metrics = URI.create("https://127.0.0.1:" + agent.port() + "/metrics");
            String body = Eventually.await(Duration.ofSeconds(20), "a sample served over HTTPS", () -> {
                try {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(metrics).build(),
                            HttpResponse.BodyHandlers.ofString());
                    return r.statusCode() == 200 && r.body().contains("nvidia_gpu_utilization_percent{")
                            ? r.body() : null;
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(body).contains("node=\"tlsnode\"");
            assertThat(serial(ctx, agent.port())).isEqualTo(a.certificate().getSerialNumber());

            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
            assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + agent.port() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);

            // between the two renames the files hold b's certificate with a's key: not taken up; the whole pair b is
            replace(cert, b.certificatePem());
            replace(key, b.keyPem());
            Eventually.await(Duration.ofSeconds(20), "new connections get the second certificate", () -> {
                try {
                    return serial(ctx, agent.port()).equals(b.certificate().getSerialNumber()) ? true : null;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            HttpResponse<String> after = client.send(HttpRequest.newBuilder(metrics).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(after.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificateStopsTheStart() throws Exception {
        TestCertificate a = TestCertificate.selfSigned("one");
        TestCertificate b = TestCertificate.selfSigned("other");
        Path cert = Files.writeString(dir.resolve("tls.crt"), a.certificatePem());
        Path key = Files.writeString(dir.resolve("tls.key"), b.keyPem());
        assertThatThrownBy(() -> Agent.start(config(cert, key)))
                .isInstanceOf(Agent.ListenException.class)
                .hasMessageContaining("does not belong to the certificate")
                .hasMessageNotContaining("PRIVATE KEY");
    }
}
