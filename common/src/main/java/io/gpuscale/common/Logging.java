package io.gpuscale.common;

import io.gpuscale.common.log.JsonLogFormatter;
import io.gpuscale.common.log.TextLogFormatter;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * One line per event on standard error: time, level, logger, message and context, as text or as
 * JSON. The agent's and the adapter's {@code --log-level} and {@code --log-format}: {@link #level}
 * and {@link #format} parse them, {@link #configure} applies them (the level to gpuscale's own
 * loggers; libraries stay at info).
 */
public final class Logging {
    private static final String FORMAT = "%1$tFT%1$tT.%1$tLZ %4$-7s %3$s: %5$s%6$s%n";

    private Logging() {
    }

    /** {@code --log-format}: how each line is written. */
    public enum Format {
        /** {@code time LEVEL logger: message key=value ...} ({@link TextLogFormatter}). */
        TEXT,
        /** One JSON object per line ({@link JsonLogFormatter}). */
        JSON;

        java.util.logging.Formatter formatter() {
            return this == JSON ? new JsonLogFormatter() : new TextLogFormatter();
        }
    }

    /**
     * Keeps log handlers open while our own shutdown hook still logs; the JDK's default
     * manager closes them in a hook of its own, racing ours.
     */
    public static final class Manager extends LogManager {
        private volatile boolean released;

        @Override
        public void reset() {
            if (released || !inShutdown()) {
                super.reset();
            }
        }

        /** The console handler writes our text lines (context included) from the first record on. */
        @Override
        public String getProperty(String name) {
            if ("java.util.logging.ConsoleHandler.formatter".equals(name)) {
                return TextLogFormatter.class.getName();
            }
            return super.getProperty(name);
        }

        private void release() {
            released = true;
            super.reset();
        }

        private static boolean inShutdown() {
            try {
                Thread probe = new Thread(() -> { });
                Runtime.getRuntime().addShutdownHook(probe);
                Runtime.getRuntime().removeShutdownHook(probe);
                return false;
            } catch (IllegalStateException e) {
                return true;
            }
        }
    }

    /** Before anything touches java.util.logging: the log manager below and the line format. */
    public static void install() {
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", Manager.class.getName());
        }
        System.setProperty("java.util.logging.SimpleFormatter.format", FORMAT);
    }

    /** Lets the log handlers close; the last call of a shutdown hook that still logged. */
    public static void shutDown() {
        if (LogManager.getLogManager() instanceof Manager m) {
            m.release();
        }
    }

    /** {@code debug}, {@code info}, {@code warn} or {@code error}, any case; IllegalArgumentException otherwise. */
    public static Level level(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "debug" -> Level.FINE;
            case "info" -> Level.INFO;
            case "warn", "warning" -> Level.WARNING;
            case "error" -> Level.SEVERE;
            default -> throw new IllegalArgumentException("'" + name + "' is not a level (debug, info, warn, error)");
        };
    }

    /** {@code text} or {@code json}, any case; IllegalArgumentException otherwise. */
    public static Format format(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "text" -> Format.TEXT;
            case "json" -> Format.JSON;
            default -> throw new IllegalArgumentException("'" + name + "' is not a log format (text, json)");
        };
    }

    /** {@link #configure(Level, Format)} with text lines. */
    public static void configure(Level level) {
        configure(level, Format.TEXT);
    }

    /** One console handler on the root logger writing {@code format}; gpuscale's loggers at {@code level}, the rest at info. */
    public static void configure(Level level, Format format) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(format.formatter());
        handler.setLevel(level);
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        Logger.getLogger("io.gpuscale").setLevel(level);
    }
}
