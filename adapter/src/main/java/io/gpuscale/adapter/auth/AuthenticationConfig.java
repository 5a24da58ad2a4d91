package io.gpuscale.adapter.auth;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code kube-system/extension-apiserver-authentication} says, read once per version of the
 * ConfigMap and then only looked at: the two CA bundles and the front proxy's header names.
 *
 * @param clientCa anchors for ordinary client certificates; empty: client certificates are not used
 * @param requestHeaderCa anchors for the front proxy's certificate; empty: no front proxy
 * @param allowedNames CNs the front proxy's certificate may have; empty: any
 * @param usernameHeaders headers naming the user, first non-empty wins
 * @param uidHeaders headers carrying the user's uid
 * @param groupHeaders headers whose every value is one group
 * @param extraHeaderPrefixes prefixes of headers carrying extra attributes
 */
public record AuthenticationConfig(Set<TrustAnchor> clientCa, Set<TrustAnchor> requestHeaderCa, Set<String> allowedNames,
        List<String> usernameHeaders, List<String> uidHeaders, List<String> groupHeaders,
        List<String> extraHeaderPrefixes) {

    /** Nothing known yet (or the ConfigMap is missing): only tokens and anonymous requests. */
    public static final AuthenticationConfig NONE =
            new AuthenticationConfig(Set.of(), Set.of(), Set.of(), List.of(), List.of(), List.of(), List.of());

    public AuthenticationConfig {
        clientCa = Set.copyOf(clientCa);
        requestHeaderCa = Set.copyOf(requestHeaderCa);
        allowedNames = Set.copyOf(allowedNames);
        usernameHeaders = List.copyOf(usernameHeaders);
        uidHeaders = List.copyOf(uidHeaders);
        groupHeaders = List.copyOf(groupHeaders);
        extraHeaderPrefixes = List.copyOf(extraHeaderPrefixes);
    }

    /**
     * Reads the ConfigMap's data. A key that is absent leaves that part off; a key that is present
     * but unreadable (not PEM, not a JSON array of strings) is an error, so a broken update never
     * silently replaces a working configuration.
     *
     * @throws IllegalArgumentException naming the key that is wrong
     */
    public static AuthenticationConfig fromConfigMap(Map<String, String> data) {
        Map<String, String> d = data == null ? Map.of() : data;
        return new AuthenticationConfig(
                anchors("client-ca-file", d.get("client-ca-file")),
                anchors("requestheader-client-ca-file", d.get("requestheader-client-ca-file")),
                new LinkedHashSet<>(strings("requestheader-allowed-names", d.get("requestheader-allowed-names"))),
                strings("requestheader-username-headers", d.get("requestheader-username-headers")),
                strings("requestheader-uid-headers", d.get("requestheader-uid-headers")),
                strings("requestheader-group-headers", d.get("requestheader-group-headers")),
                strings("requestheader-extra-headers-prefix", d.get("requestheader-extra-headers-prefix")));
    }

    /** Whether a front proxy can authenticate anyone: a CA and at least one username header. */
    public boolean frontProxyEnabled() {
        return !requestHeaderCa.isEmpty() && !usernameHeaders.isEmpty();
    }

    static Set<TrustAnchor> anchors(String key, String pem) {
        if (pem == null || pem.isBlank()) {
            return Set.of();
        }
        Collection<? extends java.security.cert.Certificate> certs;
        try {
            certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new IllegalArgumentException(key + ": not a PEM certificate bundle: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException(key + ": no certificate in the bundle");
        }
        Set<TrustAnchor> out = new LinkedHashSet<>();
        for (java.security.cert.Certificate c : certs) {
            out.add(new TrustAnchor((X509Certificate) c, null));
        }
        return out;
    }

    static List<String> strings(String key, String json) {
        if (json == null || json.isBlank()) {
            return List.of();
        }
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonArray()) {
                throw new IllegalArgumentException(key + ": not a JSON array of strings");
            }
            List<String> out = new ArrayList<>();
            for (JsonElement item : (JsonArray) e) {
                if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isString()) {
                    throw new IllegalArgumentException(key + ": not a JSON array of strings");
                }
                if (!item.getAsString().isEmpty()) {
                    out.add(item.getAsString());
                }
            }
            return out;
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(key + ": not a JSON array of strings", e);
        }
    }
}
