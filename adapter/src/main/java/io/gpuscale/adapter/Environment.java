package io.gpuscale.adapter;

/**
 * What {@code serve} takes from its environment rather than its flags; the one place the adapter
 * reads environment variables.
 *
 * @param kubernetesServiceHost {@code KUBERNETES_SERVICE_HOST}: set in every pod, so the adapter runs in a
 *     cluster and may use its service account; null outside one
 * @param podName {@code POD_NAME} (the downward API): a name the self-signed certificate covers; may be null
 * @param podIp {@code POD_IP} (the downward API): an address the self-signed certificate covers; may be null
 */
public record Environment(String kubernetesServiceHost, String podName, String podIp) {

    /** This process's environment. */
    public static Environment current() {
        return new Environment(System.getenv("KUBERNETES_SERVICE_HOST"), System.getenv("POD_NAME"),
                System.getenv("POD_IP"));
    }

    /** Outside any cluster: nothing set. */
    public static Environment none() {
        return new Environment(null, null, null);
    }

    /** Whether the process runs in a Kubernetes pod, so that in-cluster configuration can be used. */
    public boolean inCluster() {
        return kubernetesServiceHost != null;
    }
}
