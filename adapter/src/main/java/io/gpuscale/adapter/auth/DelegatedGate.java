package io.gpuscale.adapter.auth;

import io.gpuscale.adapter.http.RequestGate;
import io.gpuscale.common.log.LogFields;
import io.gpuscale.common.log.RepeatedLog;
import io.gpuscale.common.Durations;
import io.gpuscale.adapter.api.ApiResponse;
import io.gpuscale.adapter.api.Status;
import io.kubernetes.client.openapi.ApiClient;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Kubernetes' delegated authentication and authorization in front of the API, as an extension
 * apiserver built on k8s.io/apiserver does it: {@link Authenticator} (front proxy, client
 * certificate) or a cached TokenReview decides who the caller is, then the always-allowed paths,
 * the group {@code system:masters}, or a cached SubjectAccessReview decide whether it may. A
 * credential that fails is a 401, a denial a 403 with kube-apiserver's message, a review that
 * cannot be made a 401 (tokens) or 500 (authorization); reviews run asynchronously and never
 * block the event loop.
 */
public final class DelegatedGate implements RequestGate, AutoCloseable {
    private static final Logger LOG = System.getLogger(DelegatedGate.class.getName());
    /** Reviews that fail on and off, and requests that fail to be decided, log a line a minute per kind. */
    private final RepeatedLog repeated = new RepeatedLog(LOG);
    private static final Duration FIRST_READ_TIMEOUT = Duration.ofSeconds(10);
    private static final Status UNAUTHORIZED = new Status(401, "Unauthorized", "Unauthorized", null);
    private static final Status REVIEW_FAILED = new Status(500, "InternalError",
            "Internal error occurred: the authorization check failed", null);

    private record AccessKey(UserInfo user, RequestAttributes attributes) {
    }

    private final AuthOptions options;
    private final Supplier<AuthenticationConfig> configs;
    private final TokenReviewer tokens;
    private final AccessReviewer access;
    private final Clock clock;
    private final ReviewCache<String, TokenReviewer.TokenResult> tokenCache;
    private final ReviewCache<AccessKey, AccessReviewer.Decision> accessCache;
    private final AutoCloseable owned;
    private final AuthRecorder recorder;
    private final AtomicLong tokenReviewFailures = new AtomicLong();
    private final AtomicLong accessReviewFailures = new AtomicLong();
    private volatile boolean tokenReviewsFailing;
    private volatile boolean accessReviewsFailing;
    /** Whether the start of the current review outage was logged (its end is then logged too). */
    private volatile boolean tokenOutageLogged;
    private volatile boolean accessOutageLogged;

    /**
     * @param configs the current {@code extension-apiserver-authentication}, read per request
     * @param clock for certificates' validity
     * @param nanoTicker for the caches' times to live
     * @param owned closed with the gate (the ConfigMap watch), or null
     */
    DelegatedGate(AuthOptions options, Supplier<AuthenticationConfig> configs, TokenReviewer tokens,
            AccessReviewer access, Clock clock, LongSupplier nanoTicker, AutoCloseable owned) {
        this(options, configs, tokens, access, clock, nanoTicker, owned, AuthRecorder.NONE);
    }

    /** As above, telling {@code recorder} about cache lookups, reviews and denials. */
    DelegatedGate(AuthOptions options, Supplier<AuthenticationConfig> configs, TokenReviewer tokens,
            AccessReviewer access, Clock clock, LongSupplier nanoTicker, AutoCloseable owned, AuthRecorder recorder) {
        this.recorder = recorder;
        this.options = options;
        this.configs = configs;
        this.tokens = tokens;
        this.access = access;
        this.clock = clock;
        this.tokenCache = new ReviewCache<>(options.tokenTtl(), options.tokenTtl(), options.maxCacheEntries(),
                nanoTicker);
        this.accessCache = new ReviewCache<>(options.allowedTtl(), options.deniedTtl(), options.maxCacheEntries(),
                nanoTicker);
        this.owned = owned;
    }

