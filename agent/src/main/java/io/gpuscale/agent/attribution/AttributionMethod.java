package io.gpuscale.agent.attribution;

/** How a pod's share of a GPU was computed; the {@code method} label of per-pod series. */
public enum AttributionMethod {
    /** The pod holds the whole GPU: its share is the GPU's own reading. */
    EXCLUSIVE("exclusive"),
    /** A shared GPU, split by the driver's per-process samples of the pod's own processes. */
    PROCESS("process"),
    /**
     * A shared GPU whose per-process data is missing (driver without per-process samples, or the
     * pod's processes not visible): every pod on it is given the whole GPU's reading.
     */
    WHOLE_GPU("whole_gpu");

    private final String label;

    AttributionMethod(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
