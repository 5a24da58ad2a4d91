package io.gpuscale.adapter.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Fixtures;
import io.gpuscale.adapter.api.PlainText;
import io.gpuscale.adapter.api.Status;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.kubernetes.client.openapi.models.V1Status;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hooks other servers build on: every request, cached answers included, passes the
 * {@link RequestGate} first; POST endpoints get their bounded body on their exact path; a server
 * without the metrics API serves its POST endpoints and the health checks only.
 */
class GateAndPostEndpointIT {
    private static final String DENY = "X-Test-Deny";
    private static final String ECHO = "/test/v1/echo";
    private static final int ECHO_MAX = 1024;

    private static Vertx vertx;
    private static ApiServer metrics;
    private static ApiServer postOnly;
    private static ServingCertificate certificate;
    private static final AtomicInteger gateCalls = new AtomicInteger();

    /**
     * Refuses requests carrying {@link #DENY}, as a 403 Status, a millisecond later and from a thread
     * of its own (as a review answered by an HTTP client's thread would).
     */
    static final class HeaderGate implements RequestGate {
        private final ScheduledExecutorService reviewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "test-reviewer");
            t.setDaemon(true);
            return t;
        });

        @Override
        public Future<ApiResponse> admit(HttpServerRequest request) {
            gateCalls.incrementAndGet();
            boolean deny = request.getHeader(DENY) != null;
            Promise<ApiResponse> answer = Promise.promise();
            reviewer.schedule(() -> answer.complete(deny
                    ? ApiResponse.failure(new Status(403, "Forbidden", "denied by the test gate", null)) : null),
                    1, TimeUnit.MILLISECONDS);
            return answer.future();
        }
    }

    /** Answers with the body it got, upper-cased, and its content type. */
    static final class Echo implements PostEndpoint {
        @Override
        public String path() {
            return ECHO;
        }

        @Override
        public long maxBodyBytes() {
            return ECHO_MAX;
        }

        @Override
        public ApiResponse handle(String contentType, byte[] body, Instant now) {
            if (body.length == 0) {
                return ApiResponse.failure(Status.badRequest("empty body"));
            }
            return ApiResponse.ok(new PlainText(contentType + ":"
                    + new String(body, StandardCharsets.UTF_8).toUpperCase(java.util.Locale.ROOT)));
        }
    }

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        certificate = ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null), Clock.systemUTC());
        Clock clock = Clock.fixed(Fixtures.NOW, ZoneOffset.UTC);
        metrics = ApiServer.start(vertx, Fixtures.api(true), List.of(new Echo()), new HeaderGate(), certificate,
                ServerLimits.DEFAULTS, "127.0.0.1", 0, clock, false);
        postOnly = ApiServer.start(vertx, null, List.of(new Echo()), RequestGate.ALLOW_ALL, certificate,
                ServerLimits.DEFAULTS, "127.0.0.1", 0, clock, false);
    }

    @AfterAll
    static void stop() throws Exception {
        for (ApiServer s : new ApiServer[] {metrics, postOnly}) {
            if (s != null) {
                s.close();
            }
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static URI uri(ApiServer s, String path) {
        return URI.create("https://127.0.0.1:" + s.port() + path);
    }

    private static HttpResponse<String> send(HttpClient.Version version, HttpRequest request) throws Exception {
        return TlsClients.http(version, certificate).send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aCachedAnswerStillPassesTheGateFirst() throws Exception {
        String path = "/apis/custom.metrics.k8s.io/v1beta2/nodes/mainpc/" + Fixtures.UTIL;
        HttpResponse<String> first = send(HttpClient.Version.HTTP_2, HttpRequest.newBuilder(uri(metrics, path)).build());
        assertThat(first.statusCode()).isEqualTo(200);
        int before = gateCalls.get();
        HttpResponse<String> denied = send(HttpClient.Version.HTTP_2,
                HttpRequest.newBuilder(uri(metrics, path)).header(DENY, "1").build());
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(V1Status.fromJson(denied.body()).getReason()).isEqualTo("Forbidden");
        assertThat(gateCalls.get()).isGreaterThan(before);
    }

    @Test
    void aPostEndpointGetsItsBodyOnAWorkerAndOtherMethodsAre405WithAllowPost() throws Exception {
        for (HttpClient.Version v : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
            HttpResponse<String> ok = send(v, HttpRequest.newBuilder(uri(metrics, ECHO))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"pod\":\"x\"}")).build());
            assertThat(ok.statusCode()).as("%s", v).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("application/json:{\"POD\":\"X\"}");
            HttpResponse<String> get = send(v, HttpRequest.newBuilder(uri(metrics, ECHO)).build());
            assertThat(get.statusCode()).isEqualTo(405);
            assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        }
        HttpResponse<String> denied = send(HttpClient.Version.HTTP_1_1, HttpRequest.newBuilder(uri(metrics, ECHO))
                .header(DENY, "1").POST(HttpRequest.BodyPublishers.ofString("x".repeat(500))).build());
        assertThat(denied.statusCode()).isEqualTo(403);
    }

    @Test
    void aBodyOverTheEndpointsLimitIs413DeclaredOrStreamed() throws Exception {
        SSLContext ctx = TlsClients.trusting(certificate);
        String declared = TlsClients.raw(ctx, metrics.port(), "POST " + ECHO + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: " + (ECHO_MAX + 1) + "\r\n\r\n");
        assertThat(TlsClients.code(declared)).isEqualTo(413);
        assertThat(V1Status.fromJson(TlsClients.body(declared)).getReason()).isEqualTo("RequestEntityTooLarge");
        StringBuilder chunked = new StringBuilder("POST " + ECHO + " HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 8; i++) {
            chunked.append("200\r\n").append("y".repeat(0x200)).append("\r\n");
        }
        chunked.append("0\r\n\r\n");
        assertThat(TlsClients.code(TlsClients.raw(ctx, metrics.port(), chunked.toString()))).isEqualTo(413);
        HttpResponse<String> h2 = send(HttpClient.Version.HTTP_2, HttpRequest.newBuilder(uri(postOnly, ECHO))
                .POST(HttpRequest.BodyPublishers.ofString("z".repeat(ECHO_MAX * 4))).build());
        assertThat(h2.statusCode()).isEqualTo(413);
    }

    @Test
    void aPostWithoutLengthIs411AndABadLengthIs400() throws Exception {
        SSLContext ctx = TlsClients.trusting(certificate);
        assertThat(TlsClients.code(TlsClients.raw(ctx, postOnly.port(), "POST " + ECHO + " HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n\r\n"))).isEqualTo(411);
        assertThat(TlsClients.code(TlsClients.raw(ctx, postOnly.port(), "POST " + ECHO + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 12x\r\n\r\n"))).isEqualTo(400);
        HttpResponse<String> empty = send(HttpClient.Version.HTTP_1_1, HttpRequest.newBuilder(uri(postOnly, ECHO))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(empty.statusCode()).isEqualTo(400);
    }

    @Test
    void aServerWithoutTheMetricsApiServesHealthAndItsEndpointsOnly() throws Exception {
        for (String health : List.of("/healthz", "/livez", "/readyz")) {
            HttpResponse<String> r = send(HttpClient.Version.HTTP_2, HttpRequest.newBuilder(uri(postOnly, health))
                    .build());
            assertThat(r.statusCode()).as(health).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok");
        }
        HttpResponse<String> other = send(HttpClient.Version.HTTP_2,
                HttpRequest.newBuilder(uri(postOnly, "/apis/custom.metrics.k8s.io/v1beta2")).build());
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(V1Status.fromJson(other.body()).getCode()).isEqualTo(404);
        HttpResponse<String> ok = send(HttpClient.Version.HTTP_2, HttpRequest.newBuilder(uri(postOnly, ECHO))
                .POST(HttpRequest.BodyPublishers.ofString("abc")).build());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("null:ABC");
    }
}