    /**
     * The gate the options ask for, reviewing through {@code client} (which it takes over: see
     * {@link KubeReviews}); with delegated authentication it first reads
     * {@code kube-system/extension-apiserver-authentication} (waiting up to 10 s) and keeps
     * watching it. Close the gate to stop the watch.
     */
    public static DelegatedGate connect(AuthOptions options, ApiClient client) {
        return connect(options, client, AuthRecorder.NONE);
    }

    /** As above, telling {@code recorder} about cache lookups, reviews and denials. */
    public static DelegatedGate connect(AuthOptions options, ApiClient client, AuthRecorder recorder) {
        ExtensionAuthenticationWatch watch = null;
        if (options.authentication() == AuthOptions.AuthenticationMode.DELEGATED) {
            watch = new ExtensionAuthenticationWatch(client); // takes its HTTP clients before KubeReviews changes it
        }
        KubeReviews reviews = new KubeReviews(client);
        if (watch != null) {
            watch.start(FIRST_READ_TIMEOUT);
        }
        Supplier<AuthenticationConfig> configs = watch != null ? watch : () -> AuthenticationConfig.NONE;
        return new DelegatedGate(options, configs, reviews, reviews, Clock.systemUTC(), System::nanoTime, watch,
                recorder);
    }

    /**
     * The gate {@code serve}'s flags ask for: {@link RequestGate#ALLOW_ALL} when nothing is
     * delegated, else a connected {@code DelegatedGate} (close it at the end) reviewing through
     * the API server of {@code kubeconfig}, or of the cluster this process runs in when null.
     *
     * @throws IllegalArgumentException when the Kubernetes API's configuration cannot be read
     */
    public static RequestGate create(AuthOptions options, java.nio.file.Path kubeconfig) {
        return create(options, kubeconfig, AuthRecorder.NONE);
    }

    /** As above, telling {@code recorder} about cache lookups, reviews and denials. */
    public static RequestGate create(AuthOptions options, java.nio.file.Path kubeconfig, AuthRecorder recorder) {
        if (!options.delegatesAnything()) {
            return RequestGate.ALLOW_ALL;
        }
        ApiClient client;
        try {
            client = kubeconfig != null ? io.kubernetes.client.util.Config.fromConfig(kubeconfig.toString())
                    : io.kubernetes.client.util.ClientBuilder.cluster().build();
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("delegated authentication and authorization: cannot reach the "
                    + "Kubernetes API " + (kubeconfig != null ? "of --kubeconfig" : "in-cluster") + ": "
                    + e.getMessage(), e);
        }
        return connect(options, client, recorder);
    }

    /**
     * Says loudly, at start, what is not checked: the modes other than Delegated serve callers
     * that kube-apiserver would not.
     */
    public static void warnAboutModes(AuthOptions options, int port) {
        if (options.authentication() == AuthOptions.AuthenticationMode.NONE
                && options.authorization() == AuthOptions.AuthorizationMode.ALWAYS_ALLOW) {
            LOG.log(Level.WARNING, "SERVING WITHOUT AUTHENTICATION OR AUTHORIZATION (--authentication-mode=None "
                    + "--authorization-mode=AlwaysAllow): anyone who reaches port {0,number,#} can read every metric",
                    port);
        } else if (options.authentication() == AuthOptions.AuthenticationMode.NONE) {
            LOG.log(Level.WARNING, "SERVING WITHOUT AUTHENTICATION (--authentication-mode=None): every caller on "
                    + "port {0,number,#} is system:anonymous, and client certificates and tokens are ignored", port);
        } else if (options.authorization() == AuthOptions.AuthorizationMode.ALWAYS_ALLOW) {
            LOG.log(Level.WARNING, "SERVING WITHOUT AUTHORIZATION (--authorization-mode=AlwaysAllow): every caller "
                    + "on port {0,number,#}, anonymous ones included, can read every metric", port);
        } else {
            LOG.log(Level.INFO, "delegated authentication and authorization: SubjectAccessReviews cached {0} "
                    + "(allowed), {1} (denied); TokenReviews {2}; always allowed: {3}",
                    Durations.format(options.allowedTtl()), Durations.format(options.deniedTtl()),
                    Durations.format(options.tokenTtl()), options.alwaysAllowPaths());
        }
    }

