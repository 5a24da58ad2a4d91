package io.gpuscale.adapter.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code kubectl get --raw} against a test adapter, with its own HOME and no KUBECONFIG. */
public final class Kubectl {
    private Kubectl() {
    }

    public record Run(int exit, String out, String err) {
    }

    /**
     * {@code executable --server https://127.0.0.1:port --insecure-skip-tls-verify credentials... get --raw path},
     * its output and error kept in files under {@code home}.
     */
    public static Run getRaw(String executable, Path home, int port, List<String> credentials, String path)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(executable, "--server", "https://127.0.0.1:" + port,
                "--insecure-skip-tls-verify"));
        command.addAll(credentials);
        command.addAll(List.of("get", "--raw", path));
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("HOME", home.toString());
        pb.environment().remove("KUBECONFIG");
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl did not finish within 60s: " + path);
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
