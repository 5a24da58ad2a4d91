package io.gpuscale.common.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads {@code --log-format=json} lines back, strictly, with the same JSON library that writes them. */
public final class JsonLines {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    /** RFC 3339, UTC, milliseconds. */
    public static final Pattern TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    /** Our level names. */
    public static final List<String> LEVELS = List.of("debug", "info", "warn", "error");

    private JsonLines() {
    }

    /**
     * One line as a flat JSON object, its fields in order (strings, numbers, booleans, null);
     * AssertionError when the line is anything else (not JSON, nested, two values, a duplicate key).
     */
    public static Map<String, Object> object(String line) {
        Map<String, Object> fields = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new AssertionError("not a JSON object: " + line);
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                Object value = switch (v) {
                    case VALUE_STRING -> p.getText();
                    case VALUE_NUMBER_INT -> p.getLongValue();
                    case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
                    case VALUE_TRUE -> true;
                    case VALUE_FALSE -> false;
                    case VALUE_NULL -> null;
                    default -> throw new AssertionError("field " + name + " is not a plain value: " + line);
                };
                fields.put(name, value);
            }
            if (p.nextToken() != null) {
                throw new AssertionError("more than one JSON value on the line: " + line);
            }
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line + " (" + e.getMessage() + ")", e);
        }
        return fields;
    }

    /**
     * {@link #object} of a line written by the JSON format: AssertionError unless it has
     * {@code time}, {@code level}, {@code logger} and {@code msg} of the right shape.
     */
    public static Map<String, Object> logLine(String line) {
        Map<String, Object> o = object(line);
        if (!(o.get("time") instanceof String time) || !TIME.matcher(time).matches()) {
            throw new AssertionError("no RFC 3339 UTC time with milliseconds: " + line);
        }
        if (!LEVELS.contains(o.get("level"))) {
            throw new AssertionError("no level among " + LEVELS + ": " + line);
        }
        if (!(o.get("logger") instanceof String logger) || logger.isEmpty()) {
            throw new AssertionError("no logger: " + line);
        }
        if (!(o.get("msg") instanceof String)) {
            throw new AssertionError("no msg: " + line);
        }
        if (o.containsKey("error") != o.containsKey("stack")) {
            throw new AssertionError("error and stack go together: " + line);
        }
        return o;
    }
}
