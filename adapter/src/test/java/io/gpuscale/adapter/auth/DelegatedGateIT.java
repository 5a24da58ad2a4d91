package io.gpuscale.adapter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.http.RequestGate;
import io.gpuscale.adapter.monitoring.AdapterMetrics;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.adapter.tls.AcceptAnyClientCertificate;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.kubernetes.client.openapi.models.V1Status;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The delegated gate in front of a small HTTPS server that asks for client certificates as the
 * adapter does (requested, any chain accepted at the handshake), against a stand-in API server
 * for the ConfigMap, TokenReviews and SubjectAccessReviews: who each kind of caller is taken to
 * be, what the reviews see, which answers are cached and for how long (an injected ticker), and a
 * CA change applied without a restart.
 */
class DelegatedGateIT {
    private static final String UTIL = "nvidia_gpu_utilization_percent";
    private static final String PODS = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/%2A/" + UTIL;
    private static final Duration ALLOWED_TTL = Duration.ofSeconds(10);
    private static final Duration DENIED_TTL = Duration.ofSeconds(3);

    private static final TestPki.Ca FRONT_PROXY_CA = TestPki.ca("front-proxy-ca");
    private static final TestPki.Ca CLIENT_CA = TestPki.ca("kubernetes-client-ca");
    private static final TestPki.Ca OTHER_CA = TestPki.ca("someone-elses-ca");

    private static AuthApiStandIn kube;
    private static ExtensionAuthenticationWatch watch;
    private static DelegatedGate gate;
    private static final AtomicLong ticker = new AtomicLong();
    private static Vertx vertx;
    private static HttpServer server;
    private static ServingCertificate serving;
    private static final AdapterMetrics metrics = new AdapterMetrics();

