package io.gpuscale.adapter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.adapter.Adapter;
import io.gpuscale.adapter.api.ApiOptions;
import io.gpuscale.adapter.http.RequestGate;
import io.gpuscale.adapter.http.ServerLimits;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.testing.Kubectl.Run;
import io.gpuscale.adapter.testing.Kubectl;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.vertx.core.json.JsonArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code kubectl} against the adapter started as {@code serve} starts it
 * ({@link Adapter#start} with {@link DelegatedGate#create} from a kubeconfig), delegating to a
 * stand-in API server: once with a client certificate from the cluster's client CA, once with a
 * bearer token, and as users it must turn away.
 */
class AuthKubectlIT {
    private static final String PODS = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/*/"
            + "nvidia_gpu_utilization_percent";
    private static final Path DEMO_CLUSTER = Path.of(System.getProperty("user.dir")).getParent()
            .resolve("deploy/examples/demo-cluster.yaml");
    private static final TestPki.Ca CLIENT_CA = TestPki.ca("kubernetes-client-ca");
    private static final TestPki.Ca FRONT_PROXY_CA = TestPki.ca("front-proxy-ca");

    @TempDir
    static Path home;

    private static AuthApiStandIn kube;
    private static Adapter adapter;
    private static ServingCertificate serving;

    /** Every GPU reads 55 % now: the metrics are not what is tested here. */
    private static final GpuMetrics METRICS = new GpuMetrics() {
        @Override
        public List<Reading> pod(String metric, String node, String namespace, String pod) {
            return List.of(new Reading(55, System.currentTimeMillis()));
        }

        @Override
        public List<Reading> node(String metric, String node) {
            return List.of(new Reading(55, System.currentTimeMillis()));
        }

        @Override
        public List<GpuReading> gpus(String metric) {
            return List.of();
        }
    };

    @BeforeAll
    static void start() throws Exception {
        kube = new AuthApiStandIn();
        kube.putConfigMap(java.util.Map.of("client-ca-file", CLIENT_CA.pem(),
                "requestheader-client-ca-file", FRONT_PROXY_CA.pem(),
                "requestheader-allowed-names", "[\"front-proxy-client\"]",
                "requestheader-username-headers", "[\"X-Remote-User\"]",
                "requestheader-group-headers", "[\"X-Remote-Group\"]",
                "requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]"));
        kube.addToken("token-of-hpa", "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
                "system:serviceaccounts");
        kube.addToken("token-of-mallory", "mallory");
        kube.policy(spec -> List.of("gpu-admin", "system:serviceaccount:kube-system:horizontal-pod-autoscaler")
                .contains(spec.getString("user")));
        Path kubeconfig = home.resolve("adapter-kubeconfig.yaml");
        Files.writeString(kubeconfig, "apiVersion: v1\nkind: Config\nclusters:\n- name: standin\n  cluster:\n"
                + "    server: " + kube.client().getBasePath() + "\ncontexts:\n- name: standin\n  context:\n"
                + "    cluster: standin\n    user: adapter\ncurrent-context: standin\nusers:\n- name: adapter\n"
                + "  user: {}\n");
        RequestGate gate = DelegatedGate.create(AuthOptions.delegated(), kubeconfig);
        assertThat(gate.requestsClientCertificates()).isTrue();
        serving = ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null), Clock.systemUTC());
        adapter = Adapter.start("127.0.0.1", 0, serving, ServerLimits.DEFAULTS, List.of(), gate, METRICS, SnapshotClusterView.load(DEMO_CLUSTER),
                ApiOptions.defaults(), false, (AutoCloseable) gate);
    }

    @AfterAll
    static void stop() {
        if (adapter != null) {
            adapter.close();
        }
        if (kube != null) {
            kube.close();
        }
    }

    private static Run kubectl(List<String> credentials, String path) throws Exception {
        return Kubectl.getRaw("kubectl", home, adapter.port(), credentials, path);
    }

    private static List<String> certificate(TestPki.Issued identity) throws Exception {
        Path cert = Files.createTempFile(home, "client", ".crt");
        Path key = Files.createTempFile(home, "client", ".key");
        Files.writeString(cert, identity.certificatePem());
        Files.writeString(key, identity.privateKeyPem());
        return List.of("--client-certificate=" + cert, "--client-key=" + key);
    }

    private static void assertMetricValueList(Run r) {
        assertThat(r.exit()).as(r.err()).isZero();
        JsonObject list = JsonParser.parseString(r.out()).getAsJsonObject();
        assertThat(list.get("kind").getAsString()).isEqualTo("MetricValueList");
        assertThat(list.getAsJsonArray("items")).hasSize(2);
    }

    @Test
    void kubectlWithAClientCertificateReadsThePodsMetric() throws Exception {
        assertMetricValueList(kubectl(certificate(CLIENT_CA.client("gpu-admin", "ops")), PODS));
        // kubectl asks for /version first, then the metric
        io.vertx.core.json.JsonObject spec = kube.accessReviews().stream()
                .filter(s -> s.getString("user").equals("gpu-admin") && s.containsKey("resourceAttributes"))
                .findFirst().orElseThrow();
        assertThat(spec.getJsonArray("groups")).isEqualTo(new JsonArray(List.of("ops", "system:authenticated")));
        assertThat(spec.getJsonObject("resourceAttributes").getString("subresource"))
                .isEqualTo("nvidia_gpu_utilization_percent");
    }

    @Test
    void kubectlWithATokenReadsThePodsMetric() throws Exception {
        assertMetricValueList(kubectl(List.of("--token=token-of-hpa"), PODS));
    }

    @Test
    void kubectlAsAUserTheReviewDeniesIsForbidden() throws Exception {
        Run r = kubectl(List.of("--token=token-of-mallory"), PODS);
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("Error from server (Forbidden): pods.custom.metrics.k8s.io \"*\" is forbidden: "
                + "User \"mallory\" cannot get resource \"pods/nvidia_gpu_utilization_percent\" in API group "
                + "\"custom.metrics.k8s.io\" in the namespace \"demo\"");
        // kubectl without credentials asks for a user name on stdin: anonymous callers are a plain client
        java.net.http.HttpResponse<String> anonymous = anonymous().get(PODS.replace("*", "%2A"));
        assertThat(anonymous.statusCode()).isEqualTo(403);
        assertThat(io.kubernetes.client.openapi.models.V1Status.fromJson(anonymous.body()).getMessage())
                .contains("User \"system:anonymous\" cannot get resource");
    }

    @Test
    void kubectlWithABadCredentialIsToldItIsUnauthorized() throws Exception {
        Run expired = kubectl(certificate(CLIENT_CA.expiredClient("gpu-admin")), PODS);
        assertThat(expired.exit()).isNotZero();
        assertThat(expired.err()).contains("Unauthorized");
        Run stranger = kubectl(certificate(TestPki.ca("elsewhere").client("gpu-admin")), PODS);
        assertThat(stranger.err()).contains("Unauthorized");
        Run token = kubectl(List.of("--token=not-a-token"), PODS);
        assertThat(token.err()).contains("Unauthorized");
    }

    @Test
    void healthNeedsNoCredentials() throws Exception {
        java.net.http.HttpResponse<String> r = anonymous().get("/healthz");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
    }

    private static GateClient anonymous() throws Exception {
        return new GateClient("https://127.0.0.1:" + adapter.port(), serving.certificatePem(), null);
    }
}
