package io.gpuscale.adapter.auth;

import io.vertx.core.MultiMap;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Kubernetes' delegated authentication, without I/O: the front proxy (a certificate from the
 * requestheader CA with an allowed CN, the user in its headers), then a client certificate from
 * the client CA (user = CN, groups = O), then a bearer token (left for a TokenReview). As in
 * kube-apiserver's union authenticator the first success wins and a credential that fails makes
 * the request a 401 unless a later one succeeds; the front proxy's headers are read only when its
 * certificate verified.
 */
final class Authenticator {
    private Authenticator() {
    }

    static Authentication authenticate(AuthenticationConfig config, List<X509Certificate> chain, MultiMap headers,
            Instant now) {
        String failure = null;
        if (!chain.isEmpty() && config.frontProxyEnabled()) {
            String why = ClientCertificateVerifier.verify(chain, config.requestHeaderCa(), now);
            if (why == null && !config.allowedNames().isEmpty()
                    && !config.allowedNames().contains(commonName(chain.get(0)))) {
                why = "front proxy certificate's common name is not in requestheader-allowed-names";
            }
            if (why != null) {
                failure = "front proxy: " + why;
            } else {
                UserInfo user = fromHeaders(config, headers);
                if (user != null) {
                    return new Authentication.Authenticated(user.authenticated(), "front-proxy");
                }
            }
        }
        if (!chain.isEmpty() && !config.clientCa().isEmpty()) {
            String why = ClientCertificateVerifier.verify(chain, config.clientCa(), now);
            if (why != null) {
                failure = "client certificate: " + why;
            } else {
                String cn = commonName(chain.get(0));
                if (!cn.isEmpty()) {
                    UserInfo user = new UserInfo(cn, "", organizations(chain.get(0)), Map.of());
                    return new Authentication.Authenticated(user.authenticated(), "client-certificate");
                }
            }
        }
        String token = bearerToken(headers.get("Authorization"));
        if (token != null) {
            return new Authentication.BearerToken(token);
        }
        return failure != null ? new Authentication.Rejected(failure) : new Authentication.Anonymous();
    }

    /** The token of {@code Authorization: Bearer T}, split as Go's bearertoken authenticator does; else null. */
    static String bearerToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String[] parts = authorization.strip().split(" ", 3);
        if (parts.length < 2 || !parts[0].toLowerCase(Locale.ROOT).equals("bearer") || parts[1].isEmpty()) {
            return null;
        }
        return parts[1];
    }

    /** The front proxy's user, or null when its username headers are all empty. */
    private static UserInfo fromHeaders(AuthenticationConfig config, MultiMap headers) {
        String name = first(headers, config.usernameHeaders());
        if (name == null) {
            return null;
        }
        String uid = first(headers, config.uidHeaders());
        List<String> groups = new ArrayList<>();
        for (String h : config.groupHeaders()) {
            for (String v : headers.getAll(h)) {
                if (!v.isEmpty()) {
                    groups.add(v);
                }
            }
        }
        Map<String, List<String>> extra = new LinkedHashMap<>();
        for (String prefix : config.extraHeaderPrefixes()) {
            String p = prefix.toLowerCase(Locale.ROOT);
            for (String header : headers.names()) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith(p) && lower.length() > p.length()) {
                    extra.computeIfAbsent(unescapeExtraKey(lower.substring(p.length())), k -> new ArrayList<>())
                            .addAll(headers.getAll(header));
                }
            }
        }
        return new UserInfo(name, uid, groups, extra);
    }

    private static String first(MultiMap headers, List<String> names) {
        for (String h : names) {
            String v = headers.get(h);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    /** As Go's {@code url.PathUnescape}, keeping the key as it is when it is malformed. */
    static String unescapeExtraKey(String key) {
        if (key.indexOf('%') < 0) {
            return key;
        }
        try {
            return URLDecoder.decode(key.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return key;
        }
    }

    static String commonName(X509Certificate cert) {
        List<String> cns = attribute(cert, "CN");
        return cns.isEmpty() ? "" : cns.get(0);
    }

    static List<String> organizations(X509Certificate cert) {
        return attribute(cert, "O");
    }

    private static List<String> attribute(X509Certificate cert, String type) {
        List<String> out = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase(type)) {
                    out.add(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            return List.of();
        }
        // LdapName's RDNs are in the certificate's (ASN.1) order, the order Go reports them in
        return out;
    }
}