    @BeforeAll
    static void start() throws Exception {
        kube = new AuthApiStandIn();
        kube.putConfigMap(configMap(CLIENT_CA));
        watch = new ExtensionAuthenticationWatch(kube.client()).start(Duration.ofSeconds(10));
        assertThat(watch.reloads()).isEqualTo(1);
        KubeReviews reviews = new KubeReviews(kube.client());
        AuthOptions options = new AuthOptions(AuthOptions.AuthenticationMode.DELEGATED,
                AuthOptions.AuthorizationMode.DELEGATED, ALLOWED_TTL, DENIED_TTL, Duration.ofSeconds(10),
                List.of("/healthz", "/livez", "/readyz"), 100);
        gate = new DelegatedGate(options, watch, reviews, reviews, Clock.systemUTC(), ticker::get, watch,
                metrics.auth());
        serving = ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null), Clock.systemUTC());
        vertx = Vertx.vertx();
        server = serve(gate);
    }

    /** A small HTTPS server that asks for client certificates as ApiServer does and asks the gate first. */
    private static HttpServer serve(RequestGate gate) {
        return vertx.createHttpServer(new HttpServerOptions().setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(serving.certificatePem()))
                        .setKeyValue(Buffer.buffer(serving.privateKeyPem())))
                .setClientAuth(gate.requestsClientCertificates() ? ClientAuth.REQUEST : ClientAuth.NONE)
                .setTrustOptions(new AcceptAnyClientCertificate()))
                .requestHandler(req -> gate.admit(req).onComplete(ar -> {
                    ApiResponse refusal = ar.result();
                    if (refusal == null) {
                        req.response().end("served");
                    } else {
                        req.response().setStatusCode(refusal.code()).putHeader("Content-Type", "application/json")
                                .end(refusal.body().render());
                    }
                }))
                .listen(0, "127.0.0.1").await();
    }

    @AfterAll
    static void stop() {
        if (vertx != null) {
            vertx.close().await();
        }
        if (gate != null) {
            gate.close();
        }
        if (kube != null) {
            kube.close();
        }
    }

    /** Every test starts with empty caches (their entries have expired) and a policy that denies. */
    @BeforeEach
    void expireCaches() {
        ticker.addAndGet(Duration.ofMinutes(5).toNanos());
        kube.policy(spec -> false);
        kube.reviewsFail(false);
    }

    private static Map<String, String> configMap(TestPki.Ca clientCa) {
        return Map.of("client-ca-file", clientCa.pem(),
                "requestheader-client-ca-file", FRONT_PROXY_CA.pem(),
                "requestheader-allowed-names", "[\"front-proxy-client\"]",
                "requestheader-username-headers", "[\"X-Remote-User\"]",
                "requestheader-group-headers", "[\"X-Remote-Group\"]",
                "requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]");
    }

    private static GateClient as(TestPki.Issued identity) throws Exception {
        return as(server, identity);
    }

    private static GateClient as(HttpServer to, TestPki.Issued identity) throws Exception {
        return new GateClient("https://127.0.0.1:" + to.actualPort(), serving.certificatePem(), identity);
    }

    private static JsonObject lastReview() {
        List<JsonObject> all = kube.accessReviews();
        return all.get(all.size() - 1);
    }

    private static void assertStatus(HttpResponse<String> r, int code, String reason) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(code);
        V1Status status = V1Status.fromJson(r.body());
        assertThat(status.getReason()).isEqualTo(reason);
        assertThat(status.getCode()).isEqualTo(code);
    }

    @Test
    void aDenialIsCountedByReasonAndItsRepeatIsACacheHit() throws Exception {
        kube.policy(spec -> false);
        String before = metrics.scrape();
        assertStatus(as(CLIENT_CA.client("carol")).get(PODS), 403, "Forbidden");
        assertStatus(as(CLIENT_CA.client("carol")).get(PODS), 403, "Forbidden");
        assertStatus(as(OTHER_CA.client("carol")).get(PODS), 401, "Unauthorized");
        String after = metrics.scrape();
        assertThat(count(after, "gpuscale_adapter_auth_denials_total{reason=\"forbidden\"}")
                - count(before, "gpuscale_adapter_auth_denials_total{reason=\"forbidden\"}")).isEqualTo(2);
        assertThat(count(after, "gpuscale_adapter_auth_denials_total{reason=\"credential_rejected\"}")
                - count(before, "gpuscale_adapter_auth_denials_total{reason=\"credential_rejected\"}")).isEqualTo(1);
        assertThat(count(after, "gpuscale_adapter_auth_reviews_total{outcome=\"denied\",review=\"access\"}")
                - count(before, "gpuscale_adapter_auth_reviews_total{outcome=\"denied\",review=\"access\"}"))
                .isEqualTo(1);
        assertThat(count(after, "gpuscale_adapter_auth_cache_lookups_total{result=\"hit\",review=\"access\"}")
                - count(before, "gpuscale_adapter_auth_cache_lookups_total{result=\"hit\",review=\"access\"}"))
                .isEqualTo(1);
        assertThat(count(after, "gpuscale_adapter_auth_review_duration_seconds_count{review=\"access\"}")
                - count(before, "gpuscale_adapter_auth_review_duration_seconds_count{review=\"access\"}"))
                .isEqualTo(1);
    }

    /** The value of one series in an exposition. */
    private static double count(String exposition, String series) {
        return exposition.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .orElseThrow(() -> new AssertionError("no series " + series + " in\n" + exposition));
    }

    @Test
    void theFrontProxyWithAnAllowedNameIsServedAsTheUserInItsHeaders() throws Exception {
        kube.policy(spec -> spec.getString("user").equals("alice"));
        HttpResponse<String> r = as(FRONT_PROXY_CA.client("front-proxy-client")).get(PODS,
                "X-Remote-User", "alice", "X-Remote-Group", "team-a", "X-Remote-Group", "team-b",
                "X-Remote-Extra-Acme.com%2fProject", "gpu");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject spec = lastReview();
        assertThat(spec.getString("user")).isEqualTo("alice");
        assertThat(spec.getJsonArray("groups")).isEqualTo(new JsonArray(List.of("team-a", "team-b",
                "system:authenticated")));
        assertThat(spec.getJsonObject("extra")).isEqualTo(new JsonObject().put("acme.com/project",
                new JsonArray(List.of("gpu"))));
        assertThat(spec.getJsonObject("resourceAttributes")).isEqualTo(new JsonObject().put("namespace", "demo")
                .put("verb", "get").put("group", "custom.metrics.k8s.io").put("version", "v1beta2")
                .put("resource", "pods").put("subresource", UTIL).put("name", "*"));
        assertThat(spec.containsKey("nonResourceAttributes")).isFalse();
    }

    @Test
    void aCertificateFromAnotherCaWithTheSameHeadersIsUnauthorized() throws Exception {
        kube.policy(spec -> true);
        int before = kube.accessReviews().size();
        assertStatus(as(OTHER_CA.client("front-proxy-client")).get(PODS, "X-Remote-User", "alice"), 401,
                "Unauthorized");
        assertThat(kube.accessReviews()).hasSize(before);
    }

    @Test
    void aFrontProxyWhoseNameIsNotAllowedIsUnauthorized() throws Exception {
        kube.policy(spec -> true);
        assertStatus(as(FRONT_PROXY_CA.client("not-the-front-proxy")).get(PODS, "X-Remote-User", "alice"), 401,
                "Unauthorized");
    }

    @Test
    void remoteUserHeadersWithoutACertificateAreIgnoredAndAnonymousIsForbidden() throws Exception {
        kube.policy(spec -> !spec.getString("user").equals("system:anonymous"));
        HttpResponse<String> r = as(null).get(PODS, "X-Remote-User", "system:admin", "X-Remote-Group",
                "system:masters");
        assertStatus(r, 403, "Forbidden");
        assertThat(V1Status.fromJson(r.body()).getMessage()).isEqualTo("pods.custom.metrics.k8s.io \"*\" is "
                + "forbidden: User \"system:anonymous\" cannot get resource \"pods/" + UTIL + "\" in API group "
                + "\"custom.metrics.k8s.io\" in the namespace \"demo\"");
        JsonObject spec = lastReview();
        assertThat(spec.getString("user")).isEqualTo("system:anonymous");
        assertThat(spec.getJsonArray("groups")).isEqualTo(new JsonArray(List.of("system:unauthenticated")));
    }

    @Test
    void aClientCertificateIsItsCommonNameWithItsOrganizationsAsGroups() throws Exception {
        kube.policy(spec -> spec.getJsonArray("groups").contains("gpu-readers"));
        assertThat(as(CLIENT_CA.client("bob", "gpu-readers")).get(PODS).statusCode()).isEqualTo(200);
        assertThat(lastReview().getString("user")).isEqualTo("bob");
        assertThat(lastReview().getJsonArray("groups")).isEqualTo(new JsonArray(List.of("gpu-readers",
                "system:authenticated")));
        // headers of a caller that is not the front proxy change nothing
        assertThat(as(CLIENT_CA.client("bob", "gpu-readers")).get(PODS, "X-Remote-User", "mallory").statusCode())
                .isEqualTo(200);
        assertThat(lastReview().getString("user")).isEqualTo("bob");
    }

    @Test
    void anExpiredClientCertificateIsUnauthorized() throws Exception {
        kube.policy(spec -> true);
        assertStatus(as(CLIENT_CA.expiredClient("bob", "gpu-readers")).get(PODS), 401, "Unauthorized");
    }

    @Test
    void systemMastersIsServedWithoutAReview() throws Exception {
        int before = kube.accessReviews().size();
        assertThat(as(CLIENT_CA.client("admin", "system:masters")).get(PODS).statusCode()).isEqualTo(200);
        // the aggregator's availability probe
        assertThat(as(FRONT_PROXY_CA.client("front-proxy-client")).get("/apis/custom.metrics.k8s.io/v1beta2",
                "X-Remote-User", "system:kube-aggregator", "X-Remote-Group", "system:masters").statusCode())
                .isEqualTo(200);
        assertThat(kube.accessReviews()).hasSize(before);
    }

    @Test
    void healthPathsAreServedToAnyoneWithoutAReviewButDiscoveryIsReviewed() throws Exception {
        int before = kube.accessReviews().size();
        GateClient anonymous = as(null);
        for (String path : List.of("/healthz", "/livez", "/readyz", "/healthz/ping", "/readyz/informers")) {
            assertThat(anonymous.get(path).statusCode()).as(path).isEqualTo(200);
        }
        assertThat(kube.accessReviews()).hasSize(before);
        assertThat(anonymous.get("/healthzzz").statusCode()).isEqualTo(403);
        HttpResponse<String> discovery = anonymous.get("/apis/custom.metrics.k8s.io/v1beta1");
        assertStatus(discovery, 403, "Forbidden");
        assertThat(V1Status.fromJson(discovery.body()).getMessage()).isEqualTo(
                "forbidden: User \"system:anonymous\" cannot get path \"/apis/custom.metrics.k8s.io/v1beta1\"");
        assertThat(lastReview().getJsonObject("nonResourceAttributes")).isEqualTo(new JsonObject()
                .put("path", "/apis/custom.metrics.k8s.io/v1beta1").put("verb", "get"));
    }

    @Test
    void aValidTokenIsReviewedOnceAndServedAsItsUser() throws Exception {
        kube.addToken("token-of-carol", "carol", "gpu-readers");
        kube.policy(spec -> spec.getString("user").equals("carol"));
        GateClient anonymous = as(null);
        int before = kube.tokenReviews();
        assertThat(anonymous.get(PODS, "Authorization", "Bearer token-of-carol").statusCode()).isEqualTo(200);
        assertThat(lastReview().getJsonArray("groups")).isEqualTo(new JsonArray(List.of("gpu-readers",
                "system:authenticated")));
        assertThat(lastReview().getString("uid")).isEqualTo("uid-carol");
        assertThat(anonymous.get(PODS, "Authorization", "Bearer token-of-carol").statusCode()).isEqualTo(200);
        assertThat(kube.tokenReviews()).isEqualTo(before + 1);
        ticker.addAndGet(Duration.ofSeconds(11).toNanos());
        assertThat(anonymous.get(PODS, "Authorization", "Bearer token-of-carol").statusCode()).isEqualTo(200);
        assertThat(kube.tokenReviews()).isEqualTo(before + 2);
    }

    @Test
    void anInvalidTokenIsUnauthorizedAndThatTooIsCached() throws Exception {
        kube.policy(spec -> true);
        GateClient anonymous = as(null);
        int before = kube.tokenReviews();
        assertStatus(anonymous.get(PODS, "Authorization", "Bearer not-a-token"), 401, "Unauthorized");
        assertStatus(anonymous.get(PODS, "Authorization", "Bearer not-a-token"), 401, "Unauthorized");
        assertThat(kube.tokenReviews()).isEqualTo(before + 1);
        assertThat(kube.reviewedTokens().get(before)).isEqualTo("not-a-token");
    }

    @Test
    void allowedAndDeniedReviewsAreCachedEachForItsOwnTime() throws Exception {
        kube.policy(spec -> spec.getString("user").equals("dora"));
        GateClient dora = as(CLIENT_CA.client("dora"));
        GateClient eve = as(CLIENT_CA.client("eve"));
        int before = kube.accessReviews().size();
        assertThat(dora.get(PODS).statusCode()).isEqualTo(200);
        assertThat(eve.get(PODS).statusCode()).isEqualTo(403);
        assertThat(kube.accessReviews()).hasSize(before + 2);
        // the policy changes; cached answers stand until they expire
        kube.policy(spec -> spec.getString("user").equals("eve"));
        assertThat(dora.get(PODS).statusCode()).isEqualTo(200);
        assertThat(eve.get(PODS).statusCode()).isEqualTo(403);
        assertThat(kube.accessReviews()).hasSize(before + 2);
        ticker.addAndGet(DENIED_TTL.toNanos());
        assertThat(eve.get(PODS).statusCode()).isEqualTo(200);
        assertThat(dora.get(PODS).statusCode()).isEqualTo(200);
        assertThat(kube.accessReviews()).hasSize(before + 3);
        ticker.addAndGet(ALLOWED_TTL.toNanos());
        assertThat(dora.get(PODS).statusCode()).isEqualTo(403);
        assertThat(kube.accessReviews()).hasSize(before + 4);
        // another metric is another question
        assertThat(eve.get(PODS.replace(UTIL, "nvidia_gpu_memory_used_bytes")).statusCode()).isEqualTo(200);
        assertThat(kube.accessReviews()).hasSize(before + 5);
    }

    @Test
    void reviewsThatCannotBeMadeAreUnauthorizedForTokensAndInternalErrorsForAccessAndNotCached() throws Exception {
        kube.addToken("token-of-fred", "fred");
        kube.policy(spec -> true);
        kube.reviewsFail(true);
        GateClient anonymous = as(null);
        assertStatus(anonymous.get(PODS, "Authorization", "Bearer token-of-fred"), 401, "Unauthorized");
        assertStatus(as(CLIENT_CA.client("fred")).get(PODS), 500, "InternalError");
        kube.reviewsFail(false);
        assertThat(anonymous.get(PODS, "Authorization", "Bearer token-of-fred").statusCode()).isEqualTo(200);
        assertThat(as(CLIENT_CA.client("fred")).get(PODS).statusCode()).isEqualTo(200);
        assertThat(gate.tokenReviewFailures()).isPositive();
        assertThat(gate.accessReviewFailures()).isPositive();
    }

    @Test
    void aNewClientCaInTheConfigMapAppliesWithoutARestart() throws Exception {
        kube.policy(spec -> true);
        TestPki.Ca rotated = TestPki.ca("kubernetes-client-ca-2");
        long reloads = watch.reloads();
        try {
            kube.putConfigMap(configMap(rotated));
            Eventually.await(Duration.ofSeconds(20), "the new ConfigMap", () -> watch.reloads() > reloads);
            assertThat(as(rotated.client("grace")).get(PODS).statusCode()).isEqualTo(200);
            assertStatus(as(CLIENT_CA.client("grace")).get(PODS), 401, "Unauthorized");
        } finally {
            long again = watch.reloads();
            kube.putConfigMap(configMap(CLIENT_CA));
            Eventually.await(Duration.ofSeconds(20), "the first ConfigMap again", () -> watch.reloads() > again);
        }
        assertThat(as(CLIENT_CA.client("grace")).get(PODS).statusCode()).isEqualTo(200);
    }

    @Test
    void aCertificateOnlyForServersIsNotAClientCertificate() throws Exception {
        kube.policy(spec -> true);
        assertStatus(as(CLIENT_CA.serverOnly("bob")).get(PODS), 401, "Unauthorized");
    }

    @Test
    void withoutAuthenticationEveryoneIsAnonymousAndWithoutAuthorizationNobodyIsReviewed() throws Exception {
        KubeReviews reviews = new KubeReviews(kube.client());
        AuthOptions delegated = AuthOptions.delegated();
        DelegatedGate anonymousOnly = new DelegatedGate(new AuthOptions(AuthOptions.AuthenticationMode.NONE,
                AuthOptions.AuthorizationMode.DELEGATED, ALLOWED_TTL, DENIED_TTL, delegated.tokenTtl(),
                delegated.alwaysAllowPaths(), 100), watch, reviews, reviews, Clock.systemUTC(), ticker::get, null);
        DelegatedGate authenticateOnly = new DelegatedGate(new AuthOptions(AuthOptions.AuthenticationMode.DELEGATED,
                AuthOptions.AuthorizationMode.ALWAYS_ALLOW, ALLOWED_TTL, DENIED_TTL, delegated.tokenTtl(),
                delegated.alwaysAllowPaths(), 100), watch, reviews, reviews, Clock.systemUTC(), ticker::get, null);
        assertThat(anonymousOnly.requestsClientCertificates()).isFalse();
        HttpServer noAuthn = serve(anonymousOnly);
        HttpServer noAuthz = serve(authenticateOnly);
        try {
            kube.policy(spec -> spec.getString("user").equals("system:anonymous"));
            assertThat(as(noAuthn, null).get(PODS, "Authorization", "Bearer whatever", "X-Remote-User", "alice")
                    .statusCode()).isEqualTo(200);
            assertThat(lastReview().getString("user")).isEqualTo("system:anonymous");
            int reviewsBefore = kube.accessReviews().size();
            assertThat(as(noAuthz, CLIENT_CA.client("anyone")).get(PODS).statusCode()).isEqualTo(200);
            assertThat(as(noAuthz, null).get(PODS).statusCode()).isEqualTo(200);
            assertStatus(as(noAuthz, CLIENT_CA.expiredClient("anyone")).get(PODS), 401, "Unauthorized");
            assertThat(kube.accessReviews()).hasSize(reviewsBefore);
        } finally {
            noAuthn.close().await();
            noAuthz.close().await();
        }
    }
}
