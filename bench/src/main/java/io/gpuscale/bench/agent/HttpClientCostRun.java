package io.gpuscale.bench.agent;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * What an HTTP client adds to a process that already serves HTTP with Vert.x (as the agent does),
 * for choosing the client of the agent's pod list and watch: loaded classes, metaspace used and
 * threads after one list-like GET and one streamed, watch-like GET over loopback, with Vert.x
 * core's HttpClient ({@code vertx}) or the JDK's java.net.http ({@code jdk}). Run each in its own
 * JVM with the agent's flags, e.g.
 * {@code java -Xms4m -Xmx64m -Xmn2m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp bench/target/benchmarks.jar
 * io.gpuscale.bench.agent.HttpClientCostRun vertx}. Prints one line.
 */
public final class HttpClientCostRun {
    private HttpClientCostRun() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !args[0].equals("vertx") && !args[0].equals("jdk")) {
            System.err.println("usage: HttpClientCostRun vertx|jdk");
            System.exit(2);
        }
        Vertx vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(r -> {
            if (r.getParam("watch") != null) {
                r.response().setChunked(true).write("{\"type\":\"ADDED\",\"object\":{}}\n");
                vertx.setTimer(200, t -> r.response().end());
            } else {
                r.response().end("{\"items\":[]}");
            }
        }).listen(0, "127.0.0.1").await();
        int port = server.actualPort();
        System.gc();
        Thread.sleep(500);
        long[] before = state();
        if (args[0].equals("vertx")) {
            HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions());
            for (String query : new String[] {"", "?watch=true"}) {
                HttpClientResponse response = client.request(new RequestOptions().setHost("127.0.0.1").setPort(port)
                        .setURI("/api/v1/pods" + query).setIdleTimeout(30_000)).compose(HttpClientRequest::send).await();
                response.body().await();
            }
        } else {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (String query : new String[] {"", "?watch=true"}) {
                HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/v1/pods" + query)).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream body = response.body()) {
                    body.readAllBytes();
                }
            }
        }
        System.gc();
        Thread.sleep(500);
        long[] after = state();
        System.out.printf("%s: +%d classes, +%.2f MiB metaspace used, +%d threads%n", args[0], after[0] - before[0],
                (after[1] - before[1]) / 1048576.0, after[2] - before[2]);
        System.exit(0);
    }

    private static long[] state() {
        long metaspace = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getName().equals("Metaspace")) {
                metaspace = pool.getUsage().getUsed();
            }
        }
        return new long[] {ManagementFactory.getClassLoadingMXBean().getLoadedClassCount(), metaspace,
                ManagementFactory.getThreadMXBean().getThreadCount()};
    }
}
