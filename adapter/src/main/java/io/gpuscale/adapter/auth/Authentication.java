package io.gpuscale.adapter.auth;

/** What a request's credentials say, before a bearer token has been reviewed. */
sealed interface Authentication {

    /** The credentials name this user (already with {@code system:authenticated}). */
    record Authenticated(UserInfo user, String method) implements Authentication {
    }

    /** No credentials at all: {@code system:anonymous}. */
    record Anonymous() implements Authentication {
    }

    /** A credential was presented and failed: 401. The reason is for logs and never names a secret. */
    record Rejected(String reason) implements Authentication {
    }

    /** A bearer token that the API server must review. */
    record BearerToken(String token) implements Authentication {
        @Override
        public String toString() {
            return "BearerToken[redacted]"; // never print a token by accident
        }
    }
}
