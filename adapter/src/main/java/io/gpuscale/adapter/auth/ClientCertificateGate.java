package io.gpuscale.adapter.auth;

import io.gpuscale.adapter.http.RequestGate;
import io.gpuscale.adapter.tls.AcceptAnyClientCertificate;
import io.gpuscale.common.log.LogFields;
import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Status;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mutual TLS for a port that only one kind of client calls, the scheduler extender's
 * ({@code serve --scheduler-extender-client-ca-file}): the handshake asks for a client certificate
 * (and accepts any, see {@link AcceptAnyClientCertificate}), and each request is admitted only when
 * the presented chain verifies against the CA bundle of that moment ({@link ClientCertificateVerifier}:
 * PKIX path, every certificate within its dates, the leaf for client authentication when it lists
 * its extended key usages) and, when names are given, the leaf's CN is one of them. No certificate,
 * or one that does not verify, is a 401 {@link Status}; a verified certificate with another CN is a
 * 403. {@code /healthz}, {@code /livez} and {@code /readyz} (and paths below them) are served to
 * anyone, for the kubelet's probes.
 *
 * <p>The bundle is read again every {@code poll} through its path and compared by content hash, as
 * {@link io.gpuscale.adapter.tls.CertificateFileWatch} does for the serving pair, so a rewrite and a
 * Secret or ConfigMap volume's {@code ..data} symlink swap are both noticed and applied without a
 * restart. A new bundle that cannot be read or parsed keeps the previous one; it is logged once
 * (when still broken on the next poll, so a file caught half written is not reported), never with
 * any of its content.
 */
public final class ClientCertificateGate implements RequestGate, AutoCloseable {
    private static final Logger LOG = System.getLogger(ClientCertificateGate.class.getName());
    /** How often {@link #start} re-reads the bundle. */
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(1);
    private static final Status UNAUTHORIZED = new Status(401, "Unauthorized", "Unauthorized", null);
    private static final List<String> OPEN_PATHS = List.of("/healthz", "/livez", "/readyz");

    /** The bundle in use and the hash of the bytes it was read from. */
    private record Bundle(Set<TrustAnchor> anchors, byte[] hash) {
    }

    private final Path caFile;
    private final String flag;
    private final Set<String> allowedNames;
    private final Clock clock;
    private volatile Bundle bundle;
    private final ScheduledExecutorService poller;
    private final AtomicLong unauthorized = new AtomicLong();
    private final AtomicLong forbidden = new AtomicLong();
    private final AtomicLong polls = new AtomicLong();
    private final AtomicBoolean unauthorizedLogged = new AtomicBoolean();
    private final AtomicBoolean forbiddenLogged = new AtomicBoolean();
    private byte[] brokenSeen;
    private byte[] brokenLogged;

