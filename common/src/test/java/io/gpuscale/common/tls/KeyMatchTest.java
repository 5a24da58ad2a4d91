package io.gpuscale.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeyMatchTest {
    private static KeyPair pair(String algorithm) throws Exception {
        return KeyPairGenerator.getInstance(algorithm).generateKeyPair();
    }

    private static X509Certificate certificate(KeyPair pair, String signature) throws Exception {
        X500Name subject = new X500Name("CN=localhost");
        Instant now = Instant.now();
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(subject,
                BigInteger.ONE, Date.from(now), Date.from(now.plusSeconds(3600)), subject, pair.getPublic())
                .build(new JcaContentSignerBuilder(signature).build(pair.getPrivate())));
    }

    @ParameterizedTest
    @CsvSource({"EC,SHA256withECDSA", "RSA,SHA256withRSA", "Ed25519,Ed25519", "Ed448,Ed448"})
    void theKeyOfTheCertificateBelongsAndAnotherDoesNot(String algorithm, String signature) throws Exception {
        KeyPair a = pair(algorithm);
        X509Certificate cert = certificate(a, signature);
        assertThatCode(() -> KeyMatch.check(a.getPrivate(), cert)).doesNotThrowAnyException();
        assertThat(KeyMatch.belongs(a.getPrivate(), cert)).isTrue();
        KeyPair b = pair(algorithm);
        assertThatThrownBy(() -> KeyMatch.check(b.getPrivate(), cert))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the private key does not belong to the certificate CN=localhost");
        assertThat(KeyMatch.belongs(b.getPrivate(), cert)).isFalse();
    }

    @Test
    void aKeyOfAnotherKindDoesNotBelong() throws Exception {
        X509Certificate cert = certificate(pair("EC"), "SHA256withECDSA");
        KeyPair rsa = pair("RSA");
        assertThatThrownBy(() -> KeyMatch.check(rsa.getPrivate(), cert))
                .hasMessage("the private key does not belong to the certificate CN=localhost (InvalidKeyException)");
        assertThat(KeyMatch.belongs(rsa.getPrivate(), cert)).isFalse();
        assertThatThrownBy(() -> KeyMatch.check(pair("DSA").getPrivate(), cert))
                .hasMessage("unsupported private key algorithm DSA");
    }
}
