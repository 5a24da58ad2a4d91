package io.gpuscale.adapter.api;

/**
 * A small streaming JSON writer for the API's documents: fields come out in the order written
 * (as Kubernetes writes them), strings escaped per RFC 8259, no reflection, no intermediate tree.
 */
final class JsonText {
    private final StringBuilder out;
    private boolean comma;

    JsonText(int capacity) {
        out = new StringBuilder(capacity);
    }

    JsonText begin() {
        separate();
        out.append('{');
        comma = false;
        return this;
    }

    JsonText end() {
        out.append('}');
        comma = true;
        return this;
    }

    JsonText beginArray() {
        separate();
        out.append('[');
        comma = false;
        return this;
    }

    JsonText endArray() {
        out.append(']');
        comma = true;
        return this;
    }

    /** A field name; the next call writes its value. */
    JsonText key(String name) {
        separate();
        quote(name);
        out.append(':');
        comma = false;
        return this;
    }

    /** A string, or {@code null}. */
    JsonText value(String s) {
        separate();
        if (s == null) {
            out.append("null");
        } else {
            quote(s);
        }
        comma = true;
        return this;
    }

    JsonText value(long n) {
        separate();
        out.append(n);
        comma = true;
        return this;
    }

    JsonText value(boolean b) {
        separate();
        out.append(b);
        comma = true;
        return this;
    }

    JsonText nullValue() {
        separate();
        out.append("null");
        comma = true;
        return this;
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

    private void separate() {
        if (comma) {
            out.append(',');
        }
    }

    private void quote(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
