package io.gpuscale.adapter.advisor.io;

import io.gpuscale.adapter.advisor.FieldError;
import io.gpuscale.adapter.advisor.PodValidation;
import java.util.List;

/**
 * A pod that decodes but that the API server's validation would refuse (a negative quantity, a
 * fractional GPU, a request above its limit, ...): the advisor does not explain it. The message is
 * {@code SOURCE:LINE: Pod "NAME" is invalid: FIELD: Invalid value: "-3": ...}, the line being the
 * first error's; {@link #errors()} are the API server's causes, one per field.
 */
public final class InvalidPodException extends InputException {
    private static final long serialVersionUID = 1L;

    private final String podName;
    private final transient List<FieldError> errors;

    public InvalidPodException(String source, int line, String podName, List<FieldError> errors) {
        super(source, line, PodValidation.message(podName, errors));
        this.podName = podName;
        this.errors = List.copyOf(errors);
    }

    /** The pod's name, for the Status details. */
    public String podName() {
        return podName;
    }

    /** What is invalid, field by field, in the API server's order. */
    public List<FieldError> errors() {
        return errors;
    }
}
