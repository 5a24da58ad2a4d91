package io.gpuscale.adapter.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingCertificateTest {
    @TempDir
    Path dir;

    @Test
    void selfSignedCertificateNamesEveryHostAndLastsAYear() throws Exception {
        Instant now = Instant.parse("2026-11-23T08:00:00Z");
        ServingCertificate c = ServingCertificate.selfSigned(
                ServingCertificate.defaultHosts("gpuscale-adapter-7d9f", "10.1.2.3"), Clock.fixed(now, ZoneOffset.UTC));
        X509Certificate x = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(c.certificatePem().getBytes(StandardCharsets.US_ASCII)));
        assertThat(x.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))).toList())
                .containsExactlyInAnyOrder("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1", "gpuscale-adapter-7d9f",
                        "10.1.2.3");
        assertThat(x.getNotAfter().toInstant()).isEqualTo(now.plusSeconds(365L * 24 * 3600));
        assertThat(x.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1");
        x.verify(x.getPublicKey());
        assertThat(c.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(c.toString()).doesNotContain("PRIVATE");
    }

    @Test
    void filesAreReadAndCheckedWithOneLineErrors() throws Exception {
        ServingCertificate c = ServingCertificate.selfSigned(List.of("localhost"), Clock.systemUTC());
        Path cert = Files.writeString(dir.resolve("tls.crt"), c.certificatePem());
        Path key = Files.writeString(dir.resolve("tls.key"), c.privateKeyPem());
        assertThat(ServingCertificate.fromFiles(cert, key)).isEqualTo(c);
        assertThatThrownBy(() -> ServingCertificate.fromFiles(key, key))
                .hasMessageContaining("--tls-cert-file").hasMessageContaining("no PEM certificate");
        assertThatThrownBy(() -> ServingCertificate.fromFiles(cert, cert))
                .hasMessageContaining("no PEM private key");
        assertThatThrownBy(() -> ServingCertificate.fromFiles(dir.resolve("none"), key))
                .hasMessageContaining("cannot read it");
    }
}
