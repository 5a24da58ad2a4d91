package io.gpuscale.deploy;

import io.gpuscale.common.tls.TrustAll;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A component's shaded jar started as its container would run it, and HTTP to it. */
final class Jvm implements AutoCloseable {
    /** Generous: a JVM, a TLS server and a first sample on a busy 2-core machine. */
    static final Duration STARTUP = Duration.ofSeconds(60);

    final Process process;
    final Path log;

    private Jvm(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * {@code java -jar JAR ARGS} with exactly the given environment on top of PATH and HOME (no
     * KUBERNETES_SERVICE_HOST or JAVA_TOOL_OPTIONS leak in from the build).
     */
    static Jvm start(String jarProperty, List<String> args, Map<String, String> env, Path log) throws IOException {
        String jar = System.getProperty(jarProperty);
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new AssertionError("system property " + jarProperty + " does not name the shaded jar (" + jar
                    + "): run this test with failsafe (mvn verify)");
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME"));
        e.putAll(env);
        return new Jvm(pb.start(), log);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** GETs the URL until it answers 200 or the deadline passes; the process must stay alive meanwhile. */
    HttpResponse<String> awaitOk(String url) throws InterruptedException {
        Instant deadline = Instant.now().plus(STARTUP);
        String last = "no answer";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("the process exited (" + process.exitValue() + ") before " + url
                        + " answered; its output:\n" + log());
            }
            try {
                HttpResponse<String> r = get(url);
                if (r.statusCode() == 200) {
                    return r;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError(url + " did not answer 200 within " + STARTUP.toSeconds() + " s (last: " + last
                + "); output:\n" + log());
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Trusts any server: the adapter's certificate here is self-signed or a stand-in's. */
    private static final HttpClient CLIENT = client();

    private static HttpClient client() {
        try {
            return HttpClient.newBuilder().sslContext(TrustAll.context()).connectTimeout(Duration.ofSeconds(30)).build();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
