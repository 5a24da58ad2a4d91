package io.gpuscale.adapter.cluster;

import java.nio.file.Path;

/** A cluster snapshot file that cannot be used; the message is one line naming the file and why. */
public final class ClusterFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ClusterFileException(Path file, String problem) {
        super("cluster file " + file + ": " + problem.replaceAll("\\s+", " ").strip());
    }
}
