package io.gpuscale.agent.pods;

import static io.gpuscale.agent.pods.PodObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.common.testing.Eventually;
import io.gpuscale.common.testing.KubeApiStandIn;
import io.gpuscale.common.testing.TestCertificate;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
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
        TestCertificate server = TestCertificate.selfSigned("apiserver");
        TestCertificate client = TestCertificate.selfSigned("gpuscale-agent");
        api = new KubeApiStandIn(new HttpServerOptions().setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(server.certificatePem()))
                        .setKeyValue(Buffer.buffer(server.keyPem())))
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(client.certificatePem())))
                .setClientAuth(ClientAuth.REQUIRED));
        api.put(pod("ml", "trainer", "uid-trainer", NODE, "Running"));
        Files.writeString(dir.resolve("client.key"), client.keyPem());
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
                """.formatted(api.url(), base64(server.certificatePem()), base64(client.certificatePem())));

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