    /**
     * Reads the bundle once; nothing polls it (call {@link #poll()}).
     *
     * @param flag the flag that named the file, for messages
     * @param allowedNames CNs admitted; empty admits any verified certificate
     * @throws IllegalArgumentException when the file cannot be read or holds no PEM certificate
     */
    ClientCertificateGate(Path caFile, String flag, Collection<String> allowedNames, Clock clock,
            ScheduledExecutorService poller) {
        this.caFile = caFile;
        this.flag = flag;
        this.allowedNames = Set.copyOf(new LinkedHashSet<>(allowedNames));
        this.clock = clock;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(caFile);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + caFile + " (" + e.getClass().getSimpleName() + ")", e);
        }
        this.bundle = new Bundle(parse(caFile, bytes), hash(bytes));
        this.poller = poller;
    }

    /**
     * The gate for {@code caFile}, re-reading it every {@code every} on a daemon thread until
     * {@link #close()}.
     *
     * @throws IllegalArgumentException when the file cannot be read or holds no PEM certificate
     */
    public static ClientCertificateGate start(Path caFile, String flag, Collection<String> allowedNames,
            Duration every) {
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gpuscale-client-ca-watch");
            t.setDaemon(true);
            return t;
        });
        ClientCertificateGate gate;
        try {
            gate = new ClientCertificateGate(caFile, flag, allowedNames, Clock.systemUTC(), poller);
        } catch (RuntimeException e) {
            poller.shutdownNow();
            throw e;
        }
        long ms = Math.max(1, every.toMillis());
        poller.scheduleWithFixedDelay(gate::pollQuietly, ms, ms, TimeUnit.MILLISECONDS);
        return gate;
    }

    /**
     * Checks that {@code caFile} is a readable PEM bundle of at least one certificate, as
     * {@link #start} will read it.
     *
     * @throws IllegalArgumentException saying what is wrong, without any of the file's content
     */
    public static void check(Path caFile) {
        try {
            parse(caFile, Files.readAllBytes(caFile));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + caFile + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    @Override
    public boolean requestsClientCertificates() {
        return true;
    }

    @Override
    public Future<ApiResponse> admit(HttpServerRequest request) {
        if (open(request.path())) {
            return Future.succeededFuture();
        }
        List<X509Certificate> chain = DelegatedGate.peerChain(request);
        String why = ClientCertificateVerifier.verify(chain, bundle.anchors(), clock.instant());
        if (why != null) {
            unauthorized.incrementAndGet();
            refused(unauthorizedLogged, 401, request, why);
            return Future.succeededFuture(ApiResponse.failure(UNAUTHORIZED));
        }
        if (!allowedNames.isEmpty() && !allowedNames.contains(Authenticator.commonName(chain.get(0)))) {
            forbidden.incrementAndGet();
            refused(forbiddenLogged, 403, request, "the client certificate's common name is not allowed");
            return Future.succeededFuture(ApiResponse.failure(new Status(403, "Forbidden",
                    "forbidden: the client certificate's common name is not allowed on this port", null)));
        }
        return Future.succeededFuture();
    }

    /** The first refusal of each kind is a WARNING (a misconfigured scheduler is otherwise silent), later ones DEBUG. */
    private static void refused(AtomicBoolean logged, int code, HttpServerRequest request, String why) {
        boolean first = logged.compareAndSet(false, true);
        LOG.log(first ? Level.WARNING : Level.DEBUG, "answered " + code + (first ? " (logged once, then counted)" : ""),
                LogFields.of("method", request.method().name(), "path", request.path(), "client",
                        request.remoteAddress() == null ? "?" : request.remoteAddress().hostAddress(), "reason", why));
    }

    private static boolean open(String path) {
        if (path == null) {
            return false;
        }
        for (String p : OPEN_PATHS) {
            if (path.equals(p) || path.startsWith(p + "/")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads the file once and swaps in its bundle when it changed and parses.
     *
     * @return true when a new bundle is now in use
     */
    synchronized boolean poll() {
        try {
            return reread();
        } finally {
            polls.incrementAndGet();
        }
    }

    private boolean reread() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(caFile);
        } catch (IOException e) {
            broken(hash(e.getClass().getName().getBytes(StandardCharsets.UTF_8)),
                    "cannot read " + caFile + " (" + e.getClass().getSimpleName() + ")");
            return false;
        }
        byte[] h = hash(bytes);
        if (Arrays.equals(h, bundle.hash())) {
            brokenSeen = null;
            return false;
        }
        Set<TrustAnchor> anchors;
        try {
            anchors = parse(caFile, bytes);
        } catch (IllegalArgumentException e) {
            broken(h, e.getMessage());
            return false;
        }
        bundle = new Bundle(anchors, h);
        brokenSeen = null;
        brokenLogged = null;
        LOG.log(Level.INFO, flag + " changed on disk: its certificates are now trusted for client certificates",
                LogFields.of("file", caFile, "certificates", anchors.size()));
        return true;
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "re-reading " + flag + " failed: " + e.getClass().getSimpleName());
        }
    }

    /** A broken file is logged when seen on two polls in a row, and once only. */
    private void broken(byte[] h, String why) {
        if (Arrays.equals(h, brokenSeen) && !Arrays.equals(h, brokenLogged)) {
            LOG.log(Level.WARNING, "new " + flag + " not loaded, still trusting the previous bundle",
                    LogFields.of("reason", why));
            brokenLogged = h;
        }
        brokenSeen = h;
    }

    /** The bundle's certificates; an empty or blank file is an error too (a truncated rewrite must not trust nothing). */
    private static Set<TrustAnchor> parse(Path file, byte[] bytes) {
        String pem = new String(bytes, StandardCharsets.US_ASCII);
        if (pem.isBlank()) {
            throw new IllegalArgumentException(file + ": no certificate in the bundle");
        }
        return AuthenticationConfig.anchors(file.toString(), pem);
    }

    private static byte[] hash(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Polls of the file so far, finished ones only. */
    long polls() {
        return polls.get();
    }

    /** The certificates trusted now. */
    int trustedCertificates() {
        return bundle.anchors().size();
    }

    /** Requests refused with 401 since start. */
    public long unauthorized() {
        return unauthorized.get();
    }

    /** Requests refused with 403 since start. */
    public long forbidden() {
        return forbidden.get();
    }

    /** The CNs admitted; empty for any. */
    public Set<String> allowedNames() {
        return allowedNames;
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "client certificates from " + caFile + (allowedNames.isEmpty() ? "" : " with CN in " + allowedNames);
    }
}
