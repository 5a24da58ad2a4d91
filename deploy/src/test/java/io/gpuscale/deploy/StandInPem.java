package io.gpuscale.deploy;

import io.gpuscale.common.testing.Binaries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stand-ins for the files the manifests mount from Secrets, made with openssl: a CA (ca.crt), and
 * a serving certificate from it for the adapter's Service name with a SEC1 EC key (tls.crt,
 * tls.key), as cert-manager writes an ECDSA key by default.
 */
final class StandInPem {
    /** Flags whose value is a file a Secret provides, and which stand-in each gets. */
    static final Map<String, String> FILE_FLAGS = Map.of(
            "--tls-cert-file", "tls.crt",
            "--tls-private-key-file", "tls.key",
            "--scheduler-extender-client-ca-file", "ca.crt",
            "--agent-ca-file", "ca.crt");

    private final Path dir;

    private StandInPem(Path dir) {
        this.dir = dir;
    }

    static StandInPem make(Path dir) {
        StandInPem pem = new StandInPem(dir);
        String openssl = Binaries.find("openssl", "install the openssl package");
        pem.openssl(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-days", "2", "-subj", "/CN=gpuscale-test-ca", "-keyout", "ca.key", "-out", "ca.crt");
        pem.openssl(openssl, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "tls.key");
        pem.openssl(openssl, "req", "-new", "-key", "tls.key", "-subj", "/CN=gpuscale-adapter.gpuscale-system.svc",
                "-out", "tls.csr");
        try {
            Files.writeString(dir.resolve("san.ext"), "subjectAltName=DNS:gpuscale-adapter.gpuscale-system.svc\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pem.openssl(openssl, "x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", "san.ext", "-out", "tls.crt");
        return pem;
    }

    private void openssl(String openssl, String... args) {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "cd \"$0\" && exec \"$@\"", dir.toString(), openssl));
        cmd.addAll(List.of(args));
        Manifests.Result r = Manifests.run(cmd);
        if (r.exit() != 0) {
            throw new AssertionError("openssl " + args[0] + " failed: " + r.err());
        }
    }

    /**
     * The args with every file a Secret provides ({@link #FILE_FLAGS}, {@code --flag=/abs/path})
     * replaced by a stand-in at the same path under root.
     */
    List<String> rewrite(List<String> args, Path root) {
        List<String> out = new ArrayList<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            String flag = eq < 0 ? a : a.substring(0, eq);
            if (eq < 0 || !FILE_FLAGS.containsKey(flag)) {
                out.add(a);
                continue;
            }
            String value = a.substring(eq + 1);
            if (!value.startsWith("/")) {
                throw new AssertionError(flag + " must be an absolute path in the container: " + value);
            }
            Path standIn = root.resolve(value.substring(1));
            try {
                Files.createDirectories(standIn.getParent());
                Files.copy(dir.resolve(FILE_FLAGS.get(flag)), standIn);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.add(flag + "=" + standIn);
        }
        return out;
    }
}
