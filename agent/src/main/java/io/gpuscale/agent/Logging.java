package io.gpuscale.agent;

import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** One line per event on standard error: time, level, logger, message. */
public final class Logging {
    private static final String FORMAT = "%1$tFT%1$tT.%1$tLZ %4$-7s %3$s: %5$s%6$s%n";

    private Logging() {
    }

    /**
     * Keeps log handlers open while the agent's own shutdown hook still logs; the JDK's default
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

        void release() {
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

    static void install() {
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", Manager.class.getName());
        }
        System.setProperty("java.util.logging.SimpleFormatter.format", FORMAT);
    }

    static void shutDown() {
        if (LogManager.getLogManager() instanceof Manager m) {
            m.release();
        }
    }

    static Level level(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "debug" -> Level.FINE;
            case "info" -> Level.INFO;
            case "warn", "warning" -> Level.WARNING;
            case "error" -> Level.SEVERE;
            default -> throw new IllegalArgumentException("'" + name + "' is not a level (debug, info, warn, error)");
        };
    }

    static void configure(Level level) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(new SimpleFormatter());
        handler.setLevel(level);
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        Logger.getLogger("io.gpuscale").setLevel(level);
    }
}
