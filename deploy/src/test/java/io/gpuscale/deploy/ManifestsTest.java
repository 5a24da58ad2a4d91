package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.openapi.models.V1Service;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestsTest {
    @Test
    void anUnknownFieldAtAnyDepthFailsTheDecoding() {
        List<Manifests.Obj> objs = Manifests.parse("""
                apiVersion: v1
                kind: Service
                metadata: {name: a, namespace: n}
                spec:
                  ports:
                    - {name: m, port: 1, targtPort: 2}
                """);
        assertThatThrownBy(() -> Manifests.decodeStrict(objs.get(0)))
                .hasMessageContaining("Service n/a").hasMessageContaining("targtPort");
    }

    @Test
    void aValidObjectDecodesIntoItsModelAndCustomResourcesAreLeftToTheCaller() {
        List<Manifests.Obj> objs = Manifests.parse("""
                apiVersion: v1
                kind: Service
                metadata: {name: a, namespace: n}
                spec:
                  ports: [{name: m, port: 1, targetPort: 2}]
                ---
                apiVersion: monitoring.coreos.com/v1
                kind: ServiceMonitor
                metadata: {name: a}
                """);
        assertThat(Manifests.decodeStrict(objs.get(0))).isInstanceOfSatisfying(V1Service.class,
                s -> assertThat(s.getSpec().getPorts().get(0).getTargetPort().getIntValue()).isEqualTo(2));
        assertThat(Manifests.decodeStrict(objs.get(1))).isNull();
    }
}
