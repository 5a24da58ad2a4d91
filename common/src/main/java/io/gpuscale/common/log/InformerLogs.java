package io.gpuscale.common.log;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The official Kubernetes client's informers log each of their threads' interruption as an
 * error with a stack trace (SEVERE, through SLF4J to java.util.logging) when they are stopped,
 * which is every clean shutdown. These records, and only these, are dropped: a real failure of
 * the same loggers (a handler that threw, a list that failed) is still logged.
 *
 * <p>The reflector also logs "Start listing and watching..." at INFO on every attempt, which is
 * once a second for as long as kube-apiserver cannot be reached: its logger is held at WARNING.
 * Our own code logs such an outage once, and again when it ends.
 */
public final class InformerLogs {
    /** The logger whose INFO records repeat on every list attempt. */
    static final String REFLECTOR = "io.kubernetes.client.informer.cache.ReflectorRunnable";

    /** The client's classes that log their own interruption on stop. */
    private static final List<String> LOGGERS = List.of(
            "io.kubernetes.client.informer.cache.Controller",
            "io.kubernetes.client.informer.cache.ProcessorListener",
            "io.kubernetes.client.informer.cache.SharedProcessor",
            REFLECTOR,
            "io.kubernetes.client.informer.impl.DefaultSharedIndexInformer");

    /** Held, so that java.util.logging does not collect the configured loggers (and forget the filter). */
    private static final List<Logger> HELD = LOGGERS.stream().map(Logger::getLogger).toList();

    static {
        for (Logger l : HELD) {
            l.setFilter(r -> !isInterruption(r.getThrown()));
            if (l.getName().equals(REFLECTOR)) {
                l.setLevel(Level.WARNING);
            }
        }
    }

    private InformerLogs() {
    }

    /** Installs the filter (once; later calls do nothing). */
    public static void quietInterruptions() {
        // the static initializer did the work
    }

    static boolean isInterruption(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }
}
