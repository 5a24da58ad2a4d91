package io.gpuscale.common.cli;

/**
 * A command that was used right but could not do its work (a server down or untrusted, a cluster
 * that cannot be listed): reported as one line on stderr with exit code 2, like a usage error,
 * but without pointing at --help.
 */
public final class CommandFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }

    public CommandFailure(String message) {
        super(message);
    }
}
