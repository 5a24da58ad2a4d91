package io.gpuscale.common.cli;

import picocli.CommandLine.Option;

/**
 * {@code --log-level} and {@code --log-format}, the same on the agent and the adapter: a picocli
 * mixin ({@code @Mixin LogOptions log;}). The values are checked where the configuration is built
 * ({@code Logging.level}, {@code Logging.format}), so that a bad one is a usage error in our words.
 */
public final class LogOptions {
    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
            description = "debug, info, warn or error (default: ${DEFAULT-VALUE}).")
    public String level;

    @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "text",
            description = "Log lines as text (time, level, logger, message, key=value context) or as one JSON "
                    + "object each (default: ${DEFAULT-VALUE}).")
    public String format;
}
