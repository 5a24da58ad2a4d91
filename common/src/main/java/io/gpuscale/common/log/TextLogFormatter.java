package io.gpuscale.common.log;

import java.util.logging.LogRecord;

/**
 * {@code --log-format=text}: one line per event, as it has always been: UTC time, level, logger,
 * message, then the context as {@code key=value} pairs (a value with a space, a quote, an equals
 * sign or a control character quoted and escaped, so the pairs stay on the line), and a failure's
 * stack trace on the lines below.
 *
 * <pre>
 * 2026-12-03T08:37:16.104Z WARNING io.gpuscale.adapter.scrape.AgentScraper: scraping an agent failed, keeping its last data target=http://10.0.0.7:9400/metrics node=gpu-1 reason="connection refused"
 * </pre>
 */
public final class TextLogFormatter extends LogLine {
    @Override
    public String format(LogRecord r) {
        StringBuilder sb = new StringBuilder(160);
        TIME.formatTo(r.getInstant(), sb);
        sb.append(' ');
        String level = r.getLevel().getLocalizedName();
        sb.append(level);
        for (int i = level.length(); i < 7; i++) {
            sb.append(' ');
        }
        sb.append(' ').append(r.getLoggerName()).append(": ").append(message(r));
        LogFields fields = LogFields.in(r.getParameters());
        if (fields != null) {
            appendPairs(sb, fields);
        }
        Throwable failure = failure(r, fields);
        if (failure != null) {
            sb.append(System.lineSeparator()).append(stackTrace(failure));
        }
        return sb.append(System.lineSeparator()).toString();
    }

    /** Appends {@code " key=value"} for each field. */
    static void appendPairs(StringBuilder sb, LogFields fields) {
        for (int i = 0; i < fields.size(); i++) {
            sb.append(' ').append(fields.key(i)).append('=');
            Object v = fields.value(i);
            appendValue(sb, v == null ? "null" : v.toString());
        }
    }

    private static void appendValue(StringBuilder sb, String v) {
        if (!v.isEmpty() && v.chars().noneMatch(TextLogFormatter::needsQuotes)) {
            sb.append(v);
            return;
        }
        sb.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static boolean needsQuotes(int c) {
        return c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f || c == '\u2028' || c == '\u2029';
    }
}
