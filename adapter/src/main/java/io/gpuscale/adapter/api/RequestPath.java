package io.gpuscale.adapter.api;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decoding of a request's path and query as Go's {@code net/url} does for kube-apiserver: path
 * segments are split on {@code /} first and each is percent-decoded (kubectl sends {@code %2A} for
 * {@code *}; an encoded {@code %2F} stays inside its segment), query keys and values are
 * form-decoded ({@code +} is a space). Of a repeated parameter the first value counts, as in
 * Kubernetes' conversion of query parameters to options.
 */
final class RequestPath {
    /** More parameters than any client of this API sends; more is refused rather than parsed. */
    static final int MAX_QUERY_PARAMS = 32;

    private RequestPath() {
    }

    /**
     * The decoded segments of an absolute path; one trailing slash is ignored. Null when the path
     * cannot name anything here (empty segments, {@code .} or {@code ..}).
     *
     * @throws IllegalArgumentException for malformed percent-encoding (a 400)
     */
    static List<String> segments(String rawPath) {
        if (rawPath == null || !rawPath.startsWith("/")) {
            return null;
        }
        String p = rawPath.length() > 1 && rawPath.endsWith("/") ? rawPath.substring(1, rawPath.length() - 1)
                : rawPath.substring(1);
        List<String> out = new ArrayList<>();
        if (p.isEmpty()) {
            return out;
        }
        for (String raw : p.split("/", -1)) {
            String s = decode(raw, false);
            if (s.isEmpty() || s.equals(".") || s.equals("..")) {
                return null;
            }
            out.add(s);
        }
        return out;
    }

    /**
     * The query parameters, first value of each.
     *
     * @throws IllegalArgumentException for malformed encoding or too many parameters (a 400)
     */
    static Map<String, String> query(String rawQuery) {
        Map<String, String> out = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        int count = 0;
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            if (++count > MAX_QUERY_PARAMS) {
                throw new IllegalArgumentException("more than " + MAX_QUERY_PARAMS + " query parameters");
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq), true);
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
            out.putIfAbsent(key, value);
        }
        return out;
    }

    private static String decode(String s, boolean form) {
        if (s.indexOf('%') < 0 && !(form && s.indexOf('+') >= 0)) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int hi = i + 1 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("invalid percent-encoding \"" + shorten(s) + "\"");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else if (form && c == '+') {
                bytes.write(' ');
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                int cp = s.codePointAt(i);
                byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
                i += Character.charCount(cp) - 1;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("percent-encoding of \"" + shorten(s) + "\" is not UTF-8");
        }
    }

    private static String shorten(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}
