package io.gpuscale.adapter.informer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ListMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListBodyTest {
    private static final String POD_A = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"namespace":"ml","name":"a","uid":"u-a",
             "creationTimestamp":"2026-12-03T10:00:00Z"},"spec":{"nodeName":"gpu-1",
             "containers":[{"name":"main","image":"cuda:12"}]},"status":{"phase":"Running"}}""";
    private static final String POD_B = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"namespace":"ml","name":"b"},"status":{"phase":"Pending"}}""";

    private final ListBody body = new ListBody(JSON.getGson(), V1Pod.class);
    private final List<KubernetesObject> items = new ArrayList<>();

    private V1ListMeta read(String json) throws Exception {
        return body.read(new StringReader(json), items::add);
    }

    private static String list(String metadata, String... pods) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":" + metadata + ",\"items\":["
                + String.join(",", pods) + "]}";
    }

    @Test
    void itemsArriveInOrderWithTheListsResourceVersionAndContinueToken() throws Exception {
        V1ListMeta meta = read(list("{\"resourceVersion\":\"4711\",\"continue\":\"next-page\"}", POD_A, POD_B));

        assertThat(meta.getResourceVersion()).isEqualTo("4711");
        assertThat(meta.getContinue()).isEqualTo("next-page");
        assertThat(items).extracting(i -> i.getMetadata().getName()).containsExactly("a", "b");
        V1Pod a = (V1Pod) items.get(0);
        assertThat(a.getSpec().getNodeName()).isEqualTo("gpu-1");
        assertThat(a.getStatus().getPhase()).isEqualTo("Running");
        assertThat(a.getMetadata().getCreationTimestamp()).isNotNull();
    }

    @Test
    void metadataAfterTheItemsIsReadToo() throws Exception {
        V1ListMeta meta = read("{\"items\":[" + POD_A + "],\"metadata\":{\"resourceVersion\":\"9\"},\"kind\":\"PodList\"}");

        assertThat(meta.getResourceVersion()).isEqualTo("9");
        assertThat(items).hasSize(1);
    }

    @Test
    void unknownFieldsOfTheListAreSkipped() throws Exception {
        V1ListMeta meta = read("{\"kind\":\"PodList\",\"extra\":[{\"a\":1},\"s\",null],\"metadata\":{\"resourceVersion\":\"3\","
                + "\"remainingItemCount\":0},\"items\":[" + POD_A + "],\"trailer\":{\"items\":[1]}}");

        assertThat(meta.getResourceVersion()).isEqualTo("3");
        assertThat(items).extracting(i -> i.getMetadata().getName()).containsExactly("a");
    }

    @Test
    void aFieldThePodModelDoesNotKnowFailsTheItemAsInTheClientsOwnCalls() {
        String pod = "{\"kind\":\"Pod\",\"metadata\":{\"namespace\":\"ml\",\"name\":\"c\"},"
                + "\"status\":{\"phase\":\"Running\",\"futureField\":1}}";

        assertThatThrownBy(() -> read(list("{}", POD_A, pod)))
                .isInstanceOf(UnreadableListException.class)
                .hasMessageStartingWith("the Pod list has item 1 that does not decode as a Pod: ")
                .hasMessageContaining("futureField");
    }

    @Test
    void aListWithoutItemsOrMetadataIsEmpty() throws Exception {
        assertThat(read("{\"kind\":\"PodList\",\"items\":null}").getResourceVersion()).isNull();
        assertThat(read("{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"5\"},\"items\":[]}")
                .getResourceVersion()).isEqualTo("5");
        assertThat(items).isEmpty();
    }

    @Test
    void anItemThatDoesNotDecodeIsNamedByItsPlaceAndTheItemsBeforeItWereHandedOn() {
        String bad = "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"d\",\"creationTimestamp\":\"yesterday\"}}";

        assertThatThrownBy(() -> read(list("{\"resourceVersion\":\"1\"}", POD_A, bad, POD_B)))
                .isInstanceOf(UnreadableListException.class)
                .hasMessageStartingWith("the Pod list has item 1 that does not decode as a Pod: ")
                .hasMessageContaining("yesterday");
        assertThat(items).extracting(i -> i.getMetadata().getName()).containsExactly("a");
    }

    @Test
    void anItemOfTheWrongShapeIsReportedInOurWords() {
        assertThatThrownBy(() -> read(list("{}", POD_A, "\"not a pod\"")))
                .isInstanceOf(UnreadableListException.class)
                .hasMessageStartingWith("the Pod list has item 1 that does not decode as a Pod: ");
        assertThatThrownBy(() -> read(list("{}", "null")))
                .isInstanceOf(UnreadableListException.class)
                .hasMessage("the Pod list has item 0 that is null");
    }

    @Test
    void aBodyThatEndsInsideAnItemOrBetweenItemsSaysItEndedEarly() {
        String whole = list("{\"resourceVersion\":\"1\"}", POD_A, POD_B);
        String insideB = whole.substring(0, whole.indexOf("\"name\":\"b\""));
        String afterA = whole.substring(0, whole.indexOf(POD_B));

        assertThatThrownBy(() -> read(insideB))
                .isInstanceOf(UnreadableListException.class)
                .hasMessage("the Pod list ended early, after 1 items");
        assertThatThrownBy(() -> read(afterA))
                .isInstanceOf(UnreadableListException.class)
                .hasMessage("the Pod list ended early, after 1 items");
        assertThatThrownBy(() -> read(""))
                .isInstanceOf(UnreadableListException.class)
                .hasMessage("the Pod list ended early, after 0 items");
    }

    @Test
    void aConnectionThatBreaksOffIsReportedWithItsCause() {
        String whole = list("{\"resourceVersion\":\"1\"}", POD_A, POD_B);
        int cut = whole.indexOf("\"name\":\"b\"");
        Reader breaking = new Reader() {
            private int at;

            @Override
            public int read(char[] buf, int off, int len) throws IOException {
                if (at >= cut) {
                    throw new IOException("connection reset");
                }
                int n = Math.min(len, cut - at);
                whole.getChars(at, at + n, buf, off);
                at += n;
                return n;
            }

            @Override
            public void close() {
            }
        };

        assertThatThrownBy(() -> body.read(breaking, items::add))
                .isInstanceOf(UnreadableListException.class)
                .hasMessage("the Pod list broke off after 1 items: java.io.IOException: connection reset");
    }

    @Test
    void somethingOtherThanAListIsRefused() {
        assertThatThrownBy(() -> read("[" + POD_A + "]"))
                .isInstanceOf(UnreadableListException.class)
                .hasMessage("the Pod list is not a JSON object but starts with BEGIN_ARRAY");
        assertThatThrownBy(() -> read("{\"metadata\":{},\"items\":{\"a\":1}}"))
                .isInstanceOf(UnreadableListException.class)
                .hasMessageStartingWith("the Pod list does not have the shape of a list after 0 items: ");
        assertThatThrownBy(() -> read("{\"items\":[" + POD_A + "] garbage"))
                .isInstanceOf(UnreadableListException.class)
                .hasMessageStartingWith("the Pod list is not valid JSON after 1 items: ");
    }

    @Test
    void anItemTheCallerCannotUseIsNamed() {
        assertThatThrownBy(() -> body.read(new StringReader(list("{}", POD_A, POD_B)), item -> {
            if (item.getMetadata().getName().equals("b")) {
                throw new IllegalArgumentException("no spec");
            }
        })).isInstanceOf(UnreadableListException.class)
                .hasMessage("the Pod list has item 1 (ml/b) that cannot be used: java.lang.IllegalArgumentException: no spec");
    }
}
