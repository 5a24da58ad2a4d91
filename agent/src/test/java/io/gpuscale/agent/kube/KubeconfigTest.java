package io.gpuscale.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeconfigTest {
    @TempDir
    Path dir;

    private Path kubeconfig(String cluster, String user) throws IOException {
        Path file = dir.resolve("config");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: other
                  cluster: {server: "https://other.example:6443"}
                - name: test
                  cluster:
                %s
                users:
                - name: test
                  user:
                %s
                contexts:
                - name: other
                  context: {cluster: other, user: test}
                - name: test
                  context: {cluster: test, user: test}
                current-context: test
                """.formatted(indent(cluster), indent(user)));
        return file;
    }

    private static String indent(String s) {
        return s.lines().map(l -> "    " + l).reduce((a, b) -> a + "\n" + b).orElse("    {}");
    }

    @Test
    void theCurrentContextsServerCaAndTokenAreUsed() throws IOException {
        String ca = Base64.getEncoder().encodeToString("-----BEGIN CERTIFICATE-----\n".getBytes(StandardCharsets.US_ASCII));
        ApiServerAccess access = Kubeconfig.load(kubeconfig(
                "server: https://api.example:6443/prefix\ncertificate-authority-data: " + ca, "token: abc"));

        assertThat(access.tls()).isTrue();
        assertThat(access.host()).isEqualTo("api.example");
        assertThat(access.port()).isEqualTo(6443);
        assertThat(access.pathPrefix()).isEqualTo("/prefix");
        assertThat(access.authorization()).isEqualTo("Bearer abc");
        assertThat(access.server()).isEqualTo("https://api.example:6443/prefix");
    }

    @Test
    void aTokenFileRelativeToTheKubeconfigIsReadAgainWhenItChanges() throws IOException {
        Path token = dir.resolve("token");
        Files.writeString(token, "first\n");
        ApiServerAccess access = Kubeconfig.load(kubeconfig("server: http://127.0.0.1:8080", "tokenFile: token"));
        assertThat(access.authorization()).isEqualTo("Bearer first");

        Files.writeString(token, "second-token\n");

        assertThat(access.authorization()).isEqualTo("Bearer second-token");
        assertThat(access.tls()).isFalse();
        assertThat(access.port()).isEqualTo(8080);
    }

    @Test
    void clientCertificateFilesAreReadAndAMissingOneIsNamed() throws IOException {
        Files.writeString(dir.resolve("c.pem"), "cert");
        Files.writeString(dir.resolve("k.pem"), "key");
        assertThat(Kubeconfig.load(kubeconfig("server: https://10.0.0.1", "client-certificate: c.pem\nclient-key: k.pem"))
                .authorization()).isNull();

        assertThatThrownBy(() -> Kubeconfig.load(kubeconfig("server: https://10.0.0.1",
                "client-certificate: c.pem\nclient-key: missing.pem")))
                .isInstanceOf(IOException.class).hasMessageContaining("client-key").hasMessageContaining("missing.pem");
        assertThatThrownBy(() -> Kubeconfig.load(kubeconfig("server: https://10.0.0.1", "client-certificate: c.pem")))
                .hasMessageContaining("without its key");
    }

    @Test
    void credentialPluginsAndOtherUnsupportedSettingsAreRefusedByName() {
        Map<String, String> refused = Map.of(
                "exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}", "exec (a credential plugin)",
                "auth-provider: {name: gcp}", "auth-provider",
                "username: admin\npassword: secret", "basic authentication");
        refused.forEach((user, named) -> assertThatThrownBy(() -> Kubeconfig.load(kubeconfig("server: https://a", user)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(named).hasMessageContaining("does not support").hasMessageNotContaining("\n"));
        assertThatThrownBy(() -> Kubeconfig.load(kubeconfig("server: https://a\nproxy-url: http://proxy:3128", "token: t")))
                .hasMessageContaining("proxy-url");
    }

    @Test
    void aKubeconfigWithoutCurrentContextOrServerOrValidYamlSaysWhatIsWrong() throws IOException {
        Path noContext = dir.resolve("no-context");
        Files.writeString(noContext, "apiVersion: v1\nkind: Config\n");
        assertThatThrownBy(() -> Kubeconfig.load(noContext)).hasMessage("kubeconfig " + noContext + ": no current-context");
        assertThatThrownBy(() -> Kubeconfig.load(kubeconfig("insecure-skip-tls-verify: true", "token: t")))
                .hasMessageContaining("cluster test has no server");
        Path broken = dir.resolve("broken");
        Files.writeString(broken, "clusters: [\n");
        assertThatThrownBy(() -> Kubeconfig.load(broken)).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> Kubeconfig.load(kubeconfig("server: ftp://a", "token: t"))).hasMessageContaining("http");
    }

    @Test
    void inClusterTakesTheServiceHostAndPortTheCaAndTheRotatingToken() throws IOException {
        Files.writeString(dir.resolve("ca.crt"), "ca");
        Files.writeString(dir.resolve("token"), "sa-token");

        ApiServerAccess access = InCluster.access(Map.of("KUBERNETES_SERVICE_HOST", "fd00::1",
                "KUBERNETES_SERVICE_PORT", "6443"), dir);

        assertThat(access.server()).isEqualTo("https://[fd00::1]:6443");
        assertThat(access.host()).isEqualTo("fd00::1");
        assertThat(access.authorization()).isEqualTo("Bearer sa-token");
        assertThat(InCluster.available(Map.of())).isFalse();
        assertThatThrownBy(() -> InCluster.access(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"), dir.resolve("none")))
                .isInstanceOf(IOException.class);
    }
}
