package io.gpuscale.common.log;

import java.util.List;
import java.util.logging.Logger;

/**
 * The official Kubernetes client's informers log each of their threads' interruption as an
 * error with a stack trace (SEVERE, through SLF4J to java.util.logging) when they are stopped,
 * which is every clean shutdown. These records, and only these, are dropped: a real failure of
 * the same loggers (a handler that threw, a list that failed) is still logged.
 */
public final class InformerLogs {
    /** The client's classes that log their own interruption on stop. */
    private static final List<String> LOGGERS = List.of(
            "io.kubernetes.client.informer.cache.Controller",
            "io.kubernetes.client.informer.cache.ProcessorListener",
            "io.kubernetes.client.informer.cache.SharedProcessor",
            "io.kubernetes.client.informer.cache.ReflectorRunnable",
            "io.kubernetes.client.informer.impl.DefaultSharedIndexInformer");

    /** Held, so that java.util.logging does not collect the configured loggers (and forget the filter). */
    private static final List<Logger> HELD = LOGGERS.stream().map(Logger::getLogger).toList();

    static {
        for (Logger l : HELD) {
            l.setFilter(r -> !isInterruption(r.getThrown()));
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
