package io.gpuscale.adapter.auth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A request's method, path and query turned into {@link RequestAttributes} the way
 * kube-apiserver's {@code RequestInfoFactory} does: under {@code /apis/GROUP/VERSION} (or
 * {@code /api/VERSION}) the parts are {@code [namespaces/NS/] RESOURCE [/NAME [/SUBRESOURCE]]}, a
 * GET without a name is a {@code list} (a {@code watch} with {@code watch=true}); everything else
 * is a non-resource request whose verb is the lowercased HTTP method ({@code get}, {@code post}).
 */
public final class AttributesParser {
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    private AttributesParser() {
    }

    /**
     * @param rawPath the path as received (percent-encoded)
     * @param rawQuery the query as received, or null
     */
    public static RequestAttributes parse(String method, String rawPath, String rawQuery) {
        String path = decodePath(rawPath == null ? "/" : rawPath);
        String httpVerb = method.toLowerCase(Locale.ROOT);
        List<String> parts = split(path);
        if (parts.size() < 3 || !(parts.get(0).equals("apis") || parts.get(0).equals("api"))) {
            return RequestAttributes.nonResource(httpVerb, path);
        }
        String group = "";
        int at = 1;
        if (parts.get(0).equals("apis")) {
            if (parts.size() < 4) {
                return RequestAttributes.nonResource(httpVerb, path); // /apis/GROUP/VERSION: discovery
            }
            group = parts.get(1);
            at = 2;
        }
        String version = parts.get(at);
        List<String> rest = parts.subList(at + 1, parts.size());
        String verb = switch (method.toUpperCase(Locale.ROOT)) {
            case "GET", "HEAD" -> "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> "";
        };
        String namespace = "";
        if (rest.get(0).equals("namespaces") && rest.size() > 1) {
            namespace = rest.get(1);
            if (rest.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(rest.get(2))) {
                rest = rest.subList(2, rest.size());
            }
        }
        String resource = rest.get(0);
        String name = rest.size() >= 2 ? rest.get(1) : "";
        String subresource = rest.size() >= 3 ? rest.get(2) : "";
        if (name.isEmpty() && verb.equals("get")) {
            verb = isWatch(rawQuery) ? "watch" : "list";
            name = nameFromFieldSelector(rawQuery);
        }
        return new RequestAttributes(true, verb, path, group, version, resource, subresource, namespace, name);
    }

    private static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    private static boolean isWatch(String rawQuery) {
        String v = param(rawQuery, "watch");
        return v != null && (v.equals("true") || v.equals("1"));
    }

    /** {@code fieldSelector=metadata.name=N} names the object of a list, as in Kubernetes. */
    private static String nameFromFieldSelector(String rawQuery) {
        String selector = param(rawQuery, "fieldSelector");
        if (selector == null) {
            return "";
        }
        for (String term : selector.split(",")) {
            String t = term.strip();
            for (String op : new String[] {"==", "="}) {
                if (t.startsWith("metadata.name" + op)) {
                    String n = t.substring(("metadata.name" + op).length()).strip();
                    return n.isEmpty() || n.equals(".") || n.equals("..") || n.contains("/") || n.contains("%")
                            ? "" : n;
                }
            }
        }
        return "";
    }

    private static String param(String rawQuery, String key) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String k = decodeForm(eq < 0 ? pair : pair.substring(0, eq));
            if (key.equals(k)) {
                return eq < 0 ? "" : decodeForm(pair.substring(eq + 1));
            }
        }
        return null;
    }

    private static String decodeForm(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    /** Percent-decodes the path as Go's {@code url.URL.Path} holds it; a malformed one is kept as sent. */
    private static String decodePath(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }
}
