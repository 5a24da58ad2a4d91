package io.gpuscale.bench.nvml;

import com.sun.jna.NativeLibrary;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The NVML stand-in ({@code agent/src/test/native/fake_nvml.c}) that the bench build compiles into
 * {@code bench/target/native}, next to {@code benchmarks.jar}. The system property
 * {@value #PROPERTY} overrides where it is looked for.
 */
public final class FakeNvml {
    /** A full path to a {@code libnvidia-ml.so.1} to use instead of the one the build made. */
    public static final String PROPERTY = "gpuscale.bench.fakeNvml";

    private static final String FILE = "libnvidia-ml.so.1";

    private FakeNvml() {
    }

    /** The absolute path of the library; fails with what to do when it was not built. */
    public static String path() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return requireFile(Path.of(configured));
        }
        Path besideJar = codeLocation().resolveSibling("native").resolve(FILE);
        if (Files.isRegularFile(besideJar)) {
            return besideJar.toAbsolutePath().toString();
        }
        return requireFile(Path.of("bench", "target", "native", FILE));
    }

    /**
     * Starts the library over with {@code gpus} GPUs (at most 64), as {@code fakenvml_reset} does:
     * call it before a source opens, since it also forgets every {@code nvmlInit_v2}.
     */
    public static void reset(String path, int gpus) {
        NativeLibrary.getInstance(path).getFunction("fakenvml_reset").invokeVoid(new Object[] {gpus});
    }

    private static String requireFile(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("fake NVML library not found at " + p.toAbsolutePath()
                    + ": build it with `mvn -q -DskipTests package` (needs gcc) or pass -D" + PROPERTY + "=PATH");
        }
        return p.toAbsolutePath().toString();
    }

    /** {@code bench/target/benchmarks.jar} when run from the jar, {@code bench/target/classes} from an IDE. */
    private static Path codeLocation() {
        try {
            return new File(FakeNvml.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toPath();
        } catch (URISyntaxException | SecurityException e) {
            return Path.of("bench", "target", "benchmarks.jar");
        }
    }
}
