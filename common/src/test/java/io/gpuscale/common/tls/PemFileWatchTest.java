package io.gpuscale.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which changes of the two files are handed over, and which are not; the loader stands in for the TLS checks. */
class PemFileWatchTest {
    @TempDir
    Path dir;

    private int loads;

    /** A pair is whole when the key file says "key of" what the certificate file says. */
    private PemFileWatch<String> watch(Path cert, Path key) {
        return new PemFileWatch<>(cert, key, "test certificate", (c, k) -> {
            loads++;
            String certificate = new String(c, StandardCharsets.US_ASCII);
            if (!new String(k, StandardCharsets.US_ASCII).equals("key of " + certificate)) {
                throw new IllegalArgumentException("the key does not belong to " + certificate);
            }
            return certificate;
        });
    }

    private static void write(Path cert, Path key, String name) throws Exception {
        Files.writeString(cert, name);
        Files.writeString(key, "key of " + name);
    }

    @Test
    void loadReadsTheFilesAndRefusesWhatTheLoaderRefuses() throws Exception {
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        assertThatThrownBy(() -> watch(cert, key).load()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot read " + cert + " (NoSuchFileException)");
        Files.writeString(cert, "a");
        Files.writeString(key, "key of b");
        assertThatThrownBy(() -> watch(cert, key).load()).hasMessage("the key does not belong to a");
        write(cert, key, "a");
        assertThat(watch(cert, key).load()).isEqualTo("a");
    }

    @Test
    void unchangedFilesGiveNothingAndARewrittenPairIsHandedOverOnce() throws Exception {
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        write(cert, key, "a");
        PemFileWatch<String> watch = watch(cert, key);
        watch.load();
        assertThat(watch.poll()).isEmpty();
        assertThat(loads).isEqualTo(1); // an unchanged pair is not loaded again
        write(cert, key, "b");
        assertThat(watch.poll()).contains("b");
        assertThat(watch.poll()).isEmpty();
    }

    @Test
    void aPairTakenAsInUseIsNotHandedOver() throws Exception {
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        write(cert, key, "a");
        PemFileWatch<String> watch = watch(cert, key);
        watch.inUse("a", "key of a");
        assertThat(watch.poll()).isEmpty();
        assertThat(loads).isZero();
    }

    @Test
    void aHalfWrittenOrMismatchedPairIsNotHandedOverUntilItIsWhole() throws Exception {
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        write(cert, key, "a");
        PemFileWatch<String> watch = watch(cert, key);
        watch.load();
        Files.writeString(cert, "b"); // the key still a's
        assertThat(watch.poll()).isEmpty();
        assertThat(watch.poll()).isEmpty();
        Files.writeString(key, "key"); // truncated mid-write
        assertThat(watch.poll()).isEmpty();
        Files.delete(key);
        assertThat(watch.poll()).isEmpty();
        Files.writeString(key, "key of b");
        assertThat(watch.poll()).contains("b");
    }

    @Test
    void anAtomicSwapOfTheDataSymlinkIsFollowed() throws Exception {
        // a Secret volume: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>, swapped by a rename
        Path v1 = Files.createDirectory(dir.resolve("..2026_11_23_08_00_00.1"));
        write(v1.resolve("tls.crt"), v1.resolve("tls.key"), "a");
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Path cert = Files.createSymbolicLink(dir.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Path key = Files.createSymbolicLink(dir.resolve("tls.key"), Path.of("..data/tls.key"));
        PemFileWatch<String> watch = watch(cert, key);
        assertThat(watch.load()).isEqualTo("a");
        assertThat(watch.poll()).isEmpty();

        Path v2 = Files.createDirectory(dir.resolve("..2026_11_23_09_00_00.2"));
        write(v2.resolve("tls.crt"), v2.resolve("tls.key"), "b");
        Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        assertThat(watch.poll()).contains("b");
        assertThat(watch.poll()).isEmpty();
    }
}
