package io.gpuscale.adapter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.adapter.advisor.AdvisorOptions;
import io.gpuscale.adapter.advisor.ClusterIndex;
import io.gpuscale.adapter.advisor.PlacementAdvisor;
import io.gpuscale.adapter.advisor.http.SchedulerExtenderServer;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.adapter.tls.ServingCertificate;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scheduler extender with {@code --scheduler-extender-client-ca-file}: a real
 * {@link SchedulerExtenderServer} behind a {@link ClientCertificateGate}, called over mutual TLS as
 * kube-scheduler calls it ({@code tlsConfig.certFile/keyFile}), and the CA bundle replaced on disk
 * while it serves.
 */
class ClientCertificateGateIT {
    private static final String FLAG = "--scheduler-extender-client-ca-file";
    private static final String CLUSTER = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Node
              metadata: {name: mainpc}
              status:
                allocatable: {cpu: "32", memory: 64Gi, pods: "110", nvidia.com/gpu: "1"}
            """;
    private static final String FILTER_ARGS = """
            {"Pod": {"metadata": {"name": "trainer-7d4f9", "namespace": "ml"},
                     "spec": {"containers": [{"name": "main", "image": "trainer:1",
                         "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}},
             "Nodes": null, "NodeNames": ["mainpc"]}
            """;

    private static final TestPki.Ca SCHEDULER_CA = TestPki.ca("scheduler-client-ca");
    private static final TestPki.Ca OTHER_CA = TestPki.ca("someone-elses-ca");

    private static Path dir;
    private static ServingCertificate serving;
    private static ClusterIndex index;
    private static PlacementAdvisor advisor;
    private static ClientCertificateGate gate;
    private static SchedulerExtenderServer extender;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("extender-mtls");
        Path caFile = dir.resolve("ca.crt");
        Files.writeString(caFile, SCHEDULER_CA.pem());
        serving = ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null), Clock.systemUTC());
        index = ClusterIndex.of(SnapshotClusterView.parse(Path.of("cluster.yaml"), CLUSTER));
        advisor = new PlacementAdvisor(index, null, AdvisorOptions.defaults(), Clock.systemUTC());
        gate = ClientCertificateGate.start(caFile, FLAG, List.of("kube-scheduler"), Duration.ofMillis(100));
        extender = SchedulerExtenderServer.start("127.0.0.1", 0, serving, advisor, gate);
    }

    @AfterAll
    static void stop() throws Exception {
        if (extender != null) {
            extender.close();
        }
        if (gate != null) {
            gate.close();
        }
        if (index != null) {
            index.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static GateClient client(SchedulerExtenderServer server, TestPki.Issued identity) throws Exception {
        return new GateClient("https://127.0.0.1:" + server.port(), serving.certificatePem(), identity);
    }

    private static HttpResponse<String> filter(SchedulerExtenderServer server, TestPki.Issued identity)
            throws Exception {
        return client(server, identity).post("/scheduler/filter", FILTER_ARGS);
    }

    private static void assertStatus(HttpResponse<String> r, int code, String reason) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(code);
        JsonObject status = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(status.get("kind").getAsString()).isEqualTo("Status");
        assertThat(status.get("code").getAsInt()).isEqualTo(code);
        assertThat(status.get("reason").getAsString()).isEqualTo(reason);
    }

    @Test
    void aCertificateFromTheCaWithAnAllowedNameIsAnswered() throws Exception {
        HttpResponse<String> r = filter(extender, SCHEDULER_CA.client("kube-scheduler"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject result = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(result.getAsJsonArray("NodeNames").asList()).extracting(e -> e.getAsString())
                .containsExactly("mainpc");
        assertThat(client(extender, SCHEDULER_CA.client("kube-scheduler"))
                .post("/scheduler/prioritize", FILTER_ARGS).statusCode()).isEqualTo(200);
    }

    @Test
    void noCertificateIs401() throws Exception {
        assertStatus(filter(extender, null), 401, "Unauthorized");
        assertStatus(client(extender, null).post("/scheduler/prioritize", FILTER_ARGS), 401, "Unauthorized");
    }

    @Test
    void aCertificateFromAnotherCaIs401() throws Exception {
        assertStatus(filter(extender, OTHER_CA.client("kube-scheduler")), 401, "Unauthorized");
    }

    @Test
    void anExpiredCertificateIs401() throws Exception {
        assertStatus(filter(extender, SCHEDULER_CA.expiredClient("kube-scheduler")), 401, "Unauthorized");
    }

    @Test
    void aCertificateOnlyForServingIs401() throws Exception {
        assertStatus(filter(extender, SCHEDULER_CA.serverOnly("kube-scheduler")), 401, "Unauthorized");
    }

    @Test
    void aNameNotAllowedIs403() throws Exception {
        assertStatus(filter(extender, SCHEDULER_CA.client("some-pod")), 403, "Forbidden");
        assertThat(gate.forbidden()).isPositive();
    }

    @Test
    void healthChecksNeedNoCertificate() throws Exception {
        GateClient anonymous = client(extender, null);
        for (String path : List.of("/healthz", "/livez", "/readyz")) {
            HttpResponse<String> r = anonymous.get(path);
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok");
        }
        assertStatus(anonymous.get("/healthzfoo"), 401, "Unauthorized");
    }

    @Test
    void aNewBundleOnDiskIsUsedWithoutARestartAndABrokenOneIsNot() throws Exception {
        Path caFile = dir.resolve("rotating-ca.crt");
        Files.writeString(caFile, SCHEDULER_CA.pem());
        TestPki.Ca next = TestPki.ca("scheduler-client-ca-2");
        try (ClientCertificateGate rotating = ClientCertificateGate.start(caFile, FLAG, List.of(),
                Duration.ofMillis(50));
                SchedulerExtenderServer server = SchedulerExtenderServer.start("127.0.0.1", 0, serving, advisor,
                        rotating)) {
            TestPki.Issued old = SCHEDULER_CA.client("any-name-will-do");
            TestPki.Issued fresh = next.client("kube-scheduler");
            assertThat(filter(server, old).statusCode()).isEqualTo(200);
            assertStatus(filter(server, fresh), 401, "Unauthorized");

            // a broken bundle (half written, or wrong) keeps the one in use: two whole polls later it still serves
            replace(caFile, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n");
            long seen = rotating.polls();
            Eventually.await(Duration.ofSeconds(30), "two polls of the broken file", () -> rotating.polls() >= seen + 2);
            assertThat(filter(server, old).statusCode()).isEqualTo(200);
            replace(caFile, "");
            long seenEmpty = rotating.polls();
            Eventually.await(Duration.ofSeconds(30), "two polls of the empty file",
                    () -> rotating.polls() >= seenEmpty + 2);
            assertThat(filter(server, old).statusCode()).isEqualTo(200);

            replace(caFile, next.pem());
            Eventually.await(Duration.ofSeconds(30), "the new CA's certificate to be accepted", () -> {
                try {
                    return filter(server, fresh).statusCode() == 200;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertStatus(filter(server, old), 401, "Unauthorized");
            assertThat(rotating.trustedCertificates()).isEqualTo(1);
        }
    }

    /** As a Secret volume's update does: a new file moved over the old one. */
    private static void replace(Path file, String content) throws Exception {
        Path tmp = Files.createTempFile(file.getParent(), "swap", ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
