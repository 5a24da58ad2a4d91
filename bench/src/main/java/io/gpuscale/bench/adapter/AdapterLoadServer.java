package io.gpuscale.bench.adapter;

import com.sun.net.httpserver.HttpServer;
import io.gpuscale.adapter.Adapter;
import io.gpuscale.adapter.api.ApiOptions;
import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.MetricsApi;
import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.adapter.scrape.PrometheusTextParser;
import io.gpuscale.adapter.store.MetricStore;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The servers of {@code bench/load/adapter-load.sh}, in one JVM, all on 127.0.0.1:
 * <ul>
 * <li>the adapter ({@link Adapter#start}, HTTPS, 2 event loops) over the {@link Fleet}'s store and
 *     cluster; the store is refilled through the real parser every {@code --refresh-ms} (2 000,
 *     the default scrape interval) with fresh sample times, as scraping 125 agents would, so
 *     readings never go stale during a run;</li>
 * <li>a bare Vert.x HTTPS server (same TLS options, 2 event loops of its own) answering every
 *     request with a fixed body: the adapter's own answer to the benchmark query, bytes and headers
 *     alike;</li>
 * <li>a plain HTTP server (JDK) serving all 125 nodes' series plus {@code kube_pod_labels} as one
 *     exposition, for Prometheus to scrape.</li>
 * </ul>
 * Writes {@code ports.env} (shell variables), {@code cert.pem} and {@code key.pem} into
 * {@code --dir}, then serves until killed.
 */
public final class AdapterLoadServer {
    private AdapterLoadServer() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = null;
        long refreshMillis = 2000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--refresh-ms" -> refreshMillis = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (known: --dir DIR, --refresh-ms N)");
            }
        }
        if (dir == null) {
            throw new IllegalArgumentException("--dir DIR is required");
        }
        ServingCertificate cert = ServingCertificate.selfSigned(List.of("localhost", "127.0.0.1"), Clock.systemUTC());
        Files.writeString(dir.resolve("cert.pem"), cert.certificatePem());
        Files.writeString(dir.resolve("key.pem"), cert.privateKeyPem());

        MetricStore store = new MetricStore();
        PrometheusTextParser[] parsers = Fleet.parsers();
        Fleet.fill(store, parsers, System.currentTimeMillis());
        SnapshotClusterView cluster = Fleet.cluster();
        ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fleet-refresh");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleAtFixedRate(() -> Fleet.fill(store, parsers, System.currentTimeMillis()), refreshMillis,
                refreshMillis, TimeUnit.MILLISECONDS);

        ApiOptions options = ApiOptions.defaults();
        Adapter adapter = Adapter.start("127.0.0.1", 0, cert, store, cluster, options, false);

        // The bare handler's body: the adapter's own answer, rendered as ApiServer renders it.
        ApiResponse answer = new MetricsApi(store, cluster, options).handle("GET", Fleet.PODS_PATH, Fleet.PODS_QUERY,
                Instant.now());
        byte[] fixed = answer.body().render().getBytes(StandardCharsets.UTF_8);
        String contentType = answer.body().contentType();
        Buffer body = Buffer.buffer(fixed);
        Vertx bareVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(1));
        HttpServerOptions tls = new HttpServerOptions()
                .setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setCertValue(Buffer.buffer(cert.certificatePem()))
                        .setKeyValue(Buffer.buffer(cert.privateKeyPem())))
                .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"))
                .setUseAlpn(true)
                .setCompressionSupported(false);
        var bare = bareVertx.createHttpServer(tls).requestHandler(req -> req.response()
                .putHeader("Content-Type", contentType)
                .putHeader("Cache-Control", "no-cache, private")
                .putHeader("X-Content-Type-Options", "nosniff")
                .end(body));
        bare.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int n = 0; n < Fleet.NODES; n++) {
            all.write(Fleet.nodeBody(n, -1));
        }
        all.write(Fleet.kubePodLabels());
        byte[] exposition = all.toByteArray();
        HttpServer expo = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        expo.createContext("/metrics", ex -> {
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, exposition.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(exposition);
            }
        });
        expo.start();

        String env = "ADAPTER_PORT=" + adapter.port() + "\nBARE_PORT=" + bare.actualPort() + "\nEXPO_PORT="
                + expo.getAddress().getPort() + "\nBODY_BYTES=" + fixed.length + "\nEXPO_BYTES=" + exposition.length
                + "\nPODS_PATH='" + Fleet.PODS_PATH + "'\nPODS_QUERY='" + Fleet.PODS_QUERY + "'\nPROMQL_ENCODED='"
                + URLEncoder.encode(Fleet.PROMQL, StandardCharsets.UTF_8) + "'\nPROMQL='" + Fleet.PROMQL + "'\n";
        Path tmp = dir.resolve("ports.env.tmp");
        Files.writeString(tmp, env);
        Files.move(tmp, dir.resolve("ports.env"));
        System.out.println("serving: adapter https " + adapter.port() + ", bare https " + bare.actualPort()
                + ", exposition http " + expo.getAddress().getPort() + "; fixed body " + fixed.length + " B");

        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            refresher.shutdownNow();
            expo.stop(0);
            adapter.close();
            bareVertx.close();
            stop.countDown();
        }));
        stop.await();
    }
}
