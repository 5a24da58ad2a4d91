package io.gpuscale.adapter.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.api.Fixtures;
import io.gpuscale.adapter.testing.SecretVolume;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serving certificate is replaced on disk twice while clients keep asking (pooled HTTP/2 and
 * HTTP/1.1 clients, and clients that open a new TLS connection for every request): not one request
 * fails, new connections get the new certificate, and a connection opened before keeps working.
 */
class CertificateRotationIT {
    private static final String PATH = "/apis/custom.metrics.k8s.io/v1beta2/nodes/mainpc/" + Fixtures.UTIL;

    @TempDir
    Path dir;
    private Vertx vertx;
    private ApiServer server;
    private final ExecutorService load = Executors.newFixedThreadPool(6);

    @AfterEach
    void stop() throws Exception {
        load.shutdownNow();
        if (server != null) {
            server.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static BigInteger serialOfANewConnection(SSLContext ctx, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void rotatingTheCertificateTwiceUnderLoadFailsNoRequest() throws Exception {
        ServingCertificate a = ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null),
                Clock.systemUTC());
        ServingCertificate b = ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null),
                Clock.systemUTC());
        ServingCertificate c = ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null),
                Clock.systemUTC());
        Path first = SecretVolume.version(dir, "..2026_11_23_08_00_00.1", a);
        SecretVolume.swapData(dir, first);
        Path certFile = Files.createSymbolicLink(dir.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Path keyFile = Files.createSymbolicLink(dir.resolve("tls.key"), Path.of("..data/tls.key"));

        vertx = Vertx.vertx();
        server = ApiServer.start(vertx, Fixtures.api(true), List.of(), RequestGate.ALLOW_ALL,
                ServingCertificate.fromFiles(certFile, keyFile), ServerLimits.DEFAULTS.withRate(0, 0), "127.0.0.1", 0,
                Clock.fixed(Fixtures.NOW, ZoneOffset.UTC), false);
        server.watchCertificateFiles(certFile, keyFile, Duration.ofMillis(100));
        int port = server.port();
        SSLContext trustAll3 = TlsClients.trusting(a, b, c);
        URI uri = URI.create("https://127.0.0.1:" + port + PATH);

        // a connection opened before any rotation, used again after both
        SSLSocket early = (SSLSocket) trustAll3.getSocketFactory().createSocket("127.0.0.1", port);
        early.setSoTimeout(10_000);
        String keepAlive = "GET " + PATH + " HTTP/1.1\r\nHost: x\r\n\r\n";
        OutputStream earlyOut = early.getOutputStream();
        InputStream earlyIn = early.getInputStream();
        earlyOut.write(keepAlive.getBytes(StandardCharsets.US_ASCII));
        assertThat(TlsClients.code(TlsClients.readResponse(earlyIn))).isEqualTo(200);

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong ok = new AtomicLong();
        AtomicLong newConnections = new AtomicLong();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Future<?>> workers = new ArrayList<>();
        for (HttpClient.Version v : List.of(HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_2,
                HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_1_1)) {
            HttpClient client = HttpClient.newBuilder().sslContext(trustAll3).version(v).build();
            workers.add(load.submit(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(v + " status " + r.statusCode());
                        }
                    } catch (Exception e) {
                        failures.add(v + " " + e);
                    }
                }
            }));
        }
        for (int i = 0; i < 2; i++) {
            workers.add(load.submit(() -> {
                while (running.get()) {
                    try {
                        String r = TlsClients.raw(trustAll3, port, "GET " + PATH
                                + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                        if (TlsClients.code(r) == 200) {
                            ok.incrementAndGet();
                            newConnections.incrementAndGet();
                        } else {
                            failures.add("new connection: " + r.lines().findFirst().orElse("no response"));
                        }
                    } catch (Exception e) {
                        failures.add("new connection: " + e);
                    }
                }
            }));
        }

        await("the load runs", () -> ok.get() > 100 && newConnections.get() > 10);
        assertThat(serialOfANewConnection(trustAll3, port)).isEqualTo(TlsClients.x509(a).getSerialNumber());

        // rotation 1: cert-manager / kubelet style, the ..data symlink swapped atomically
        SecretVolume.swapData(dir, SecretVolume.version(dir, "..2026_11_23_09_00_00.2", b));
        BigInteger serialB = TlsClients.x509(b).getSerialNumber();
        await("new connections get certificate b", () -> serialOrNull(trustAll3, port, serialB));
        long afterFirst = ok.get();
        long newAfterFirst = newConnections.get();
        await("the load goes on with b", () -> ok.get() > afterFirst + 100 && newConnections.get() > newAfterFirst + 10);

        // rotation 2: both files rewritten in place, one after the other (a half-written pair in between)
        Path current = dir.resolve("..data").toRealPath();
        Files.writeString(current.resolve("tls.crt"), c.certificatePem());
        Files.writeString(current.resolve("tls.key"), c.privateKeyPem());
        BigInteger serialC = TlsClients.x509(c).getSerialNumber();
        await("new connections get certificate c", () -> serialOrNull(trustAll3, port, serialC));
        long afterSecond = ok.get();
        long newAfterSecond = newConnections.get();
        await("the load goes on with c", () -> ok.get() > afterSecond + 100 && newConnections.get() > newAfterSecond + 10);

        running.set(false);
        for (Future<?> w : workers) {
            w.get(30, TimeUnit.SECONDS);
        }
        assertThat(failures).as("failed requests during rotation").isEmpty();
        assertThat(server.certificate()).isEqualTo(c);

        earlyOut.write(keepAlive.getBytes(StandardCharsets.US_ASCII));
        assertThat(TlsClients.code(TlsClients.readResponse(earlyIn))).isEqualTo(200);
        assertThat(((X509Certificate) early.getSession().getPeerCertificates()[0]).getSerialNumber())
                .isEqualTo(TlsClients.x509(a).getSerialNumber());
        early.close();
    }

    private static boolean serialOrNull(SSLContext ctx, int port, BigInteger expected) {
        try {
            return expected.equals(serialOfANewConnection(ctx, port));
        } catch (Exception e) {
            throw new AssertionError("a new connection failed during rotation", e);
        }
    }
}
