package io.gpuscale.adapter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Requests to authorization attributes, as kube-apiserver's RequestInfoFactory reads them (reference §1.3). */
class AttributesParserTest {
    private static final String CM = "/apis/custom.metrics.k8s.io/v1beta2";

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        // method | path | query | verb | group | version | resource | subresource | namespace | name
        "GET|/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/*/gpu_util|-|get|custom.metrics.k8s.io|v1beta2|pods|gpu_util|ml|*",
        "GET|/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods/%2A/gpu_util|labelSelector=app%3Dx|get|custom.metrics.k8s.io|v1beta2|pods|gpu_util|ml|*",
        "GET|/apis/custom.metrics.k8s.io/v1beta1/nodes/n1/gpu_util|-|get|custom.metrics.k8s.io|v1beta1|nodes|gpu_util||n1",
        "GET|/apis/custom.metrics.k8s.io/v1beta1/namespaces/ml/metrics/gpu_util|-|get|custom.metrics.k8s.io|v1beta1|metrics||ml|gpu_util",
        "GET|/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/gpu_util|-|list|external.metrics.k8s.io|v1beta1|gpu_util||ml|",
        "GET|/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/gpu_util|watch=true|watch|external.metrics.k8s.io|v1beta1|gpu_util||ml|",
        "GET|/apis/custom.metrics.k8s.io/v1beta2/nodes|fieldSelector=metadata.name%3Dn1|list|custom.metrics.k8s.io|v1beta2|nodes|||n1",
        "GET|/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml|-|get|custom.metrics.k8s.io|v1beta2|namespaces||ml|ml",
        "GET|/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/status|-|get|custom.metrics.k8s.io|v1beta2|namespaces|status|ml|ml",
        "POST|/apis/custom.metrics.k8s.io/v1beta2/namespaces/ml/pods|-|create|custom.metrics.k8s.io|v1beta2|pods||ml|",
        "DELETE|/apis/custom.metrics.k8s.io/v1beta2/nodes/n1|-|delete|custom.metrics.k8s.io|v1beta2|nodes|||n1",
        "GET|/api/v1/namespaces/ml/pods/p|-|get||v1|pods||ml|p",
    })
    void resourceRequestsAreSplitAsKubernetesDoes(String method, String path, String query, String verb, String group,
            String version, String resource, String subresource, String namespace, String name) {
        RequestAttributes a = AttributesParser.parse(method, path, query);
        assertThat(a).isEqualTo(new RequestAttributes(true, verb, a.path(), n(group), version, resource,
                n(subresource), n(namespace), n(name)));
    }

    private static String n(String s) {
        return s == null ? "" : s;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "GET|/apis|get",
        "GET|/apis/custom.metrics.k8s.io|get",
        "GET|/apis/custom.metrics.k8s.io/v1beta1|get",
        "GET|/apis/custom.metrics.k8s.io/v1beta1/|get",
        "GET|/api/v1|get",
        "GET|/openapi/v2|get",
        "GET|/healthz|get",
        "GET|/version|get",
        "POST|/advisor/v1/explain|post",
        "POST|/scheduler/filter|post",
    })
    void everythingElseIsANonResourcePathWithTheLowercasedMethodAsVerb(String method, String path, String verb) {
        assertThat(AttributesParser.parse(method, path, null)).isEqualTo(RequestAttributes.nonResource(verb, path));
    }

    @Test
    void forbiddenMessagesAreKubeApiserversWords() {
        assertThat(AttributesParser.parse("GET", CM + "/namespaces/demo/pods/*/nvidia_gpu_utilization_percent", null)
                .forbiddenMessage("x", "")).isEqualTo("pods.custom.metrics.k8s.io \"*\" is forbidden: User \"x\" "
                        + "cannot get resource \"pods/nvidia_gpu_utilization_percent\" in API group "
                        + "\"custom.metrics.k8s.io\" in the namespace \"demo\"");
        assertThat(AttributesParser.parse("GET", CM + "/nodes/n1/gpu_util", null).forbiddenMessage("x", ""))
                .isEqualTo("nodes.custom.metrics.k8s.io \"n1\" is forbidden: User \"x\" cannot get resource "
                        + "\"nodes/gpu_util\" in API group \"custom.metrics.k8s.io\" at the cluster scope");
        assertThat(AttributesParser.parse("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/ml/gpu_util", null)
                .forbiddenMessage("x", "no policy")).isEqualTo("gpu_util.external.metrics.k8s.io is forbidden: "
                        + "User \"x\" cannot list resource \"gpu_util\" in API group \"external.metrics.k8s.io\" in "
                        + "the namespace \"ml\": no policy");
        assertThat(AttributesParser.parse("GET", "/apis", null).forbiddenMessage("system:anonymous", ""))
                .isEqualTo("forbidden: User \"system:anonymous\" cannot get path \"/apis\"");
    }
}
