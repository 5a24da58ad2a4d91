package io.gpuscale.adapter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extender's CA bundle: read at start, re-read on change, a broken new one never replaces a working one. */
class ClientCertificateGateTest {
    private static final String FLAG = "--scheduler-extender-client-ca-file";
    private static final TestPki.Ca A = TestPki.ca("a");
    private static final TestPki.Ca B = TestPki.ca("b");

    @TempDir
    Path dir;

    private ClientCertificateGate gate(Path file) {
        return new ClientCertificateGate(file, FLAG, List.of(), Clock.systemUTC(), null);
    }

    @Test
    void aBundleOfSeveralCertificatesIsTrustedWhole() throws Exception {
        Path file = dir.resolve("ca.crt");
        Files.writeString(file, A.pem() + B.pem());
        ClientCertificateGate g = gate(file);
        assertThat(g.trustedCertificates()).isEqualTo(2);
        assertThat(g.requestsClientCertificates()).isTrue();
        assertThat(g.poll()).isFalse();
    }

    @Test
    void aChangedFileIsReadAgainAndABrokenOneKeepsThePrevious() throws Exception {
        Path file = dir.resolve("ca.crt");
        Files.writeString(file, A.pem());
        ClientCertificateGate g = gate(file);
        Files.writeString(file, "");
        assertThat(g.poll()).isFalse();
        Files.writeString(file, "garbage");
        assertThat(g.poll()).isFalse();
        assertThat(g.poll()).isFalse();
        Files.delete(file);
        assertThat(g.poll()).isFalse();
        assertThat(g.trustedCertificates()).isEqualTo(1);
        Files.writeString(file, A.pem() + B.pem());
        assertThat(g.poll()).isTrue();
        assertThat(g.trustedCertificates()).isEqualTo(2);
        assertThat(g.poll()).isFalse();
        assertThat(g.polls()).isEqualTo(6);
    }

    @Test
    void anUnusableFileAtStartIsAnErrorThatQuotesNoContent() throws Exception {
        Path file = dir.resolve("ca.crt");
        Files.writeString(file, "secret-looking-text");
        assertThatThrownBy(() -> ClientCertificateGate.start(file, FLAG, List.of(), ClientCertificateGate.DEFAULT_POLL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageNotContaining("secret-looking-text");
        assertThatThrownBy(() -> ClientCertificateGate.check(dir.resolve("missing.crt")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot read");
        Files.writeString(file, "  \n");
        assertThatThrownBy(() -> ClientCertificateGate.check(file)).hasMessageContaining("no certificate");
        Files.writeString(file, A.pem());
        ClientCertificateGate.check(file);
    }
}
