package io.gpuscale.adapter.advisor.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Node;
import org.junit.jupiter.api.Test;

class UnknownFieldsTest {

    @Test
    void fieldsFromANewerKubernetesAreDroppedAtEveryDepthAndTheRestDecodes() {
        JsonObject node = JsonParser.parseString("""
                {"metadata": {"name": "mainpc", "futureMeta": 1, "labels": {"a": "b"}},
                 "spec": {"taints": [{"key": "gpu", "value": "rtx3060", "effect": "NoSchedule", "futureTaint": true}]},
                 "status": {"allocatable": {"nvidia.com/gpu": "1"}, "futureStatus": {"x": 1}},
                 "futureTop": []}
                """).getAsJsonObject();
        assertThat(UnknownFields.prune(node, V1Node.class)).isEqualTo(4);
        V1Node decoded = JSON.getGson().fromJson(node, V1Node.class);
        assertThat(decoded.getMetadata().getLabels()).containsEntry("a", "b");
        assertThat(decoded.getSpec().getTaints().get(0).getValue()).isEqualTo("rtx3060");
        assertThat(decoded.getStatus().getAllocatable()).containsKey("nvidia.com/gpu");
    }

    @Test
    void labelsAndResourceNamesAreValuesNotFields() {
        JsonObject node = JsonParser.parseString("""
                {"metadata": {"name": "n", "labels": {"anything.example.com/x": "y"}},
                 "status": {"capacity": {"example.com/widget": "3"}}}
                """).getAsJsonObject();
        assertThat(UnknownFields.prune(node, V1Node.class)).isZero();
    }
}
