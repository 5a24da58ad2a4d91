package io.gpuscale.adapter.auth;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificate authorities and client certificates for tests, made with BouncyCastle: a CA signs
 * leaves with a CN, organizations, a validity window and a chosen extended key usage.
 */
final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestPki() {
    }

    /** A key pair and its certificate, with PEM forms for ConfigMaps and kubeconfigs. */
    record Issued(KeyPair keys, X509Certificate certificate) {
        String certificatePem() {
            return pem(certificate);
        }

        String privateKeyPem() {
            try {
                return pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate());
            } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
                throw new IllegalStateException(e);
            }
        }

        PrivateKey privateKey() {
            return keys.getPrivate();
        }

        /** A key manager factory presenting this certificate, for a Java TLS client. */
        KeyManagerFactory keyManagers() throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", keys.getPrivate(), new char[0], new X509Certificate[] {certificate});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            return kmf;
        }
    }

    /** A certificate authority that can issue client certificates. */
    static final class Ca {
        final Issued root;

        private Ca(Issued root) {
            this.root = root;
        }

        String pem() {
            return root.certificatePem();
        }

        /** A client certificate valid from an hour ago for a day. */
        Issued client(String cn, String... organizations) {
            Instant now = Instant.now();
            return issue(cn, organizations, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), true);
        }

        /** A client certificate that expired an hour ago. */
        Issued expiredClient(String cn, String... organizations) {
            Instant now = Instant.now();
            return issue(cn, organizations, now.minus(Duration.ofDays(2)), now.minus(Duration.ofHours(1)), true);
        }

        /** A certificate only for serving (extended key usage serverAuth), not for clients. */
        Issued serverOnly(String cn) {
            Instant now = Instant.now();
            return issue(cn, new String[0], now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), false);
        }

        private Issued issue(String cn, String[] organizations, Instant from, Instant to, boolean clientAuth) {
            try {
                KeyPair keys = keyPair();
                X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
                for (String o : organizations) {
                    subject.addRDN(BCStyle.O, o);
                }
                subject.addRDN(BCStyle.CN, cn);
                X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(root.certificate(),
                        BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(from), Date.from(to), subject.build(),
                        keys.getPublic());
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(clientAuth ? KeyPurposeId.id_kp_clientAuth : KeyPurposeId.id_kp_serverAuth));
                X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(root.privateKey())));
                return new Issued(keys, cert);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A new self-signed CA. */
    static Ca ca(String cn) {
        try {
            KeyPair keys = keyPair();
            Instant now = Instant.now();
            org.bouncycastle.asn1.x500.X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn)
                    .build();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(30))), name, keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            return new Ca(new Issued(keys, cert));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        return gen.generateKeyPair();
    }

    private static String pem(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}
