package io.gpuscale.adapter.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.adapter.api.Fixtures;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.kubernetes.client.openapi.models.V1Status;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A malformed-input run against a running server with small limits: oversize headers and URIs,
 * huge selectors and bodies, slow clients, garbage and outdated TLS handshakes, plain HTTP on the
 * TLS port, too many requests and connections. Each is refused, and after each one the server
 * still answers a normal request with 200.
 */
class MalformedInputIT {
    private static final String UTIL_PATH = "/apis/custom.metrics.k8s.io/v1beta2/nodes/mainpc/" + Fixtures.UTIL;
    private static final String ECHO = "/test/v1/echo";
    private static final ServerLimits LIMITS = ServerLimits.DEFAULTS
            .withMaxHeaderBytes(4096)
            .withRequestTimeout(Duration.ofMillis(800))
            .withIdleTimeout(Duration.ofSeconds(30))
            .withRate(0, 0);

    private static Vertx vertx;
    private static ServingCertificate certificate;
    private static SSLContext trusting;
    private static ApiServer server;
    private static ApiServer limited;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        certificate = ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null), Clock.systemUTC());
        trusting = TlsClients.trusting(certificate);
        PostEndpoint echo = new EchoEndpoint(ECHO, 4096);
        Clock clock = Clock.fixed(Fixtures.NOW, ZoneOffset.UTC);
        server = ApiServer.start(vertx, Fixtures.api(true), List.of(echo), RequestGate.ALLOW_ALL, certificate, LIMITS,
                "127.0.0.1", 0, clock, false);
        limited = ApiServer.start(vertx, Fixtures.api(true), List.of(), RequestGate.ALLOW_ALL, certificate,
                LIMITS.withRate(1, 3).withMaxConnectionsPerClient(2), "127.0.0.1", 0, clock, false);
    }

    @AfterAll
    static void stop() throws Exception {
        for (ApiServer s : new ApiServer[] {server, limited}) {
            if (s != null) {
                s.close();
            }
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** After every case: a normal request on a new connection is still answered. */
    @AfterEach
    void stillServes() throws Exception {
        String r = TlsClients.raw(trusting, server.port(), "GET " + UTIL_PATH + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(TlsClients.code(r)).as(r).isEqualTo(200);
        assertThat(server.internalErrors()).isZero();
    }

    private static String get(String target, String extraHeaders) throws IOException {
        return TlsClients.raw(trusting, server.port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extraHeaders
                + "\r\n");
    }

    private static void assertStatus(String response, int code) throws IOException {
        assertThat(TlsClients.code(response)).as(response.lines().findFirst().orElse("no response")).isEqualTo(code);
        assertThat(V1Status.fromJson(TlsClients.body(response)).getCode()).isEqualTo(code);
    }

    @Test
    void oversizeHeadersAre431AndTheConnectionClosed() throws Exception {
        assertStatus(get(UTIL_PATH, "X-Big: " + "a".repeat(8000) + "\r\n"), 431);
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            many.append("X-H").append(i).append(": ").append("v".repeat(40)).append("\r\n");
        }
        assertStatus(get(UTIL_PATH, many.toString()), 431);
    }

    @Test
    void hugeUrisAndSelectorsAre414OrABadRequest() throws Exception {
        assertStatus(get("/apis/custom.metrics.k8s.io/v1beta2/nodes/" + "n".repeat(9000) + "/x", ""), 414);
        assertStatus(get("/" + "p".repeat(50_000), ""), 414);
        assertStatus(get(UTIL_PATH.replace("mainpc", "*") + "?labelSelector=" + "a%3Db,".repeat(1000), ""), 414);
        assertStatus(get(UTIL_PATH.replace("mainpc", "*") + "?labelSelector=" + "%3D".repeat(1000), ""), 400);
        assertStatus(get(UTIL_PATH.replace("mainpc", "*") + "?labelSelector=app+in+(" + "v,".repeat(1500), ""),
                400);
    }

    @Test
    void hugeBodiesAre413WithoutBeingRead() throws Exception {
        String post = TlsClients.raw(trusting, server.port(), "POST " + ECHO + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 1000000000\r\n\r\n");
        assertStatus(post, 413);
        String get = TlsClients.raw(trusting, server.port(), "GET " + UTIL_PATH + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 1000000000000\r\n\r\n");
        assertStatus(get, 413);
        String overflow = TlsClients.raw(trusting, server.port(), "GET " + UTIL_PATH + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 99999999999999999999999\r\n\r\n");
        assertStatus(overflow, 400);
        String negative = TlsClients.raw(trusting, server.port(), "POST " + ECHO + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: -5\r\n\r\n");
        assertThat(TlsClients.code(negative)).isEqualTo(400);
    }

    /**
     * Writes {@code bytes} one at a time, a little apart, until the server closes the connection;
     * returns whatever the server sent back. Fails if everything could be written without the server
     * closing: the deadline (0.8 s) is far shorter than the trickle (6 s).
     */
    private static String trickle(Socket s, byte[] bytes) throws Exception {
        s.setSoTimeout(20_000);
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        AtomicBoolean closed = new AtomicBoolean();
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
            } catch (IOException e) {
                // reset by the server: closed as well
            }
            closed.set(true);
            return got.toString(StandardCharsets.ISO_8859_1);
        });
        long paceNanos = TimeUnit.SECONDS.toNanos(6) / bytes.length;
        for (int i = 0; i < bytes.length && !closed.get(); i++) {
            try {
                out.write(bytes[i]);
                out.flush();
            } catch (IOException e) {
                break;
            }
            TimeUnit.NANOSECONDS.sleep(paceNanos);
        }
        String answer = reader.get(20, TimeUnit.SECONDS);
        assertThat(closed).as("the server closed the slow connection").isTrue();
        return answer;
    }

    @Test
    void aClientSendingItsHeadersByteByByteIsDisconnected() throws Exception {
        byte[] request = ("GET " + UTIL_PATH + " HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s".repeat(60) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", server.port())) {
            s.startHandshake();
            String answer = trickle(s, request);
            assertThat(answer).doesNotContain("200 OK");
        }
    }

    @Test
    void aClientSendingItsBodyByteByByteIsDisconnected() throws Exception {
        byte[] body = "b".repeat(120).getBytes(StandardCharsets.US_ASCII);
        try (SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("POST " + ECHO + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = trickle(s, body);
            assertThat(answer).doesNotContain("200 OK");
        }
    }

    @Test
    void aConnectionThatNeverHandshakesIsClosed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void garbageInsteadOfAClientHelloIsRefused() throws Exception {
        byte[] garbage = new byte[2048];
        new Random(42).nextBytes(garbage);
        for (byte[] attempt : List.of(garbage, "\u0016\u0003\u0001\u00ff\u00ffjunk".getBytes(StandardCharsets.ISO_8859_1),
                new byte[] {0x16, 0x03, 0x03, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00})) {
            assertThat(answerTo(attempt)).as("server's reply").satisfiesAnyOf(
                    r -> assertThat(r).isEmpty(),
                    r -> assertThat(r[0]).as("a TLS alert").isEqualTo((byte) 0x15));
        }
    }

    @Test
    void plainHttpOnTheTlsPortIsRefused() throws Exception {
        byte[] r = answerTo(("GET " + UTIL_PATH + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(r, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1 200");
    }

    @Test
    void tls10And11ClientHellosAreRefused() throws Exception {
        for (int minor : new int[] {1, 2}) {
            byte[] r = answerTo(clientHello(minor));
            assertThat(r).as("TLS 1.%d", minor - 1).isNotEmpty();
            assertThat(r[0]).as("an alert, not a ServerHello").isEqualTo((byte) 0x15);
        }
    }

    @Test
    void tls12WithoutAnAeadEcdheSuiteIsRefused() throws Exception {
        try (SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", server.port())) {
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            s.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
                    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"});
            assertThatThrownBy(s::startHandshake).isInstanceOf(SSLHandshakeException.class);
        }
        try (SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", server.port())) {
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            s.startHandshake();
            assertThat(s.getSession().getCipherSuite()).matches("TLS_ECDHE_ECDSA_WITH_(AES_\\d+_GCM|CHACHA20).*");
        }
    }

    @Test
    void tooManyRequestsFromOneClientAre429WithRetryAfter() throws Exception {
        int ok = 0;
        String refused = null;
        try (SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", limited.port())) {
            s.setSoTimeout(10_000);
            for (int i = 0; i < 10 && refused == null; i++) {
                s.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String r = TlsClients.readResponse(s.getInputStream());
                if (TlsClients.code(r) == 200) {
                    ok++;
                } else {
                    refused = r;
                }
            }
        }
        assertThat(ok).isBetween(3, 5); // the burst, and what trickled back in meanwhile
        assertThat(refused).isNotNull();
        assertStatus(refused, 429);
        assertThat(refused).containsPattern("(?i)retry-after: [1-9]");
        assertThat(V1Status.fromJson(TlsClients.body(refused)).getReason()).isEqualTo("TooManyRequests");
    }

    @Test
    void connectionsOverTheCapPerClientAreClosed() throws Exception {
        try (SSLSocket a = open(limited); SSLSocket b = open(limited); SSLSocket c = open(limited)) {
            c.setSoTimeout(10_000);
            int first;
            try {
                first = c.getInputStream().read();
            } catch (IOException e) {
                first = -1;
            }
            assertThat(first).as("the third connection is closed").isEqualTo(-1);
            assertThat(limited.refusedByLimits()).isPositive();
        }
    }

    private static SSLSocket open(ApiServer s) throws IOException {
        SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", s.port());
        socket.startHandshake();
        return socket;
    }

    /** Sends raw bytes on a plain TCP connection and returns what comes back until the server closes. */
    private static byte[] answerTo(byte[] bytes) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = s.getInputStream().read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
            } catch (IOException e) {
                // reset: closed
            }
            return got.toByteArray();
        }
    }

    /** A ClientHello of TLS 1.{@code minor - 1} offering only that version and CBC suites, as old clients send. */
    private static byte[] clientHello(int minor) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(3);
        body.write(minor);
        byte[] random = new byte[32];
        new Random(minor).nextBytes(random);
        body.writeBytes(random);
        body.write(0); // no session id
        int[] suites = {0xc009, 0xc013, 0xc00a, 0xc014, 0x002f, 0x0035};
        writeShort(body, suites.length * 2);
        for (int s : suites) {
            writeShort(body, s);
        }
        body.write(1);
        body.write(0); // null compression
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        writeShort(ext, 0x000a); // supported_groups: secp256r1
        writeShort(ext, 4);
        writeShort(ext, 2);
        writeShort(ext, 0x0017);
        writeShort(ext, 0x000b); // ec_point_formats: uncompressed
        writeShort(ext, 2);
        ext.write(1);
        ext.write(0);
        writeShort(body, ext.size());
        body.writeBytes(ext.toByteArray());
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.write(0x16);
        record.write(3);
        record.write(1);
        writeShort(record, body.size() + 4);
        record.write(1); // ClientHello
        record.write(0);
        writeShort(record, body.size());
        record.writeBytes(body.toByteArray());
        return record.toByteArray();
    }

    private static void writeShort(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8 & 0xff);
        out.write(v & 0xff);
    }
}
