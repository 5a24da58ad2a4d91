package io.gpuscale.adapter.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.adapter.testing.SecretVolume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which changes of the certificate files are handed over, and which are not. */
class CertificateFileWatchTest {
    @TempDir
    Path dir;

    private static ServingCertificate fresh() {
        return ServingCertificate.selfSigned(List.of("localhost", "127.0.0.1"), Clock.systemUTC());
    }

    @Test
    void unchangedFilesGiveNothingAndARewrittenPairIsHandedOverOnce() throws Exception {
        ServingCertificate a = fresh();
        Path cert = Files.writeString(dir.resolve("tls.crt"), a.certificatePem());
        Path key = Files.writeString(dir.resolve("tls.key"), a.privateKeyPem());
        CertificateFileWatch watch = new CertificateFileWatch(cert, key, ServingCertificate.fromFiles(cert, key));
        assertThat(watch.poll()).isEmpty();
        ServingCertificate b = fresh();
        Files.writeString(cert, b.certificatePem());
        Files.writeString(key, b.privateKeyPem());
        assertThat(watch.poll()).contains(b);
        assertThat(watch.poll()).isEmpty();
    }

    @Test
    void aHalfWrittenOrMismatchedPairIsNotHandedOverUntilItIsWhole() throws Exception {
        ServingCertificate a = fresh();
        ServingCertificate b = fresh();
        Path cert = Files.writeString(dir.resolve("tls.crt"), a.certificatePem());
        Path key = Files.writeString(dir.resolve("tls.key"), a.privateKeyPem());
        CertificateFileWatch watch = new CertificateFileWatch(cert, key, a);
        Files.writeString(cert, b.certificatePem()); // the key still a's
        assertThat(watch.poll()).isEmpty();
        assertThat(watch.poll()).isEmpty();
        Files.writeString(key, b.privateKeyPem().substring(0, 60)); // truncated mid-write
        assertThat(watch.poll()).isEmpty();
        Files.delete(key);
        assertThat(watch.poll()).isEmpty();
        Files.writeString(key, b.privateKeyPem());
        assertThat(watch.poll()).contains(b);
    }

    @Test
    void anAtomicSwapOfTheDataSymlinkIsFollowed() throws Exception {
        ServingCertificate a = fresh();
        ServingCertificate b = fresh();
        SecretVolume.swapData(dir, SecretVolume.version(dir, "..2026_11_23_08_00_00.1", a));
        Path cert = Files.createSymbolicLink(dir.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Path key = Files.createSymbolicLink(dir.resolve("tls.key"), Path.of("..data/tls.key"));
        CertificateFileWatch watch = new CertificateFileWatch(cert, key, ServingCertificate.fromFiles(cert, key));
        assertThat(watch.poll()).isEmpty();
        SecretVolume.swapData(dir, SecretVolume.version(dir, "..2026_11_23_09_00_00.2", b));
        assertThat(watch.poll()).contains(b);
        assertThat(watch.poll()).isEmpty();
    }

    @Test
    void aMismatchedPairIsRefusedAtStartWithOneLineThatQuotesNoKey() throws Exception {
        ServingCertificate a = fresh();
        ServingCertificate b = fresh();
        Path cert = Files.writeString(dir.resolve("tls.crt"), a.certificatePem());
        Path key = Files.writeString(dir.resolve("tls.key"), b.privateKeyPem());
        assertThatThrownBy(() -> ServingCertificate.fromFiles(cert, key))
                .hasMessageContaining("does not belong to the certificate")
                .hasMessageNotContaining("PRIVATE KEY")
                .hasMessageNotContaining(b.privateKeyPem().split("\n")[1]);
        assertThat(a.validate().getSerialNumber()).isNotNull();
    }
}
