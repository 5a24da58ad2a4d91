package io.gpuscale.adapter.api;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The API's documents written as a stream with Gson's {@link JsonWriter} (the JSON library the
 * Kubernetes client already brings): fields come out in the order written, as Kubernetes writes
 * them, with no reflection and no intermediate tree. This class only adds chaining and the
 * {@code field} shorthands, and turns the writer's IOException, which a string cannot throw, into
 * an unchecked one.
 */
final class JsonText {
    private final StringWriter out;
    private final JsonWriter json;

    JsonText(int capacity) {
        out = new StringWriter(capacity);
        json = new JsonWriter(out);
        json.setSerializeNulls(true);
    }

    JsonText begin() {
        return write(JsonWriter::beginObject);
    }

    JsonText end() {
        return write(JsonWriter::endObject);
    }

    JsonText beginArray() {
        return write(JsonWriter::beginArray);
    }

    JsonText endArray() {
        return write(JsonWriter::endArray);
    }

    /** A field name; the next call writes its value. */
    JsonText key(String name) {
        return write(w -> w.name(name));
    }

    /** A string, or {@code null}. */
    JsonText value(String s) {
        return write(w -> w.value(s));
    }

    JsonText value(long n) {
        return write(w -> w.value(n));
    }

    JsonText value(boolean b) {
        return write(w -> w.value(b));
    }

    JsonText nullValue() {
        return write(JsonWriter::nullValue);
    }

    JsonText field(String name, String value) {
        return key(name).value(value);
    }

    JsonText field(String name, long value) {
        return key(name).value(value);
    }

    JsonText field(String name, boolean value) {
        return key(name).value(value);
    }

    private interface Step {
        void apply(JsonWriter w) throws IOException;
    }

    private JsonText write(Step step) {
        try {
            step.apply(json);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
