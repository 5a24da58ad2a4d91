package io.gpuscale.adapter.api;

import java.util.List;
import java.util.Set;

/**
 * What a request asks for, in the few words the adapter's own metrics label it with: the API group
 * and version, the resource, whether it names one object or a list, and the verb. Every value comes
 * from a fixed set (an unknown path is {@code other}), so the labels stay bounded whatever clients
 * send. Pure: read from the method and the raw path only, never from a body or an identity.
 *
 * @param groupVersion {@code custom.metrics.k8s.io/v1beta2}, {@code external.metrics.k8s.io/v1beta1},
 *        {@code advisor/v1}, {@code scheduler}; {@code ""} for the paths of no group (health,
 *        version, {@code /apis}); {@code other} for a path not served
 * @param resource {@code pods}, {@code nodes}, {@code namespaces}, {@code metrics} (external),
 *        {@code discovery}, {@code health}, {@code version}, a POST endpoint's last path segment
 *        ({@code explain}, {@code filter}, {@code prioritize}), or {@code other}
 * @param scope {@code single} (one named object), {@code list} (a {@code *} or a selector's
 *        list), or {@code none} (no object: discovery, health, POST endpoints)
 * @param verb the method in lower case, {@code get} or {@code post}; {@code other} for the rest
 */
public record RequestKind(String groupVersion, String resource, String scope, String verb) {
    private static final RequestKind UNKNOWN = new RequestKind("other", "other", "none", "get");

    /**
     * @param method the HTTP method
     * @param rawPath the path as received (still percent-encoded)
     * @param postPaths the exact paths of the server's POST endpoints
     */
    public static RequestKind of(String method, String rawPath, Set<String> postPaths) {
        String verb = switch (method) {
            case "GET" -> "get";
            case "POST" -> "post";
            default -> "other";
        };
        if (rawPath != null && postPaths.contains(rawPath)) {
            int last = rawPath.lastIndexOf('/');
            return new RequestKind(rawPath.substring(1, Math.max(1, last)), rawPath.substring(last + 1), "none", verb);
        }
        List<String> parts;
        try {
            parts = RequestPath.segments(rawPath);
        } catch (IllegalArgumentException e) {
            parts = null;
        }
        if (parts == null || parts.isEmpty()) {
            return withVerb(UNKNOWN, verb);
        }
        String first = parts.get(0);
        if (parts.size() == 1) {
            switch (first) {
                case "healthz", "livez", "readyz":
                    return new RequestKind("", "health", "none", verb);
                case "version":
                    return new RequestKind("", "version", "none", verb);
                case "apis":
                    return new RequestKind("", "discovery", "none", verb);
                default:
                    return withVerb(UNKNOWN, verb);
            }
        }
        if (!first.equals("apis")) {
            return withVerb(UNKNOWN, verb);
        }
        String group = parts.get(1);
        if (!group.equals(CustomMetricsApi.GROUP) && !group.equals(ExternalMetricsApi.GROUP)) {
            return withVerb(UNKNOWN, verb);
        }
        if (parts.size() == 2) {
            return new RequestKind(group, "discovery", "none", verb);
        }
        String version = parts.get(2);
        boolean known = group.equals(CustomMetricsApi.GROUP) ? CustomMetricsApi.VERSIONS.contains(version)
                : ExternalMetricsApi.VERSION.equals(version);
        if (!known) {
            return withVerb(UNKNOWN, verb);
        }
        String gv = group + "/" + version;
        List<String> rest = parts.subList(3, parts.size());
        if (rest.isEmpty()) {
            return new RequestKind(gv, "discovery", "none", verb);
        }
        if (group.equals(ExternalMetricsApi.GROUP)) {
            // namespaces/{ns}/{metric}: always a list of values
            return new RequestKind(gv, "metrics", "list", verb);
        }
        // nodes/{name}/{metric}, namespaces/{ns}/pods/{name}/{metric}, namespaces/{ns}/metrics/{metric}
        if (rest.get(0).equals("nodes") && rest.size() == 3) {
            return new RequestKind(gv, "nodes", scope(rest.get(1)), verb);
        }
        if (rest.get(0).equals("namespaces") && rest.size() == 4 && rest.get(2).equals("metrics")) {
            return new RequestKind(gv, "namespaces", "single", verb);
        }
        if (rest.get(0).equals("namespaces") && rest.size() == 5 && rest.get(2).equals("pods")) {
            return new RequestKind(gv, "pods", scope(rest.get(3)), verb);
        }
        return new RequestKind(gv, "other", "none", verb);
    }

    private static String scope(String name) {
        return name.equals("*") ? "list" : "single";
    }

    private static RequestKind withVerb(RequestKind k, String verb) {
        return k.verb.equals(verb) ? k : new RequestKind(k.groupVersion, k.resource, k.scope, verb);
    }
}
