package io.gpuscale.common.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Set;
import java.util.logging.LogRecord;

/**
 * {@code --log-format=json}: one JSON object per line, as log pipelines (Loki, Elasticsearch,
 * Cloud Logging, ...) read them:
 *
 * <pre>
 * {"time":"2026-12-03T08:37:16.104Z","level":"warn","logger":"io.gpuscale.adapter.scrape.AgentScraper","msg":"scraping an agent failed, keeping its last data","target":"http://10.0.0.7:9400/metrics","node":"gpu-1","reason":"connection refused"}
 * </pre>
 *
 * {@code time} (RFC 3339, UTC, milliseconds), {@code level} (debug, info, warn, error),
 * {@code logger}, {@code msg}; {@code error} (the throwable's class and message) and {@code stack}
 * only with a throwable; then the context ({@link LogFields}), numbers and booleans as such. A
 * context key that would hide one of these is written as {@code ctx_KEY}. Written by Jackson with
 * every non-ASCII and control character escaped: the line is plain printable ASCII whatever the
 * console's encoding.
 */
public final class JsonLogFormatter extends LogLine {
    private static final Set<String> RESERVED = Set.of("time", "level", "logger", "msg", "error", "stack");
    private static final JsonFactory JSON = new JsonFactoryBuilder().enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .characterEscapes(new NoControlCharacters()).build();

    /** JSON's escapes, and DEL too: no control character of any kind reaches a terminal that shows the log. */
    private static final class NoControlCharacters extends CharacterEscapes {
        private final int[] ascii = standardAsciiEscapesForJSON();

        NoControlCharacters() {
            ascii[0x7f] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return null; // the standard six-character escape for each
        }
    }

    @Override
    public String format(LogRecord r) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", TIME.format(r.getInstant()));
            g.writeStringField("level", levelName(r.getLevel()));
            g.writeStringField("logger", r.getLoggerName());
            g.writeStringField("msg", message(r));
            LogFields fields = LogFields.in(r.getParameters());
            Throwable failure = failure(r, fields);
            if (failure != null) {
                g.writeStringField("error", LogFields.scrub(failure.toString()));
                g.writeStringField("stack", stackTrace(failure));
            }
            if (fields != null) {
                for (int i = 0; i < fields.size(); i++) {
                    String key = fields.key(i);
                    g.writeFieldName(RESERVED.contains(key) ? "ctx_" + key : key);
                    write(g, fields.value(i));
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.append('\n').toString();
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isFinite(d)) {
                g.writeNumber(d);
            } else {
                g.writeString(Double.toString(d)); // JSON has no NaN or infinity
            }
        } else if (v instanceof BigInteger b) {
            g.writeNumber(b);
        } else if (v instanceof BigDecimal b) {
            g.writeNumber(b);
        } else {
            g.writeString(v.toString());
        }
    }
}
