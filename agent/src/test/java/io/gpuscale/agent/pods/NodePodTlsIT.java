package io.gpuscale.agent.pods;

import static io.gpuscale.agent.pods.PodObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.common.testing.Eventually;
import io.gpuscale.common.testing.KubeApiStandIn;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The informer through a kubeconfig against an HTTPS stand-in of the API server that requires a
 * client certificate: the CA and the client certificate come from the kubeconfig, and the token
 * file it names is read again once rotated.
 */
class NodePodTlsIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String NODE = "gpu-node-1";

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private KubeApiStandIn api;
    private NodePodInformer informer;

    /** A self-signed EC certificate for 127.0.0.1 and its key, both PEM. */
    private record Pem(String certificate, String key) {
    }

    private static Pem selfSigned(String name) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = gen.generateKeyPair();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + name);
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                new BigInteger(64, new SecureRandom()).abs(), Date.from(now.minusSeconds(3600)),
                Date.from(now.plusSeconds(86_400)), subject, pair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
        byte[] cert = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()))
                .getEncoded();
        return new Pem(pem("CERTIFICATE", cert), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }

    @AfterEach
    void tearDown() {
        if (informer != null) {
            informer.close();
        }
        if (api != null) {
            api.close();
        }
        vertx.close().await();
    }

    @Test
    void theKubeconfigsCaClientCertificateAndRotatedTokenFileAreUsed() throws Exception {
        Pem server = selfSigned("apiserver");
        Pem client = selfSigned("gpuscale-agent");
        api = new KubeApiStandIn(new HttpServerOptions().setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(server.certificate()))
                        .setKeyValue(Buffer.buffer(server.key())))
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(client.certificate())))
                .setClientAuth(ClientAuth.REQUIRED));
        api.put(pod("ml", "trainer", "uid-trainer", NODE, "Running"));
        Files.writeString(dir.resolve("client.key"), client.key());
        Files.writeString(dir.resolve("token"), "first-token\n");
        Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: agent
                  user:
                    client-certificate-data: %s
                    client-key: client.key
                    tokenFile: token
                contexts:
                - name: test
                  context: {cluster: test, user: agent}
                current-context: test
                """.formatted(api.url(), base64(server.certificate()), base64(client.certificate())));

        informer = NodePodInformer.fromKubeconfig(vertx, kubeconfig, NODE);
        informer.start();
        Eventually.await(DEADLINE, "the first list", () -> informer.synced() ? true : null);
        assertThat(informer.current().byUid("uid-trainer")).isPresent();
        Eventually.await(DEADLINE, "a watch", () -> api.openWatches() == 1 ? true : null);
        assertThat(api.authorizations()).containsOnly("Bearer first-token");

        Files.writeString(dir.resolve("token"), "rotated-token\n");
        api.put(pod("ml", "later", "uid-later", NODE, "Running"));
        Eventually.await(DEADLINE, "the event", () -> informer.current().byUid("uid-later").isPresent() ? true : null);
        int before = api.requests();
        api.compact(); // the watch ends with 410: a fresh list and watch, with the rotated token

        Eventually.await(DEADLINE, "a new list and watch", () -> api.requests() >= before + 2 ? true : null);
        assertThat(api.authorizations().subList(before, before + 2)).containsOnly("Bearer rotated-token");
        assertThat(informer.failures()).isZero();
    }
}
