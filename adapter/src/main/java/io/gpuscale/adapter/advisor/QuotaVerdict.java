package io.gpuscale.adapter.advisor;

/**
 * ResourceQuota admission of a pod in its namespace.
 *
 * @param admitted true when every quota matching the pod would accept it (also when there is none)
 * @param message the API server's refusal text ("exceeded quota: NAME, requested: ..., used: ...,
 *        limited: ...") when not admitted, else null
 */
public record QuotaVerdict(boolean admitted, String message) {
}
