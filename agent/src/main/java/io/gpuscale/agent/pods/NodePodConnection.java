package io.gpuscale.agent.pods;

import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.log.RepeatedLog;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether this node's pods can be listed and watched, logged once per outage: the informer
 * retries with a backoff, and a log line per retry would bury everything else.
 */
final class NodePodConnection {
    private static final Logger LOG = System.getLogger(NodePodInformer.class.getName());
    /** Pods that fail again and again after working in between log a line a minute. */
    private final RepeatedLog repeated = new RepeatedLog(LOG);

    private final String nodeName;
    private final String server;
    private final AtomicLong failures = new AtomicLong();
    private long failuresThisOutage;
    private Throwable lastFailure;
    private volatile boolean down;
    /** Whether the start of the current outage was logged (its end is then logged too). */
    private boolean downLogged;

    NodePodConnection(String nodeName, String server) {
        this.nodeName = nodeName;
        this.server = server;
    }

    /** Counts a failed list or watch; the same exception reported twice counts once. */
    synchronized void failed(Throwable t) {
        if (t == lastFailure) {
            return;
        }
        lastFailure = t;
        failures.incrementAndGet();
        failuresThisOutage++;
        if (!down) {
            down = true;
            downLogged = repeated.log(Level.WARNING, "pods", "cannot list or watch pods; retrying with a backoff (1-30 s), "
                    + "logging again once it works", LogFields.of("node", nodeName, "server", server, "reason", describe(t)));
        } else {
            LOG.log(Level.DEBUG, "pods still unavailable", LogFields.of("node", nodeName, "server", server,
                    "reason", describe(t)));
        }
    }

    /** Records a successful list or watch request. */
    synchronized void succeeded() {
        lastFailure = null;
        if (down) {
            down = false;
            if (downLogged) {
                LOG.log(Level.INFO, "listing and watching pods again", LogFields.of("node", nodeName, "server", server,
                        "failed_attempts", failuresThisOutage));
            }
            failuresThisOutage = 0;
        }
    }

    /** Failed list and watch requests since start. */
    long failures() {
        return failures.get();
    }

    /** True from a failure until the next successful request. */
    boolean down() {
        return down;
    }

    static String describe(Throwable t) {
        if (t instanceof ApiStatusException e) {
            return e.getMessage();
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
