package io.gpuscale.adapter.informer;

import io.kubernetes.client.openapi.ApiException;

/**
 * A list answer that came back (2xx) but could not be read: not a list, an item that does not
 * decode, a body that ends early. An {@link ApiException}, because that is what the informer's
 * reflector retries on (anything else ends its loop for good), with a message in our words
 * rather than the client's multi-line HTTP summary.
 */
final class UnreadableListException extends ApiException {
    private static final long serialVersionUID = 1L;

    private final String message;

    UnreadableListException(String message, Throwable cause) {
        super(message, cause, 0, null);
        this.message = message;
    }

    @Override
    public String getMessage() {
        return message;
    }
}
