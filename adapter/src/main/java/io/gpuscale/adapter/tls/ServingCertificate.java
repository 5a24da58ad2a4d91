package io.gpuscale.adapter.tls;

import io.gpuscale.common.tls.KeyMatch;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificate and key the adapter serves TLS with, as PEM text: read from
 * {@code --tls-cert-file}/{@code --tls-private-key-file}, or generated at start when none is given,
 * as Kubernetes' own apiservers do (a self-signed certificate valid for a year; kube-aggregator
 * then needs {@code insecureSkipTLSVerify} or the certificate as {@code caBundle}).
 *
 * @param certificatePem the certificate chain, PEM
 * @param privateKeyPem the private key, PEM (PKCS#8, PKCS#1 RSA or SEC1 EC)
 */
public record ServingCertificate(String certificatePem, String privateKeyPem) {
    private static final Duration VALIDITY = Duration.ofDays(365);

    @Override
    public String toString() {
        return "ServingCertificate[key hidden]"; // never print the key
    }

    /**
     * Reads a PEM certificate and key.
     *
     * @throws IllegalArgumentException with one line naming the file and what is wrong
     */
    public static ServingCertificate fromFiles(Path certificate, Path privateKey) {
        String cert = read(certificate, "--tls-cert-file");
        String key = read(privateKey, "--tls-private-key-file");
        if (!cert.contains("-----BEGIN CERTIFICATE-----")) {
            throw new IllegalArgumentException("--tls-cert-file " + certificate + ": no PEM certificate in it");
        }
        if (!key.matches("(?s).*-----BEGIN (RSA |EC )?PRIVATE KEY-----.*")) {
            throw new IllegalArgumentException("--tls-private-key-file " + privateKey + ": no PEM private key in it");
        }
        ServingCertificate pair = new ServingCertificate(cert, key);
        try {
            pair.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--tls-cert-file " + certificate + " and --tls-private-key-file "
                    + privateKey + ": " + e.getMessage(), e);
        }
        return pair;
    }

    /**
     * Parses both halves and checks that they belong together: the first certificate is the leaf,
     * and the key signs what the leaf's public key verifies.
     *
     * @return the leaf certificate
     * @throws IllegalArgumentException saying what is wrong, never quoting the key
     */
    public X509Certificate validate() {
        List<X509Certificate> chain = chain();
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("no certificate in the certificate PEM");
        }
        X509Certificate leaf = chain.get(0);
        KeyMatch.check(privateKey(), leaf);
        return leaf;
    }

    /** The certificates of {@link #certificatePem()}, leaf first. */
    public List<X509Certificate> chain() {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(certificatePem))) {
            JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder holder) {
                    out.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("the certificate PEM does not parse (" + e.getClass().getSimpleName()
                    + ")");
        }
        return out;
    }

    private PrivateKey privateKey() {
        try (PEMParser parser = new PEMParser(new StringReader(privateKeyPem))) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the exception's message may quote the key's bytes: name only its kind
            throw new IllegalArgumentException("the private key PEM does not parse (" + e.getClass().getSimpleName()
                    + ")");
        }
        throw new IllegalArgumentException("no private key in the private key PEM");
    }

    private static String read(Path file, String flag) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + " " + file + ": cannot read it (" + e.getMessage() + ")", e);
        }
    }

    /** The names a generated certificate is valid for: localhost, loopback, and the pod's name and IP when known. */
    public static List<String> defaultHosts(String podName, String podIp) {
        Set<String> hosts = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        if (podName != null && !podName.isBlank()) {
            hosts.add(podName);
        }
        if (podIp != null && !podIp.isBlank()) {
            hosts.add(podIp);
        }
        return new ArrayList<>(hosts);
    }

    /**
     * Generates a self-signed ECDSA P-256 certificate for the given DNS names and IP addresses.
     *
     * @param hosts host names and IP literals, the first is also the subject's common name
     */
    public static ServingCertificate selfSigned(List<String> hosts, Clock clock) {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair pair = gen.generateKeyPair();
            Instant now = clock.instant();
            X500Name subject = new X500Name("CN=" + hosts.get(0) + "@" + now.getEpochSecond());
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, new SecureRandom()).abs(), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(VALIDITY)), subject, pair.getPublic());
            List<GeneralName> names = new ArrayList<>();
            for (String h : hosts) {
                names.add(isIpLiteral(h)
                        ? new GeneralName(GeneralName.iPAddress, InetAddress.getByName(h).getHostAddress())
                        : new GeneralName(GeneralName.dNSName, h));
            }
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(GeneralName[]::new)));
            // a CA of itself, as Kubernetes' self-signed serving certificates are, so that it can be a caBundle
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyCertSign));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return new ServingCertificate(pem(cert), pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate a self-signed serving certificate: " + e.getMessage(), e);
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.matches("[0-9.]+") || host.contains(":");
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }
}
