package io.gpuscale.common.cli;

import java.io.PrintWriter;
import java.util.function.UnaryOperator;

import picocli.CommandLine;

/**
 * Usage errors the way gpuscale's commands report them: one line on stderr, then exit code 2.
 * A bad flag (picocli's {@link CommandLine.ParameterException}) and an {@link IllegalArgumentException}
 * thrown while a command runs are both usage errors; any other exception propagates.
 */
public final class UsageErrors {
    /** The exit code of a usage error. */
    public static final int EXIT_CODE = 2;

    private UsageErrors() {
    }

    /**
     * Installs the handlers on {@code cmd}.
     *
     * @param line the line to print, given the exception's message (the module adds its program name)
     */
    public static CommandLine install(CommandLine cmd, UnaryOperator<String> line) {
        return install(cmd, line, line);
    }

    /**
     * Installs the handlers on {@code cmd}, with {@code failureLine} for a {@link CommandFailure}
     * (the same one line and exit code, but no pointer to --help: the flags were right).
     */
    public static CommandLine install(CommandLine cmd, UnaryOperator<String> line, UnaryOperator<String> failureLine) {
        cmd.setParameterExceptionHandler((e, args) -> report(e, line));
        cmd.setExecutionExceptionHandler((e, c, parsed) -> {
            if (e instanceof CommandFailure) {
                return report(new CommandLine.ParameterException(c, e.getMessage()), failureLine);
            }
            if (e instanceof IllegalArgumentException) {
                return report(new CommandLine.ParameterException(c, e.getMessage()), line);
            }
            throw e;
        });
        return cmd;
    }

    /** Prints {@code line} applied to the message of {@code e} on the command's stderr; returns 2. */
    public static int report(CommandLine.ParameterException e, UnaryOperator<String> line) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println(line.apply(e.getMessage()));
        err.flush();
        return EXIT_CODE;
    }
}
