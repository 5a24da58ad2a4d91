package io.gpuscale.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.testing.AdapterJar;
import io.gpuscale.adapter.testing.InsecureHttp;
import io.gpuscale.adapter.tls.ServingCertificate;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code serve --scheduler-extender-client-ca-file}: the flag reaches the extender port of the real
 * jar (the certificate checks themselves are {@code ClientCertificateGateIT}'s): a caller without a
 * client certificate is refused, the health checks are not.
 */
class ServeExtenderMtlsIT {
    private static final Pattern EXTENDER = Pattern.compile(
            "scheduler extender serving: https://127\\.0\\.0\\.1:(\\d+)/scheduler/filter and /scheduler/prioritize, "
                    + "client certificates from (.*) with CN in \\[kube-scheduler\\]");

    private static Process adapter;
    private static Path caFile;
    private static int extenderPort;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        caFile = Files.createTempFile("scheduler-client-ca", ".crt");
        Files.writeString(caFile, ServingCertificate.selfSigned(List.of("scheduler-client-ca"), Clock.systemUTC())
                .certificatePem());
        adapter = AdapterJar.start(
                "serve", "--authentication-mode=None", "--authorization-mode=AlwaysAllow", "--bind-address", "127.0.0.1",
                "--secure-port", "0", "--scheduler-extender-port", "0", "--metrics-bind-address", "127.0.0.1:0",
                "--scheduler-extender-client-ca-file", caFile.toString(),
                "--scheduler-extender-allowed-names", "kube-scheduler",
                "--cluster", AdapterJar.ROOT.resolve("deploy/examples/demo-cluster.yaml").toString(),
                "--agents", "http://127.0.0.1:9/metrics");
        BlockingQueue<String> lines = AdapterJar.lines(adapter);
        String seen = AdapterJar.readUntil(lines, Duration.ofSeconds(60), () -> extenderPort != 0, line -> {
            Matcher ext = EXTENDER.matcher(line);
            if (ext.find()) {
                extenderPort = Integer.parseInt(ext.group(1));
                assertThat(ext.group(2)).isEqualTo(caFile.toString());
            }
        });
        assertThat(extenderPort).as(seen).isPositive();
        http = InsecureHttp.client();
    }

    @AfterAll
    static void stop() throws Exception {
        AdapterJar.stop(adapter);
        if (caFile != null) {
            Files.deleteIfExists(caFile);
        }
    }

    @Test
    void withoutAClientCertificateTheExtenderIs401AndTheHealthChecksAreOpen() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + extenderPort
                + "/scheduler/filter")).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"Pod\": {}, \"NodeNames\": [\"pc2\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.body()).contains("\"kind\":\"Status\"").contains("\"reason\":\"Unauthorized\"");
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + extenderPort
                + "/healthz")).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }
}
