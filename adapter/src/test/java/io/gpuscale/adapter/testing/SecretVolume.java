package io.gpuscale.adapter.testing;

import io.gpuscale.adapter.tls.ServingCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A TLS Secret volume as the kubelet lays it out: tls.crt -> ..data/tls.crt, ..data -> ..TIMESTAMP. */
public final class SecretVolume {
    private SecretVolume() {
    }

    /** A version directory {@code dir/name} holding {@code c}'s tls.crt and tls.key. */
    public static Path version(Path dir, String name, ServingCertificate c) throws Exception {
        Path version = Files.createDirectory(dir.resolve(name));
        Files.writeString(version.resolve("tls.crt"), c.certificatePem());
        Files.writeString(version.resolve("tls.key"), c.privateKeyPem());
        return version;
    }

    /** The kubelet's atomic update: a new ..data symlink to {@code version} renamed over the old. */
    public static void swapData(Path dir, Path version) throws Exception {
        Path tmp = dir.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, version.getFileName());
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
