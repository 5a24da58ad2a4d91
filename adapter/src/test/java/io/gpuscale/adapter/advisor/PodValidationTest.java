package io.gpuscale.adapter.advisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.advisor.io.InputException;
import io.gpuscale.adapter.advisor.io.InvalidPodException;
import io.gpuscale.adapter.advisor.io.PodInput;
import io.gpuscale.adapter.testing.TestPods;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The API server's validation of a pod's resources, in its words, before the advisor explains the pod. */
class PodValidationTest {

    /** One container {@code main}; {@code resources} is the YAML under {@code resources:}, indented 8. */
    private static String pod(String resources) {
        return TestPods.trainerYaml(resources);
    }

    private static List<String> errors(String yaml) {
        try {
            PodInput.parse("pod.yaml", yaml, null);
            return List.of();
        } catch (InvalidPodException e) {
            return e.errors().stream().map(FieldError::toString).toList();
        }
    }

    /**
     * A limit alone (the API server copies it to the request): valid or not, and the first error. The
     * limit-only form is what users write for GPUs; a negative or fractional limit is then reported on
     * both limits and the defaulted requests, as the API server reports it.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "nvidia.com/gpu        | 1     | -",
        "nvidia.com/gpu        | 0     | -",
        "nvidia.com/gpu        | 2     | -",
        "nvidia.com/gpu        | 1e3   | -",
        "nvidia.com/gpu        | 1Ki   | -",
        "nvidia.com/gpu        | 2000m | -",
        "nvidia.com/gpu        | -1    | 'spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: \"-1\": must be greater than or equal to 0'",
        "nvidia.com/gpu        | -3    | 'spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: \"-3\": must be greater than or equal to 0'",
        "nvidia.com/gpu        | 1.5   | 'spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: \"1500m\": must be an integer'",
        "nvidia.com/gpu        | 500m  | 'spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: \"500m\": must be an integer'",
        "nvidia.com/gpu        | 1e-3  | 'spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: \"1e-3\": must be an integer'",
        "nvidia.com/mig-1g.10gb | 1    | -",
        "nvidia.com/mig-1g.10gb | 0.5  | 'spec.containers[0].resources.limits[nvidia.com/mig-1g.10gb]: Invalid value: \"500m\": must be an integer'",
        "example.com/dongle    | 3     | -",
        "example.com/dongle    | 1.5   | 'spec.containers[0].resources.limits[example.com/dongle]: Invalid value: \"1500m\": must be an integer'",
        "cpu                   | 1.5   | -",
        "cpu                   | 100m  | -",
        "cpu                   | -100m | 'spec.containers[0].resources.limits[cpu]: Invalid value: \"-100m\": must be greater than or equal to 0'",
        "memory                | 1Gi   | -",
        "memory                | -1Gi  | 'spec.containers[0].resources.limits[memory]: Invalid value: \"-1Gi\": must be greater than or equal to 0'",
        "gpu                   | 1     | 'spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource for containers'",
        "kubernetes.io/gpu     | 1     | -",
    })
    void aLimitAlone(String name, String value, String firstError) {
        List<String> errors = errors(pod("          limits:\n            " + name + ": \"" + value + "\"\n"));
        if (firstError == null) {
            assertThat(errors).isEmpty();
        } else {
            assertThat(errors).isNotEmpty();
            assertThat(errors.get(0)).isEqualTo(firstError);
        }
    }

    @Test
    void aNegativeGpuLimitIsReportedOnTheLimitAndOnTheRequestItDefaults() {
        assertThat(errors(pod("          limits: {nvidia.com/gpu: \"-3\"}\n"))).containsExactly(
                "spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: \"-3\": must be greater than or equal to 0",
                "spec.containers[0].resources.requests[nvidia.com/gpu]: Invalid value: \"-3\": must be greater than or equal to 0");
    }

    @Test
    void aGpuRequestMustEqualItsLimitAndNeedsOne() {
        assertThat(errors(pod("          requests: {nvidia.com/gpu: \"1\"}\n          limits: {nvidia.com/gpu: \"2\"}\n")))
                .containsExactly("spec.containers[0].resources.requests: Invalid value: \"1\": must be equal to nvidia.com/gpu "
                        + "limit of 2");
        assertThat(errors(pod("          requests: {nvidia.com/gpu: \"3\"}\n          limits: {nvidia.com/gpu: \"2\"}\n")))
                .containsExactly("spec.containers[0].resources.requests: Invalid value: \"3\": must be equal to nvidia.com/gpu "
                        + "limit of 2");
        assertThat(errors(pod("          requests: {nvidia.com/gpu: \"1\"}\n"))).containsExactly(
                "spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources");
        assertThat(errors(pod("          requests: {nvidia.com/gpu: \"1\"}\n          limits: {nvidia.com/gpu: \"1\"}\n")))
                .isEmpty();
    }

    @Test
    void aCpuOrMemoryRequestMayBeBelowItsLimitButNotAbove() {
        assertThat(errors(pod("          requests: {memory: 2Gi}\n          limits: {memory: 1Gi}\n"))).containsExactly(
                "spec.containers[0].resources.requests: Invalid value: \"2Gi\": must be less than or equal to memory limit of 1Gi");
        assertThat(errors(pod("          requests: {cpu: 500m, memory: 1Gi}\n          limits: {cpu: \"1\", memory: 2Gi}\n")))
                .isEmpty();
        assertThat(errors(pod("          requests: {cpu: \"-100m\"}\n"))).containsExactly(
                "spec.containers[0].resources.requests[cpu]: Invalid value: \"-100m\": must be greater than or equal to 0");
    }

    @Test
    void initContainersComeAfterContainersAndAllErrorsAreInTheMessage() {
        String yaml = pod("          limits: {nvidia.com/gpu: \"1.5\"}\n") + """
                  initContainers:
                    - name: fetch
                      image: fetch:1
                      resources:
                        requests: {cpu: "-1"}
                """;
        try {
            PodInput.parse("pod.yaml", yaml, null);
            throw new AssertionError("expected the pod to be refused");
        } catch (InvalidPodException e) {
            assertThat(e.errors().stream().map(FieldError::field)).containsExactly(
                    "spec.containers[0].resources.limits[nvidia.com/gpu]",
                    "spec.containers[0].resources.requests[nvidia.com/gpu]",
                    "spec.initContainers[0].resources.requests[cpu]");
            assertThat(e.getMessage()).isEqualTo("pod.yaml:11: Pod \"trainer\" is invalid: ["
                    + "spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: \"1500m\": must be an integer, "
                    + "spec.containers[0].resources.requests[nvidia.com/gpu]: Invalid value: \"1500m\": must be an integer, "
                    + "spec.initContainers[0].resources.requests[cpu]: Invalid value: \"-1\": must be greater than or equal to 0]");
            assertThat(e.errors().get(0).body()).isEqualTo("Invalid value: \"1500m\": must be an integer");
        }
    }

    @Test
    void theLineIsTheFirstErrorsFieldEvenInTheSecondContainer() {
        String yaml = pod("          limits: {nvidia.com/gpu: \"1\"}\n") + """
                    - name: sidecar
                      image: s:1
                      resources:
                        limits:
                          cpu: "1"
                          nvidia.com/gpu: "-1"
                """;
        try {
            PodInput.parse("pod.yaml", yaml, null);
            throw new AssertionError("expected the pod to be refused");
        } catch (InvalidPodException e) {
            assertThat(e.line()).isEqualTo(17);
            assertThat(e.getMessage()).startsWith("pod.yaml:17: Pod \"trainer\" is invalid: [spec.containers[1].resources"
                    + ".limits[nvidia.com/gpu]: Invalid value: \"-1\"");
        }
    }

    @Test
    void aPodWithoutContainersIsInvalid() {
        assertThat(errors("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: []}\n"))
                .containsExactly("spec.containers: Required value");
    }

    @Test
    void aMalformedQuantityIsADecodingErrorNamingTheFieldAndWhatCame() {
        for (String bad : List.of("abc", "", "1.2.3", "1e", "1ki", "two")) {
            try {
                PodInput.parse("pod.yaml", pod("          limits:\n            nvidia.com/gpu: \"" + bad + "\"\n"), null);
                throw new AssertionError("expected " + bad + " to be refused");
            } catch (InvalidPodException e) {
                throw new AssertionError("a malformed quantity does not decode: " + e.getMessage());
            } catch (InputException e) {
                assertThat(e.getMessage()).isEqualTo("pod.yaml:12: spec.containers[0].resources.limits[nvidia.com/gpu]: "
                        + "expected a quantity such as 1, 500m or 2Gi, got the string \"" + bad + "\"");
            }
        }
    }
}
