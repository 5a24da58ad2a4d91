package io.gpuscale.adapter.testing;

/** Pod manifests that the advisor's tests read. */
public final class TestPods {
    private TestPods() {
    }

    /** {@code ml/trainer}, one container {@code main} asking for this many {@code nvidia.com/gpu}, as YAML. */
    public static String trainerYaml(int gpus) {
        return trainerYaml("""
                        limits:
                          nvidia.com/gpu: "%d"
                """.formatted(gpus));
    }

    /** {@code ml/trainer}, one container {@code main}; {@code resources} is the YAML under {@code resources:}, indented 8. */
    public static String trainerYaml(String resources) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: trainer
                  namespace: ml
                spec:
                  containers:
                    - name: main
                      image: trainer:1
                      resources:
                """ + resources;
    }
}