    @Override
    public boolean requestsClientCertificates() {
        return options.authentication() == AuthOptions.AuthenticationMode.DELEGATED;
    }

    @Override
    public Future<ApiResponse> admit(HttpServerRequest request) {
        try {
            RequestAttributes attributes = AttributesParser.parse(request.method().name(), request.path(),
                    request.query());
            return identify(request).compose(user -> user == null ? Future.succeededFuture(ApiResponse.failure(UNAUTHORIZED))
                    : authorize(user, attributes));
        } catch (RuntimeException e) {
            repeated.log(Level.ERROR, "admit " + e.getClass().getName(), "deciding on a request failed (answered 500)",
                    LogFields.of("method", request.method().name(), "path", request.path()).failure(e));
            return Future.succeededFuture(ApiResponse.failure(REVIEW_FAILED));
        }
    }

    /** Who the caller is; null when a credential failed (401). */
    Future<UserInfo> identify(HttpServerRequest request) {
        if (options.authentication() == AuthOptions.AuthenticationMode.NONE) {
            return Future.succeededFuture(UserInfo.ANONYMOUS_USER);
        }
        Authentication a = Authenticator.authenticate(configs.get(), peerChain(request), request.headers(),
                clock.instant());
        if (a instanceof Authentication.Authenticated ok) {
            return Future.succeededFuture(ok.user());
        }
        if (a instanceof Authentication.BearerToken token) {
            return reviewToken(token.token());
        }
        if (a instanceof Authentication.Rejected rejected) {
            LOG.log(Level.DEBUG, "answered 401", LogFields.of("method", request.method().name(), "path",
                    request.path(), "reason", rejected.reason()));
            recorder.denied(AuthRecorder.Denial.CREDENTIAL_REJECTED);
            return Future.succeededFuture(null);
        }
        return Future.succeededFuture(UserInfo.ANONYMOUS_USER);
    }

    private Future<UserInfo> reviewToken(String token) {
        String key = sha256(token);
        TokenReviewer.TokenResult cached = tokenCache.get(key);
        recorder.cacheLookup(AuthRecorder.Review.TOKEN, cached != null);
        if (cached != null) {
            return Future.succeededFuture(tokenUser(cached));
        }
        long sent = System.nanoTime();
        return tokens.review(token).transform(r -> {
            long nanos = System.nanoTime() - sent;
            if (r.failed()) {
                recorder.reviewed(AuthRecorder.Review.TOKEN, AuthRecorder.Outcome.ERROR, nanos);
                recorder.denied(AuthRecorder.Denial.TOKEN_REVIEW_FAILED);
                tokenReviewFailures.incrementAndGet();
                if (!tokenReviewsFailing) {
                    tokenReviewsFailing = true;
                    tokenOutageLogged = repeated.log(Level.WARNING, "TokenReview", "TokenReviews fail: bearer tokens "
                            + "are answered 401 until reviews work again (logged once, then counted)",
                            LogFields.of("reason", r.cause().getMessage()));
                }
                return Future.succeededFuture(null);
            }
            if (tokenReviewsFailing) {
                tokenReviewsFailing = false;
                if (tokenOutageLogged) {
                    LOG.log(Level.INFO, "TokenReviews work again", LogFields.of("failures", tokenReviewFailures.get()));
                }
            }
            TokenReviewer.TokenResult result = r.result();
            recorder.reviewed(AuthRecorder.Review.TOKEN, result.authenticated() ? AuthRecorder.Outcome.ALLOWED
                    : AuthRecorder.Outcome.DENIED, nanos);
            tokenCache.put(key, result, result.authenticated());
            return Future.succeededFuture(tokenUser(result));
        });
    }

