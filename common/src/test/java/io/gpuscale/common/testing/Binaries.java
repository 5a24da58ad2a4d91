package io.gpuscale.common.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** External programs the tests run (kubectl, promtool, prometheus, openssl), found on the PATH. */
public final class Binaries {
    private Binaries() {
    }

    /** The program's path, or an AssertionError that says how to get it. */
    public static String find(String name, String howToInstall) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError(name + " is not on the PATH: " + howToInstall);
    }
}
