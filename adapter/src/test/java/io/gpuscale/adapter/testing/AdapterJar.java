package io.gpuscale.adapter.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** The built adapter jar run as its own process, as a user would run it. */
public final class AdapterJar {
    /** The repository's root (the tests run in {@code adapter/}). */
    public static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    private AdapterJar() {
    }

    /** {@code java -jar gpuscale-adapter.jar args...}, output and error merged, no input. */
    public static Process start(String... args) throws IOException {
        String jar = System.getProperty("adapter.jar", ROOT.resolve("adapter/target/gpuscale-adapter.jar").toString());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    /** {@code java -jar gpuscale-adapter.jar args...}, output and error merged into {@code log}, no input. */
    public static Process start(Path log, String... args) throws IOException {
        String jar = System.getProperty("adapter.jar", ROOT.resolve("adapter/target/gpuscale-adapter.jar").toString());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    /** A command's exit status, and its output and error apart. */
    public record Run(int code, String out, String err) {
    }

    /**
     * {@code java -jar gpuscale-adapter.jar args...} to completion (90 s at most), no input, output
     * and error apart: a command as a user runs it.
     */
    public static Run run(String... args) throws IOException, InterruptedException {
        String jar = System.getProperty("adapter.jar", ROOT.resolve("adapter/target/gpuscale-adapter.jar").toString());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        java.util.concurrent.CompletableFuture<byte[]> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", args) + " did not finish within 90 s");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
    }

    /** The process's output lines as they come, read on a daemon thread. */
    public static BlockingQueue<String> lines(Process process) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    lines.add(line);
                }
            } catch (Exception e) {
                lines.add("read failed: " + e);
            }
        }, "adapter-output");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    /**
     * Hands each line to {@code onLine} until {@code done} or {@code timeout}; what was read, for an assertion's
     * description.
     */
    public static String readUntil(BlockingQueue<String> lines, Duration timeout, BooleanSupplier done,
            Consumer<String> onLine) throws InterruptedException {
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                continue;
            }
            seen.append(line).append('\n');
            onLine.accept(line);
        }
        return seen.toString();
    }

    /** Asks the process to stop, and kills it after 20 seconds; nothing where it never started. */
    public static void stop(Process process) throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
