package io.gpuscale.adapter.api;

/**
 * A Kubernetes {@code Status} failure ({@code metav1.Status}), the body of every error the API
 * answers: the code, a machine-readable reason, a message for people, and optionally which object
 * was meant. Never a stack trace.
 *
 * @param code the HTTP status code
 * @param reason {@code NotFound}, {@code BadRequest}, {@code MethodNotAllowed}, ...; null for none
 * @param message what went wrong, in words
 * @param details the object the request named, or null
 */
public record Status(int code, String reason, String message, Details details) implements JsonDocument {

    /**
     * The object a failure is about ({@code metav1.StatusDetails}); null fields are left out.
     *
     * @param name the object's name
     * @param group the API group ({@code ""} for core objects)
     * @param kind the resource, e.g. {@code pods}
     */
    public record Details(String name, String group, String kind) {
    }

    public static Status notFound(String message, Details details) {
        return new Status(404, "NotFound", message, details);
    }

    /** Kubernetes' answer to a path it has no route for. */
    public static Status pathNotFound() {
        return new Status(404, "NotFound", "the server could not find the requested resource", null);
    }

    public static Status badRequest(String message) {
        return new Status(400, "BadRequest", message, null);
    }

    public static Status methodNotAllowed(String method) {
        return new Status(405, "MethodNotAllowed",
                "the server does not allow this method on the requested resource (" + method + ")", null);
    }

    public static Status uriTooLong(int limit) {
        return new Status(414, "RequestURITooLong", "the request URI is longer than " + limit + " bytes", null);
    }

    public static Status entityTooLarge(long limit) {
        return new Status(413, "RequestEntityTooLarge", "the request body is larger than " + limit + " bytes", null);
    }

    /** A failure of ours; the message never carries internals (they go to the log). */
    public static Status internalError() {
        return new Status(500, "InternalError", "Internal error occurred: unable to fetch metrics", null);
    }

    @Override
    public void write(JsonText json) {
        json.begin()
                .field("kind", "Status")
                .field("apiVersion", "v1")
                .key("metadata").begin().end()
                .field("status", "Failure")
                .field("message", message);
        if (reason != null) {
            json.field("reason", reason);
        }
        if (details != null) {
            json.key("details").begin();
            if (details.name() != null) {
                json.field("name", details.name());
            }
            if (details.group() != null && !details.group().isEmpty()) {
                json.field("group", details.group());
            }
            if (details.kind() != null) {
                json.field("kind", details.kind());
            }
            json.end();
        }
        json.field("code", code).end();
    }
}
