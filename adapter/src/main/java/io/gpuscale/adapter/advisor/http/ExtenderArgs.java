package io.gpuscale.adapter.advisor.http;

import io.gpuscale.adapter.advisor.Explanation;
import io.gpuscale.adapter.advisor.PlacementAdvisor;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import io.gpuscale.adapter.advisor.io.InputException;
import io.gpuscale.adapter.advisor.io.PodInput;
import io.gpuscale.adapter.advisor.io.UnknownFields;
import io.gpuscale.adapter.cluster.ClusterProjection;
import io.gpuscale.adapter.kube.KubeDocuments;
import io.gpuscale.adapter.kube.KubeJson;
import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * kube-scheduler's {@code ExtenderArgs}, as it sends them to filter and prioritize: Go field names
 * without json tags, {@code {"Pod": v1.Pod, "Nodes": v1.NodeList|null, "NodeNames": [..]|null}}.
 * {@code NodeNames} comes with {@code nodeCacheCapable: true} (the names of nodes we know from our
 * own informers), {@code Nodes} without it (the full objects). Keys match case-insensitively, as
 * Go's decoder matches them. Fields newer than the client's model classes are dropped, not refused:
 * the scheduler may be a release ahead of us.
 *
 * @param pod the pod being scheduled
 * @param nodeItems the {@code Nodes.items} objects as received, to send the feasible ones back
 *     verbatim; null in the names form
 * @param nodes {@code nodeItems} as records; null in the names form
 * @param nodeNames the {@code NodeNames}; null in the full form
 */
record ExtenderArgs(PodSchedulingRecord pod, List<JsonObject> nodeItems, List<NodeSchedulingRecord> nodes,
        List<String> nodeNames) {

    private static final Gson STRICT_JSON = new GsonBuilder().setStrictness(Strictness.STRICT).create();

    /** The body is not JSON at all: not something kube-scheduler sent. */
    static final class NotJson extends Exception {
        private static final long serialVersionUID = 1L;

        NotJson(String message) {
            super(message);
        }
    }

    boolean namesForm() {
        return nodeNames != null;
    }

    /** The node names received, in input order, whichever the form. */
    List<String> names() {
        return namesForm() ? nodeNames : nodes.stream().map(NodeSchedulingRecord::name).toList();
    }

    /** The advisor's verdicts on exactly the nodes received: by name from its index, or these Node objects. */
    Explanation explainWith(PlacementAdvisor advisor) {
        return namesForm() ? advisor.explainOn(pod, nodeNames) : advisor.explainAgainst(pod, nodes);
    }

    /**
     * @throws NotJson when the body is not a JSON object
     * @throws InputException when it is one but not usable ExtenderArgs (no Pod, no nodes, a bad
     *     object), with a one-line message
     */
    static ExtenderArgs parse(byte[] body) throws NotJson {
        JsonElement tree;
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            tree = STRICT_JSON.fromJson(text, JsonElement.class);
        } catch (JsonParseException e) {
            throw new NotJson("the body is not JSON (expected kube-scheduler's ExtenderArgs): "
                    + KubeDocuments.jsonSyntax(text, e).problem());
        }
        if (tree == null || !tree.isJsonObject()) {
            throw new NotJson("the body is not a JSON object (expected kube-scheduler's ExtenderArgs)");
        }
        JsonObject args = tree.getAsJsonObject();
        JsonElement podJson = field(args, "Pod");
        if (podJson == null || !podJson.isJsonObject()) {
            throw new InputException("ExtenderArgs", 0, "no Pod object");
        }
        JsonObject podObject = podJson.getAsJsonObject().deepCopy();
        UnknownFields.prune(podObject, V1Pod.class);
        V1Pod pod = PodInput.decode("ExtenderArgs.Pod", podObject, false);
        PodSchedulingRecord record = ClusterProjection.podScheduling(pod);

        JsonElement names = field(args, "NodeNames");
        if (names != null && !names.isJsonNull()) {
            if (!names.isJsonArray()) {
                throw new InputException("ExtenderArgs.NodeNames", 0, "not a list of node names");
            }
            List<String> list = new ArrayList<>();
            for (JsonElement n : names.getAsJsonArray()) {
                if (!n.isJsonPrimitive() || !n.getAsJsonPrimitive().isString()) {
                    throw new InputException("ExtenderArgs.NodeNames", 0, "not a list of node names");
                }
                list.add(n.getAsString());
            }
            return new ExtenderArgs(record, null, null, List.copyOf(list));
        }
        JsonElement nodes = field(args, "Nodes");
        if (nodes == null || nodes.isJsonNull()) {
            throw new InputException("ExtenderArgs", 0, "neither Nodes nor NodeNames");
        }
        JsonElement items = nodes.isJsonObject() ? field(nodes.getAsJsonObject(), "items") : null;
        if (items == null || !(items.isJsonArray() || items.isJsonNull())) {
            throw new InputException("ExtenderArgs.Nodes", 0, "not a NodeList with items");
        }
        JsonArray array = items.isJsonNull() ? new JsonArray() : items.getAsJsonArray();
        List<JsonObject> objects = new ArrayList<>(array.size());
        List<NodeSchedulingRecord> records = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String where = "ExtenderArgs.Nodes.items[" + i + "]";
            if (!array.get(i).isJsonObject()) {
                throw new InputException(where, 0, "not a Node object");
            }
            JsonObject received = array.get(i).getAsJsonObject();
            JsonObject node = received.deepCopy();
            UnknownFields.prune(node, V1Node.class);
            V1Node decoded;
            try {
                KubeJson.check(node, V1Node.class);
                decoded = JSON.getGson().fromJson(node, V1Node.class);
            } catch (KubeJson.ProblemException e) {
                throw new InputException(where, 0, e.getMessage());
            } catch (RuntimeException e) {
                throw new InputException(where, 0, "cannot be read as a v1 Node");
            }
            if (decoded == null || decoded.getMetadata() == null || decoded.getMetadata().getName() == null) {
                throw new InputException(where, 0, "a Node without metadata.name");
            }
            objects.add(received);
            records.add(ClusterProjection.nodeScheduling(decoded));
        }
        return new ExtenderArgs(record, List.copyOf(objects), List.copyOf(records), null);
    }

    /** A key as Go's decoder finds it: the exact name first, else any case. */
    static JsonElement field(JsonObject object, String name) {
        JsonElement exact = object.get(name);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<String, JsonElement> e : object.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }
}
