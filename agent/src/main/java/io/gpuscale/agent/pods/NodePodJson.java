package io.gpuscale.agent.pods;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the API server's pod lists and watch events as a stream of JSON tokens and keeps only
 * what the agent uses of each pod: namespace, name, UID, node and phase (and the resource
 * versions the reflector resumes from). Everything else (containers, labels, annotations,
 * conditions: most of a pod's 5-20 kB) is skipped without being built. Pure: no I/O.
 */
final class NodePodJson {
    private static final JsonFactory JSON = new JsonFactory();

    private NodePodJson() {
    }

    /**
     * A pod cut down to what the agent keeps.
     *
     * @param nodeName {@code spec.nodeName}; null when the pod is not scheduled yet
     * @param phase {@code status.phase}; null when not reported yet
     */
    record Pod(String namespace, String name, String uid, String nodeName, String phase) {
        /** The key the store holds it under: {@code namespace/name}. */
        String key() {
            return namespace + '/' + name;
        }

        /**
         * The pod as the agent sees it, or empty when it is not on {@code node} (the field
         * selector should have left it out; this guards against a server that ignores it) or
         * lacks a name or UID.
         */
        Optional<PodInfo> info(String node) {
            if (uid == null || namespace == null || name == null || !node.equals(nodeName)) {
                return Optional.empty();
            }
            return Optional.of(new PodInfo(uid, namespace, name, phase == null ? "" : phase));
        }
    }

    /**
     * One page of a pod list.
     *
     * @param resourceVersion the list's resource version, to watch from
     * @param continueToken where the next page starts; empty on the last page
     */
    record Page(List<Pod> items, String resourceVersion, String continueToken) {
    }

    /**
     * One watch event: {@code ADDED}, {@code MODIFIED}, {@code DELETED}, {@code BOOKMARK} with
     * its pod (only the resource version is meaningful for a bookmark), or {@code ERROR} with the
     * API status' code, reason and message.
     */
    record Event(String type, Pod pod, String resourceVersion, int code, String reason, String message) {
    }

    /** What one JSON object said, of the fields looked at. */
    private static final class Fields {
        String namespace;
        String name;
        String uid;
        String resourceVersion;
        String continueToken;
        String nodeName;
        String phase;
        int code;
        String reason;
        String message;
        List<Pod> items;

        Pod pod() {
            return new Pod(namespace, name, uid, nodeName, phase);
        }
    }

    /** Decodes a {@code PodList} (one page of it). */
    static Page page(byte[] json) throws IOException {
        try (JsonParser p = JSON.createParser(json)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT, "a pod list");
            Fields f = new Fields();
            readObject(p, f, true);
            if (f.items == null && f.resourceVersion == null) {
                throw new IOException("the API server's answer is not a pod list (no items, no resourceVersion)");
            }
            return new Page(f.items == null ? List.of() : f.items, f.resourceVersion == null ? "" : f.resourceVersion,
                    f.continueToken == null ? "" : f.continueToken);
        }
    }

    /** Decodes one watch event (one line of a watch). */
    static Event event(byte[] json, int offset, int length) throws IOException {
        try (JsonParser p = JSON.createParser(json, offset, length)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT, "a watch event");
            String type = null;
            Fields object = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("type".equals(field) && value == JsonToken.VALUE_STRING) {
                    type = p.getText();
                } else if ("object".equals(field) && value == JsonToken.START_OBJECT) {
                    object = new Fields();
                    readObject(p, object, false);
                } else {
                    p.skipChildren();
                }
            }
            if (type == null || object == null) {
                throw new IOException("a watch event without type or object");
            }
            return new Event(type, object.pod(), object.resourceVersion, object.code, object.reason, object.message);
        }
    }

    /** Reads the object the parser is at (after its START_OBJECT) up to its END_OBJECT. */
    private static void readObject(JsonParser p, Fields f, boolean list) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "metadata" -> readMetadata(p, f, value);
                case "spec" -> {
                    if (value == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
                            JsonToken v = p.nextToken();
                            if ("nodeName".equals(name)) {
                                f.nodeName = text(p, v);
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                case "status" -> {
                    // A pod's status is an object; an API Status' status is "Failure" or "Success".
                    if (value == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
                            JsonToken v = p.nextToken();
                            if ("phase".equals(name)) {
                                f.phase = text(p, v);
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                case "code" -> f.code = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : 0;
                case "reason" -> f.reason = text(p, value);
                case "message" -> f.message = text(p, value);
                case "items" -> {
                    if (list && value == JsonToken.START_ARRAY) {
                        f.items = new ArrayList<>();
                        JsonToken t;
                        while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
                            Fields item = new Fields();
                            readObject(p, item, false);
                            f.items.add(item.pod());
                        }
                        if (t != JsonToken.END_ARRAY) {
                            throw new IOException("a pod list whose items are not objects");
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    private static void readMetadata(JsonParser p, Fields f, JsonToken value) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "namespace" -> f.namespace = text(p, v);
                case "name" -> f.name = text(p, v);
                case "uid" -> f.uid = text(p, v);
                case "resourceVersion" -> f.resourceVersion = text(p, v);
                case "continue" -> f.continueToken = text(p, v);
                default -> p.skipChildren();
            }
        }
    }

    private static String text(JsonParser p, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        p.skipChildren();
        return null;
    }

    private static void expect(JsonParser p, JsonToken actual, JsonToken expected, String what) throws IOException {
        if (actual != expected) {
            throw new IOException("the API server's answer is not " + what + " (it starts with " + actual + ")");
        }
    }
}
