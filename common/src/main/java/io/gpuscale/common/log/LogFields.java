package io.gpuscale.common.log;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key/value context of one log line (target, node, pod, namespace, server, ...), passed as the
 * last parameter of a {@link System.Logger} call:
 *
 * <pre>{@code
 * LOG.log(Level.WARNING, "cannot list or watch pods; retrying",
 *         LogFields.of("node", node, "server", server, "reason", why));
 * }</pre>
 *
 * The text format writes the pairs after the message as {@code key=value}, the JSON format as
 * fields of the line's object. A failure's stack trace rides along with {@link #failure}, since a
 * {@code System.Logger} call takes either parameters or a throwable.
 *
 * <p>No secret reaches the output: a value under a key that names a credential ({@code token},
 * {@code authorization}, {@code password}, ...) is replaced, URLs lose their user info and query,
 * and a {@code Bearer} credential is cut from every string, message and error included
 * ({@link #scrub}).
 */
public final class LogFields {
    /** What stands in for a value that is not logged. */
    public static final String REDACTED = "[redacted]";

    private static final Set<String> SECRET_KEYS = Set.of("token", "bearer", "authorization", "password", "secret",
            "cookie", "key", "private_key", "credentials");
    private static final Pattern URL = Pattern.compile("(?i)\\b(https?://)(?:[^/?#\\s@]*@)?([^?#\\s]*)(?:\\?[^#\\s]*)?");
    /**
     * {@code Bearer} and a credential: eight or more token characters that are not a plain
     * lowercase word, so that a sentence such as "bearer tokens are answered 401" stays readable.
     */
    private static final Pattern BEARER = Pattern.compile(
            "(?i)\\b(bearer)\\s+(?-i:(?![a-z]+(?![A-Za-z0-9._~+/=-]))[A-Za-z0-9._~+/=-]{8,})");

    private final List<String> keys;
    private final List<Object> values;
    private final Throwable failure;

    private LogFields(List<String> keys, List<Object> values, Throwable failure) {
        this.keys = keys;
        this.values = values;
        this.failure = failure;
    }

    /**
     * Pairs in order: {@code of("node", n, "gpu", 0)}. Keys are short lowercase words; a value may
     * be null, a number, a boolean, a {@link URI} or anything with a useful {@code toString}.
     * An odd count of arguments or a key that is not a string is a programming error.
     */
    public static LogFields of(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("log fields come in key/value pairs: " + keysAndValues.length
                    + " arguments");
        }
        List<String> keys = new ArrayList<>(keysAndValues.length / 2);
        List<Object> values = new ArrayList<>(keysAndValues.length / 2);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (!(keysAndValues[i] instanceof String key) || key.isEmpty()) {
                throw new IllegalArgumentException("log field key " + (i / 2) + " is not a non-empty string");
            }
            keys.add(key);
            values.add(keysAndValues[i + 1]);
        }
        return new LogFields(Collections.unmodifiableList(keys), Collections.unmodifiableList(values), null);
    }

    /** These fields and one more pair at the end. */
    public LogFields with(String key, Object value) {
        List<String> k = new ArrayList<>(keys);
        List<Object> v = new ArrayList<>(values);
        k.add(key);
        v.add(value);
        return new LogFields(Collections.unmodifiableList(k), Collections.unmodifiableList(v), failure);
    }

    /** These fields with {@code failure}'s class, message and stack trace added to the line. */
    public LogFields failure(Throwable failure) {
        return new LogFields(keys, values, failure);
    }

    /** The throwable to log with these fields, or null. */
    public Throwable failure() {
        return failure;
    }

    /** How many pairs. */
    public int size() {
        return keys.size();
    }

    /** The {@code i}th key. */
    public String key(int i) {
        return keys.get(i);
    }

    /**
     * The {@code i}th value as it may be logged: null, a Number or Boolean as given, anything else as
     * a scrubbed string (a credential's value replaced by {@value #REDACTED}).
     */
    public Object value(int i) {
        Object v = values.get(i);
        if (v == null) {
            return null;
        }
        if (SECRET_KEYS.contains(keys.get(i).toLowerCase(Locale.ROOT))) {
            return REDACTED;
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v;
        }
        return scrub(v.toString());
    }

    /** The value of the first pair with {@code key}, as {@link #value(int)} gives it; null when there is none. */
    public Object value(String key) {
        int i = keys.indexOf(key);
        return i < 0 ? null : value(i);
    }

    /**
     * {@code text} with what must never be logged taken out: user info and query of every http(s)
     * URL, and the credential after {@code Bearer}.
     */
    public static String scrub(String text) {
        if (text == null) {
            return null;
        }
        String t = text;
        if (t.contains("://")) {
            Matcher m = URL.matcher(t);
            StringBuilder sb = new StringBuilder(t.length());
            while (m.find()) {
                m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + m.group(2)));
            }
            t = m.appendTail(sb).toString();
        }
        if (t.toLowerCase(Locale.ROOT).contains("bearer")) {
            t = BEARER.matcher(t).replaceAll("$1 " + Matcher.quoteReplacement(REDACTED));
        }
        return t;
    }

    /** The fields among a log record's parameters (the last one, by convention), or null. */
    public static LogFields in(Object[] parameters) {
        if (parameters == null || parameters.length == 0) {
            return null;
        }
        return parameters[parameters.length - 1] instanceof LogFields f ? f : null;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        TextLogFormatter.appendPairs(sb, this);
        return sb.toString().stripLeading();
    }
}
