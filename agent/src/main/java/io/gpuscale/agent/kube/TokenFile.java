package io.gpuscale.agent.kube;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.Supplier;

/**
 * A bearer token kept in a file, read again whenever the file changed: the kubelet rewrites a
 * projected service account token before it expires (bound tokens live about an hour), and a
 * kubeconfig's {@code tokenFile} may be rotated the same way. Checking costs one {@code stat}
 * per request; the agent makes a request every few minutes.
 */
final class TokenFile implements Supplier<String> {
    private final Path path;
    private FileTime modified;
    private long size = -1;
    private String token;

    TokenFile(Path path) {
        this.path = path;
    }

    /** The token; the last one read when the file cannot be read now (and none before). */
    @Override
    public synchronized String get() {
        try {
            // Follows the kubelet's ..data symlink, which it swaps when it writes a new token.
            FileTime now = Files.getLastModifiedTime(path);
            long length = Files.size(path);
            if (token == null || !now.equals(modified) || length != size) {
                token = Files.readString(path, StandardCharsets.UTF_8).strip();
                modified = now;
                size = length;
            }
        } catch (IOException e) {
            if (token == null) {
                throw new UncheckedIOException("cannot read the token file " + path + ": " + e.getMessage(), e);
            }
        }
        return token;
    }
}
