package io.gpuscale.adapter.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gpuscale.adapter.http.ApiServer;
import io.gpuscale.adapter.http.TlsClients;
import io.gpuscale.adapter.testing.Kubectl.Run;
import io.gpuscale.adapter.testing.Kubectl;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.kubernetes.client.openapi.models.V1APIGroupList;
import io.kubernetes.client.openapi.models.V1APIResourceList;
import io.kubernetes.client.openapi.models.V1Status;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code kubectl} reads the running HTTPS adapter (a self-signed certificate, fake metrics
 * and cluster at a fixed clock) through every path form; a Java client checks the certificate,
 * HTTP/2, the HPA's Accept header and requests with bodies.
 */
class ApiServerIT {
    private static final String KUBECTL = "/usr/bin/kubectl";
    private static final String UTIL = "nvidia_gpu_utilization_percent";

    private static Vertx vertx;
    private static ApiServer server;
    private static ServingCertificate certificate;
    @TempDir
    static Path home;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        certificate = ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null), Clock.systemUTC());
        MetricsApi api = Fixtures.api(true);
        server = ApiServer.start(vertx, api, certificate, "127.0.0.1", 0, Clock.fixed(Fixtures.NOW, ZoneOffset.UTC),
                false);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static Run kubectl(String path) throws Exception {
        return Kubectl.getRaw(KUBECTL, home, server.port(), List.of("--token=x"), path);
    }

    private static JsonObject kubectlOk(String path) throws Exception {
        Run r = kubectl(path);
        assertThat(r.exit()).as("kubectl get --raw %s: %s", path, r.err()).isZero();
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    private static List<String> names(JsonObject list) {
        return list.getAsJsonArray("items").asList().stream()
                .map(i -> i.getAsJsonObject().getAsJsonObject("describedObject").get("name").getAsString()).toList();
    }

    @Test
    void kubectlReadsDiscovery() throws Exception {
        assertThat(V1APIGroupList.fromJson(kubectl("/apis").out()).getGroups()).hasSize(2);
        for (String gv : List.of("custom.metrics.k8s.io/v1beta1", "custom.metrics.k8s.io/v1beta2",
                "external.metrics.k8s.io/v1beta1")) {
            V1APIResourceList list = V1APIResourceList.fromJson(kubectl("/apis/" + gv).out());
            assertThat(list.getGroupVersion()).isEqualTo(gv);
            assertThat(list.getResources()).isNotEmpty();
        }
        assertThat(kubectlOk("/apis/custom.metrics.k8s.io").get("kind").getAsString()).isEqualTo("APIGroup");
    }

    @Test
    void kubectlReadsOnePodInBothVersions() throws Exception {
        JsonObject v1 = kubectlOk("/apis/custom.metrics.k8s.io/v1beta1/namespaces/ml/pods/infer-a/" + UTIL);
        assertThat(v1.get("apiVersion").getAsString()).isEqualTo("custom.metrics.k8s.io/v1beta1");
        JsonObject item = v1.getAsJsonArray("items").get(0).getAsJsonObject();
        assertThat(item.get("metricName").getAsString()).isEqualTo(UTIL);
        assertThat(item.get("value").getAsString()).isEqualTo("70500m");
        assertThat(item.get("window").getAsLong()).isEqualTo(1);
        JsonObject v2 = kubectlOk("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/infer-a/" + UTIL);
        JsonObject item2 = v2.getAsJsonArray("items").get(0).getAsJsonObject();
        assertThat(item2.getAsJsonObject("metric").get("name").getAsString()).isEqualTo(UTIL);
        assertThat(item2.get("windowSeconds").getAsLong()).isEqualTo(1);
        assertThat(item2.get("timestamp").getAsString()).isEqualTo("2026-11-23T08:00:08Z");
    }

    @Test
    void kubectlReadsPodsStarWithASelectorThoughItSendsPercent2A() throws Exception {
        assertThat(names(kubectlOk("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/*/" + UTIL
                + "?labelSelector=app%3Dinfer"))).containsExactly("infer-a", "infer-b");
        assertThat(names(kubectlOk("/apis/custom.metrics.k8s.io/v1beta1/namespaces/ml/pods/*/" + UTIL
                + "?labelSelector=app+in+(infer,batch)&metricLabelSelector=method%3Dprocess")))
                .containsExactly("batch-c", "infer-b");
    }

    @Test
    void kubectlReadsNodesAndNamespaces() throws Exception {
        JsonObject node = kubectlOk("/apis/custom.metrics.k8s.io/v1beta2/nodes/mainpc/" + UTIL);
        assertThat(names(node)).containsExactly("mainpc");
        assertThat(names(kubectlOk("/apis/custom.metrics.k8s.io/v1beta1/nodes/*/nvidia_gpu_memory_used_bytes")))
                .containsExactly("mainpc", "pc2");
        assertThat(names(kubectlOk("/apis/custom.metrics.k8s.io/v1beta2/nodes/*/" + UTIL
                + "?labelSelector=gpu%3Drtx3060"))).containsExactly("pc2");
        JsonObject ns = kubectlOk("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/metrics/" + UTIL);
        assertThat(ns.getAsJsonArray("items").get(0).getAsJsonObject().get("value").getAsString())
                .isEqualTo("50500m");
    }

    @Test
    void kubectlReadsExternalMetrics() throws Exception {
        JsonObject util = kubectlOk("/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/" + UTIL
                + "?labelSelector=model%3DRTX-4090");
        assertThat(util.get("kind").getAsString()).isEqualTo("ExternalMetricValueList");
        assertThat(util.getAsJsonArray("items").get(0).getAsJsonObject().get("value").getAsString()).isEqualTo("41");
        JsonObject idle = kubectlOk("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/nvidia_gpu_idle_devices");
        assertThat(idle.getAsJsonArray("items").get(0).getAsJsonObject().get("value").getAsString()).isEqualTo("1");
    }

    @Test
    void kubectlShowsTheStatusMessageOfFailures() throws Exception {
        Run stale = kubectl("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/infer-stale/" + UTIL);
        assertThat(stale.exit()).isNotZero();
        assertThat(stale.err()).contains("NotFound").contains("older than --max-age 6s");
        Run bad = kubectl("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/*/" + UTIL
                + "?labelSelector=app%3D%3D%3Dx");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("BadRequest").contains("unable to parse label selector");
        Run health = kubectl("/healthz");
        assertThat(health.exit()).isZero();
        assertThat(health.out()).isEqualTo("ok");
    }

    private static HttpClient client(HttpClient.Version version) {
        return TlsClients.http(version, certificate);
    }

    private static URI uri(String path) {
        return URI.create("https://127.0.0.1:" + server.port() + path);
    }

    @Test
    void theGeneratedCertificateIsValidFor127001AndHttp2IsNegotiated() throws Exception {
        HttpResponse<String> r = client(HttpClient.Version.HTTP_2).send(HttpRequest.newBuilder(
                uri("/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/%2A/" + UTIL))
                .header("Accept", "application/vnd.kubernetes.protobuf, */*").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void aProtobufOnlyAcceptStillGetsJsonNever406() throws Exception {
        HttpResponse<String> r = client(HttpClient.Version.HTTP_1_1).send(HttpRequest.newBuilder(
                uri("/apis/custom.metrics.k8s.io/v1beta1")).header("Accept", "application/vnd.kubernetes.protobuf")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(V1APIResourceList.fromJson(r.body()).getResources()).isNotEmpty();
    }

    @Test
    void bodiesAreIgnoredOnGetAndOtherMethodsAre405WithAllow() throws Exception {
        HttpClient c = client(HttpClient.Version.HTTP_1_1);
        HttpResponse<String> get = c.send(HttpRequest.newBuilder(uri("/apis/custom.metrics.k8s.io/v1beta2/nodes/"
                + "mainpc/" + UTIL)).method("GET", HttpRequest.BodyPublishers.ofString("{\"kind\":\"x\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(200);
        for (String method : List.of("POST", "PUT", "PATCH", "DELETE")) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(uri("/apis/custom.metrics.k8s.io/v1beta2/nodes/"
                    + "mainpc/" + UTIL)).method(method, HttpRequest.BodyPublishers.ofString("{\"not\":\"json")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(method).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).hasValue("GET");
            assertThat(V1Status.fromJson(r.body()).getReason()).isEqualTo("MethodNotAllowed");
        }
    }

    @Test
    void aDeclaredHugeBodyIs413AndAnOverlongUriIs414WithStatusBodies() throws Exception {
        String huge = raw("POST /apis/custom.metrics.k8s.io/v1beta2 HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 100000000\r\n\r\n");
        assertThat(huge).startsWith("HTTP/1.1 413");
        assertThat(V1Status.fromJson(huge.substring(huge.indexOf("\r\n\r\n") + 4)).getCode()).isEqualTo(413);
        String longUri = raw("GET /apis/custom.metrics.k8s.io/v1beta2/nodes/" + "n".repeat(9000) + "/" + UTIL
                + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(longUri).startsWith("HTTP/1.1 414");
        assertThat(V1Status.fromJson(longUri.substring(longUri.indexOf("\r\n\r\n") + 4)).getCode()).isEqualTo(414);
    }

    /** One request over a TLS socket, read until the server closes or the body is complete. */
    private static String raw(String request) throws Exception {
        return TlsClients.raw(TlsClients.trusting(certificate), server.port(), request);
    }
}
