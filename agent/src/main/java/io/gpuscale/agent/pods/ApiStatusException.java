package io.gpuscale.agent.pods;

import java.io.IOException;

/** The API server answered a pod list or watch with an error status (HTTP or a watch's ERROR event). */
final class ApiStatusException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int code;
    private final String body;

    ApiStatusException(int code, String body) {
        super("HTTP " + code + (body == null || body.isBlank() ? "" : " " + abbreviate(body.strip())));
        this.code = code;
        this.body = body == null ? "" : body.strip();
    }

    /** The HTTP status code (a watch ERROR event's {@code code}). */
    int code() {
        return code;
    }

    String body() {
        return body;
    }

    /** True for 410 Gone: the resource version asked for is too old, only a fresh list helps. */
    boolean expired() {
        return code == 410;
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
