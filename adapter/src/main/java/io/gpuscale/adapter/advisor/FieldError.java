package io.gpuscale.adapter.advisor;

/**
 * One validation error as the API server reports it ({@code field.Error}): the field's path, the
 * error type's words, the offending value (already as the API server prints it, or null), and
 * what is wrong. {@link #toString()} is {@code field.Error.Error()}:
 * {@code spec.containers[0].resources.requests[nvidia.com/gpu]: Invalid value: "-3": must be greater than or equal to 0}.
 *
 * @param field the path, e.g. {@code spec.containers[0].resources.limits}
 * @param type the kind of error: {@link Type#INVALID}, {@link Type#REQUIRED}, ...
 * @param value the bad value as printed (a quantity's canonical text), or null for none
 * @param detail what is wrong, or empty
 */
public record FieldError(String field, Type type, String value, String detail) {

    /** {@code field.ErrorType}: its words in messages and its {@code StatusCause} reason. */
    public enum Type {
        INVALID("Invalid value", "FieldValueInvalid"),
        REQUIRED("Required value", "FieldValueRequired");

        private final String words;
        private final String causeReason;

        Type(String words, String causeReason) {
            this.words = words;
            this.causeReason = causeReason;
        }

        public String words() {
            return words;
        }

        /** The {@code reason} of a {@code StatusCause}. */
        public String causeReason() {
            return causeReason;
        }
    }

    static FieldError invalid(String field, String value, String detail) {
        return new FieldError(field, Type.INVALID, value, detail);
    }

    static FieldError required(String field, String detail) {
        return new FieldError(field, Type.REQUIRED, null, detail);
    }

    /** {@code field.Error.ErrorBody()}: the message without the field, as a StatusCause carries it. */
    public String body() {
        StringBuilder s = new StringBuilder(type.words());
        if (type == Type.INVALID) {
            s.append(": ").append(quote(value == null ? "null" : value));
        }
        if (detail != null && !detail.isEmpty()) {
            s.append(": ").append(detail);
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return field + ": " + body();
    }

    /** Go's {@code %q} for the printable ASCII a quantity or a resource name is made of. */
    private static String quote(String v) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            if (c == '"' || c == '\\') {
                s.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                s.append(String.format("\\x%02x", (int) c));
            } else {
                s.append(c);
            }
        }
        return s.append('"').toString();
    }
}
