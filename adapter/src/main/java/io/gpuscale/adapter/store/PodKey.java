package io.gpuscale.adapter.store;

/** A pod by namespace and name. */
record PodKey(String namespace, String pod) {
}