    /** The token's user, or null (a denial, counted) when it is not authenticated. */
    private UserInfo tokenUser(TokenReviewer.TokenResult result) {
        if (!result.authenticated()) {
            recorder.denied(AuthRecorder.Denial.TOKEN_REJECTED);
            return null;
        }
        return result.user().authenticated();
    }

    /** Null to serve the request, else the answer instead. */
    private Future<ApiResponse> authorize(UserInfo user, RequestAttributes attributes) {
        if (options.authorization() == AuthOptions.AuthorizationMode.ALWAYS_ALLOW
                || !attributes.resourceRequest() && options.alwaysAllowed(attributes.path())
                || user.groups().contains(UserInfo.MASTERS)) {
            return Future.succeededFuture();
        }
        AccessKey key = new AccessKey(user, attributes);
        AccessReviewer.Decision cached = accessCache.get(key);
        recorder.cacheLookup(AuthRecorder.Review.ACCESS, cached != null);
        if (cached != null) {
            return Future.succeededFuture(answer(user, attributes, cached));
        }
        long sent = System.nanoTime();
        return access.review(user, attributes).transform(r -> {
            long nanos = System.nanoTime() - sent;
            if (r.failed()) {
                recorder.reviewed(AuthRecorder.Review.ACCESS, AuthRecorder.Outcome.ERROR, nanos);
                recorder.denied(AuthRecorder.Denial.ACCESS_REVIEW_FAILED);
                accessReviewFailures.incrementAndGet();
                if (!accessReviewsFailing) {
                    accessReviewsFailing = true;
                    accessOutageLogged = repeated.log(Level.WARNING, "SubjectAccessReview", "SubjectAccessReviews fail: "
                            + "requests needing a review are answered 500 until reviews work again (logged once, then "
                            + "counted)", LogFields.of("reason", r.cause().getMessage()));
                }
                return Future.succeededFuture(ApiResponse.failure(REVIEW_FAILED));
            }
            if (accessReviewsFailing) {
                accessReviewsFailing = false;
                if (accessOutageLogged) {
                    LOG.log(Level.INFO, "SubjectAccessReviews work again",
                            LogFields.of("failures", accessReviewFailures.get()));
                }
            }
            recorder.reviewed(AuthRecorder.Review.ACCESS, r.result().allowed() ? AuthRecorder.Outcome.ALLOWED
                    : AuthRecorder.Outcome.DENIED, nanos);
            accessCache.put(key, r.result(), r.result().allowed());
            return Future.succeededFuture(answer(user, attributes, r.result()));
        });
    }

    private ApiResponse answer(UserInfo user, RequestAttributes a, AccessReviewer.Decision decision) {
        if (decision.allowed()) {
            return null;
        }
        recorder.denied(AuthRecorder.Denial.FORBIDDEN);
        Status.Details details = a.resourceRequest() ? new Status.Details(a.name().isEmpty() ? null : a.name(),
                a.group(), a.resource()) : null;
        return ApiResponse.failure(new Status(403, "Forbidden", a.forbiddenMessage(user.name(), decision.reason()),
                details));
    }

    /** TokenReviews that could not be made since start. */
    public long tokenReviewFailures() {
        return tokenReviewFailures.get();
    }

    /** SubjectAccessReviews that could not be made since start. */
    public long accessReviewFailures() {
        return accessReviewFailures.get();
    }

    /** The TLS peer's chain, leaf first; empty without TLS or without a client certificate. */
    static List<X509Certificate> peerChain(HttpServerRequest request) {
        if (!request.isSSL()) {
            return List.of();
        }
        List<Certificate> certs;
        try {
            certs = request.connection().peerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
        if (certs == null || certs.isEmpty()) {
            return List.of();
        }
        List<X509Certificate> out = new ArrayList<>(certs.size());
        for (Certificate c : certs) {
            if (!(c instanceof X509Certificate x)) {
                return List.of();
            }
            out.add(x);
        }
        return out;
    }

    /** The key a token is cached under: its SHA-256, so the cache never holds a token. */
    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                LOG.log(Level.DEBUG, "closing the authentication watch failed", e);
            }
        }
    }
}
