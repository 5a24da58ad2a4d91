package io.gpuscale.adapter.auth;

/**
 * What {@link DelegatedGate} tells the adapter's own metrics: each cache lookup, each review sent
 * to kube-apiserver with its outcome and duration, and each request it refused with the reason.
 * Calls come on event loops and must not block; {@link #NONE} records nothing. Identities are
 * never passed: a user name as a label would grow without bound.
 */
public interface AuthRecorder {
    AuthRecorder NONE = new AuthRecorder() {
    };

    /** A cached answer was looked for: found ({@code hit}) or not. */
    default void cacheLookup(Review review, boolean hit) {
    }

    /**
     * A review came back, or could not be made ({@link Outcome#ERROR}).
     *
     * @param nanos from sending it to its answer
     */
    default void reviewed(Review review, Outcome outcome, long nanos) {
    }

    /** A request was refused by the gate. */
    default void denied(Denial reason) {
    }

    /** Which review. */
    enum Review {
        TOKEN("token"), ACCESS("access");

        private final String label;

        Review(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** A review's answer: allowed (a TokenReview: authenticated), denied, or none (it failed). */
    enum Outcome {
        ALLOWED("allowed"), DENIED("denied"), ERROR("error");

        private final String label;

        Outcome(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Why the gate refused a request. */
    enum Denial {
        /** 401: a client certificate or front-proxy headers that do not verify. */
        CREDENTIAL_REJECTED("credential_rejected"),
        /** 401: a bearer token kube-apiserver does not authenticate. */
        TOKEN_REJECTED("token_rejected"),
        /** 401: the TokenReview could not be made. */
        TOKEN_REVIEW_FAILED("token_review_failed"),
        /** 403: the SubjectAccessReview denied it. */
        FORBIDDEN("forbidden"),
        /** 500: the SubjectAccessReview could not be made. */
        ACCESS_REVIEW_FAILED("access_review_failed");

        private final String label;

        Denial(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
