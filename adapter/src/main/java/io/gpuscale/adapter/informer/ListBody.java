package io.gpuscale.adapter.informer;

import com.google.gson.Gson;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1ListMeta;
import java.io.EOFException;
import java.io.IOException;
import java.io.Reader;
import java.util.function.Consumer;

/**
 * Reads the body of a Kubernetes list answer ({@code {"metadata": {...}, "items": [...]}}) as a
 * stream: each item is decoded with the client's Gson and handed on before the next is read, so
 * at most one of the client's model objects lives at a time and the body is never held whole.
 * kube-apiserver answers a list at {@code resourceVersion=0} from its watch cache in one piece
 * whatever {@code limit} says, so this is what bounds the memory of an informer's first list.
 * Fields other than {@code metadata} and {@code items} are skipped. Inside those, the client's
 * models are as strict as in the client's own calls: a field they do not know fails the item.
 */
final class ListBody {
    private final Gson gson;
    private final Class<? extends KubernetesObject> itemType;
    private final String kind;

    ListBody(Gson gson, Class<? extends KubernetesObject> itemType) {
        this.gson = gson;
        this.itemType = itemType;
        this.kind = itemType.getSimpleName().replaceFirst("^V\\d+((alpha|beta)\\d+)?(?=[A-Z])", "");
    }

    /**
     * Reads one list answer, handing each item to {@code items} as it is decoded; returns the
     * list's metadata (resource version, continue token), or an empty one if it had none.
     *
     * @throws UnreadableListException if the body is not a list of this kind, an item does not
     *     decode or is refused by {@code items}, or the body ends or breaks off early
     */
    V1ListMeta read(Reader body, Consumer<KubernetesObject> items) throws UnreadableListException {
        JsonReader in = new JsonReader(body);
        V1ListMeta meta = null;
        int read = 0;
        try {
            if (in.peek() != JsonToken.BEGIN_OBJECT) {
                throw unreadable("is not a JSON object but starts with " + in.peek(), null);
            }
            in.beginObject();
            while (in.hasNext()) {
                String field = in.nextName();
                if (field.equals("metadata")) {
                    meta = metadata(in);
                } else if (field.equals("items") && in.peek() != JsonToken.NULL) {
                    in.beginArray();
                    while (in.hasNext()) {
                        item(in, read, items);
                        read++;
                    }
                    in.endArray();
                } else {
                    in.skipValue();
                }
            }
            in.endObject();
        } catch (EOFException e) {
            throw unreadable("ended early, after " + read + " items", e);
        } catch (MalformedJsonException e) {
            throw unreadable("is not valid JSON after " + read + " items: " + e.getMessage(), e);
        } catch (IllegalStateException e) { // JsonReader: a token other than the one asked for
            throw unreadable("does not have the shape of a list after " + read + " items: " + e.getMessage(), e);
        } catch (IOException e) {
            throw unreadable("broke off after " + read + " items: " + e, e);
        }
        return meta == null ? new V1ListMeta() : meta;
    }

    private V1ListMeta metadata(JsonReader in) throws IOException, UnreadableListException {
        try {
            V1ListMeta meta = gson.fromJson(in, V1ListMeta.class);
            return meta == null ? new V1ListMeta() : meta;
        } catch (RuntimeException e) { // Gson's own, and the models' validation and date parsing
            IOException io = ioCause(e);
            if (io != null) {
                throw io;
            }
            throw unreadable("has list metadata that does not decode: " + e.getMessage(), e);
        }
    }

    private void item(JsonReader in, int index, Consumer<KubernetesObject> items)
            throws IOException, UnreadableListException {
        KubernetesObject item;
        try {
            item = gson.fromJson(in, itemType);
        } catch (RuntimeException e) { // Gson's own, and the models' validation and date parsing
            // Gson reports a body that ends or breaks off inside an item as a syntax error too.
            IOException io = ioCause(e);
            if (io != null) {
                throw io;
            }
            throw unreadable("has item " + index + " that does not decode as a " + kind + ": "
                    + e.getMessage(), e);
        }
        if (item == null) {
            throw unreadable("has item " + index + " that is null", null);
        }
        try {
            items.accept(item);
        } catch (RuntimeException e) {
            throw unreadable("has item " + index + " (" + key(item) + ") that cannot be used: " + e, e);
        }
    }

    private static String key(KubernetesObject item) {
        if (item.getMetadata() == null) {
            return "no metadata";
        }
        String namespace = item.getMetadata().getNamespace();
        return namespace == null ? item.getMetadata().getName() : namespace + "/" + item.getMetadata().getName();
    }

    private static IOException ioCause(Throwable e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof IOException io) {
                return io;
            }
        }
        return null;
    }

    private UnreadableListException unreadable(String what, Throwable cause) {
        return new UnreadableListException("the " + kind + " list " + what, cause);
    }
}
