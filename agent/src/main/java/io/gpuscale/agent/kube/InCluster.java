package io.gpuscale.agent.kube;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The API server of the cluster this process runs in, as a pod: its address from
 * {@code KUBERNETES_SERVICE_HOST} and {@code KUBERNETES_SERVICE_PORT}, the cluster's CA and the
 * service account token mounted under {@code /var/run/secrets/kubernetes.io/serviceaccount}. The
 * token file is read again whenever the kubelet rotates it.
 */
public final class InCluster {
    public static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    private InCluster() {
    }

    /** True when the environment names an API server (the process runs in a pod). */
    public static boolean available(Map<String, String> env) {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        return host != null && !host.isBlank();
    }

    /**
     * The API server as the environment and the mounted service account describe it.
     *
     * @param env the process environment ({@code System.getenv()})
     * @param serviceAccount the service account directory ({@link #SERVICE_ACCOUNT} in a pod)
     * @throws IOException when the CA or the token cannot be read
     */
    public static ApiServerAccess access(Map<String, String> env, Path serviceAccount) throws IOException {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("KUBERNETES_SERVICE_HOST is not set: not running in a pod");
        }
        String port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "443").strip();
        if (!port.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("KUBERNETES_SERVICE_PORT is not a port number: " + port);
        }
        String h = host.strip();
        String server = "https://" + (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port;
        byte[] ca = Files.readAllBytes(serviceAccount.resolve("ca.crt"));
        TokenFile token = new TokenFile(serviceAccount.resolve("token"));
        token.get(); // unreadable now: say so at start, not on the first request
        return new ApiServerAccess(server, ca, null, null, false, token);
    }
}
