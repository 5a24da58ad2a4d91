package io.gpuscale.adapter.http;

import io.gpuscale.adapter.tls.CertificateFileWatch;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.function.Function;

/**
 * Polls a certificate's files on a worker thread ({@link CertificateFileWatch}) and hands a valid
 * new pair to the server, which serves it to new handshakes while open connections keep theirs. A
 * broken pair, or one the TLS stack refuses, is logged and the current one kept. Runs until
 * {@link #stop()}.
 */
final class CertificateReload {
    private static final Logger LOG = System.getLogger(ApiServer.class.getName());

    private final Vertx vertx;
    private final CertificateFileWatch watch;
    private final long everyMillis;
    private final Function<ServingCertificate, Future<Boolean>> update;
    private volatile boolean stopped;
    private volatile long timer = -1;

    /** @param update puts a new certificate in use; completes once it is */
    CertificateReload(Vertx vertx, CertificateFileWatch watch, long everyMillis,
            Function<ServingCertificate, Future<Boolean>> update) {
        this.vertx = vertx;
        this.watch = watch;
        this.everyMillis = everyMillis;
        this.update = update;
    }

    /** Schedules the next poll. */
    void start() {
        if (stopped) {
            return;
        }
        timer = vertx.setTimer(everyMillis, id -> vertx.executeBlocking(watch::poll, false).onComplete(r -> {
            if (r.succeeded() && r.result().isPresent()) {
                update.apply(r.result().get()).onComplete(u -> {
                    if (u.failed()) {
                        LOG.log(Level.WARNING, "the new serving certificate was refused by the TLS stack, still "
                                + "serving the previous one: " + u.cause().getClass().getSimpleName());
                    }
                    start();
                });
            } else {
                start();
            }
        }));
    }

    /** No poll after this one. */
    void stop() {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}
