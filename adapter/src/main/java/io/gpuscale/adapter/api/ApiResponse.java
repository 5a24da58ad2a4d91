package io.gpuscale.adapter.api;

/**
 * What the API answers to one request: an HTTP status code and a document. A failure's document
 * is always a {@link Status}.
 */
public record ApiResponse(int code, Document body) {

    public static ApiResponse ok(Document body) {
        return new ApiResponse(200, body);
    }

    public static ApiResponse failure(Status status) {
        return new ApiResponse(status.code(), status);
    }

    public boolean isOk() {
        return code >= 200 && code < 300;
    }
}
