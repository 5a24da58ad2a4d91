package io.gpuscale.adapter.auth;

import io.gpuscale.adapter.http.RequestGate;
import java.time.Duration;
import java.util.List;

/**
 * How the adapter authenticates and authorizes callers; built once from the {@code serve} flags.
 *
 * @param authentication {@code Delegated}: front proxy, client certificates, TokenReview; {@code None}: everyone is anonymous
 * @param authorization {@code Delegated}: SubjectAccessReview; {@code AlwaysAllow}: every request is allowed
 * @param allowedTtl how long an allowing SubjectAccessReview is reused
 * @param deniedTtl how long a denying SubjectAccessReview is reused
 * @param tokenTtl how long a TokenReview is reused, either outcome
 * @param alwaysAllowPaths paths (and their subpaths) served without authorization; {@code /x/*} also means below {@code /x/}
 * @param maxCacheEntries the most answers each cache keeps
 */
public record AuthOptions(AuthenticationMode authentication, AuthorizationMode authorization, Duration allowedTtl,
        Duration deniedTtl, Duration tokenTtl, List<String> alwaysAllowPaths, int maxCacheEntries) {

    public static final String DEFAULT_CACHE_TTL = "10s";
    public static final String DEFAULT_ALWAYS_ALLOW_PATHS = "/healthz,/livez,/readyz";
    public static final int DEFAULT_MAX_CACHE_ENTRIES = 4096;

    /** {@code --authentication-mode}. */
    public enum AuthenticationMode {
        DELEGATED("Delegated"), NONE("None");

        private final String flag;

        AuthenticationMode(String flag) {
            this.flag = flag;
        }

        public String flag() {
            return flag;
        }

        public static AuthenticationMode parse(String text) {
            for (AuthenticationMode m : values()) {
                if (m.flag.equals(text)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("'" + text + "' is not Delegated or None");
        }
    }

    /** {@code --authorization-mode}. */
    public enum AuthorizationMode {
        DELEGATED("Delegated"), ALWAYS_ALLOW("AlwaysAllow");

        private final String flag;

        AuthorizationMode(String flag) {
            this.flag = flag;
        }

        public String flag() {
            return flag;
        }

        public static AuthorizationMode parse(String text) {
            for (AuthorizationMode m : values()) {
                if (m.flag.equals(text)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("'" + text + "' is not Delegated or AlwaysAllow");
        }
    }

    public AuthOptions {
        alwaysAllowPaths = List.copyOf(alwaysAllowPaths);
        for (String p : alwaysAllowPaths) {
            if (!p.startsWith("/")) {
                throw new IllegalArgumentException("'" + p + "' is not an absolute path");
            }
        }
        for (Duration d : List.of(allowedTtl, deniedTtl, tokenTtl)) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("a cache time to live must not be negative");
            }
        }
    }

    /** Both delegated, the in-cluster default, with Kubernetes' cache times and exempt paths. */
    public static AuthOptions delegated() {
        return new AuthOptions(AuthenticationMode.DELEGATED, AuthorizationMode.DELEGATED, Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(10), List.of(DEFAULT_ALWAYS_ALLOW_PATHS.split(",")),
                DEFAULT_MAX_CACHE_ENTRIES);
    }

    /** Everyone is served: what the demo and offline tests use. */
    public static AuthOptions allowAll() {
        return new AuthOptions(AuthenticationMode.NONE, AuthorizationMode.ALWAYS_ALLOW, Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(10), List.of(DEFAULT_ALWAYS_ALLOW_PATHS.split(",")),
                DEFAULT_MAX_CACHE_ENTRIES);
    }

    /** Whether anything is checked at all (else the gate is {@link RequestGate#ALLOW_ALL}). */
    public boolean delegatesAnything() {
        return authentication == AuthenticationMode.DELEGATED || authorization == AuthorizationMode.DELEGATED;
    }

    /** Whether {@code path} is served without authorization: one of the paths, or below one. */
    public boolean alwaysAllowed(String path) {
        for (String p : alwaysAllowPaths) {
            if (p.endsWith("/*")) {
                if (path.startsWith(p.substring(0, p.length() - 1))) {
                    return true;
                }
            } else if (path.equals(p) || path.startsWith(p.endsWith("/") ? p : p + "/")) {
                return true;
            }
        }
        return false;
    }
}
