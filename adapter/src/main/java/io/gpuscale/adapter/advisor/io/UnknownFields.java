package io.gpuscale.adapter.advisor.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.annotations.SerializedName;
import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drops the fields the client's model classes do not know, so that objects from a newer
 * Kubernetes than the client's (kube-scheduler's Pods and Nodes, sent to the extender) still
 * decode. The official client refuses any unknown field, which is right for a file a person wrote
 * and wrong for a cluster one minor release ahead: a field we do not know cannot change what we
 * decide.
 */
public final class UnknownFields {
    private static final String MODELS = "io.kubernetes.client.openapi.models.";
    private static final Map<Class<?>, Map<String, Type>> FIELDS = new ConcurrentHashMap<>();

    private UnknownFields() {
    }

    /**
     * Removes, in place, every key of {@code object} (and of the objects inside it) that
     * {@code model} has no field for.
     *
     * @return how many were removed
     */
    public static int prune(JsonObject object, Class<?> model) {
        Map<String, Type> known = FIELDS.computeIfAbsent(model, UnknownFields::fieldsOf);
        int removed = 0;
        for (Iterator<Map.Entry<String, JsonElement>> it = object.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, JsonElement> e = it.next();
            Type type = known.get(e.getKey());
            if (type == null) {
                it.remove();
                removed++;
            } else {
                removed += prune(e.getValue(), type);
            }
        }
        return removed;
    }

    private static int prune(JsonElement value, Type type) {
        if (value == null || value.isJsonNull()) {
            return 0;
        }
        if (type instanceof Class<?> c && c.getName().startsWith(MODELS) && value.isJsonObject()) {
            return prune(value.getAsJsonObject(), c);
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            Type[] args = p.getActualTypeArguments();
            int removed = 0;
            if (List.class.isAssignableFrom(raw) && value.isJsonArray()) {
                JsonArray array = value.getAsJsonArray();
                for (JsonElement item : array) {
                    removed += prune(item, args[0]);
                }
            } else if (Map.class.isAssignableFrom(raw) && args.length == 2 && value.isJsonObject()) {
                for (Map.Entry<String, JsonElement> item : value.getAsJsonObject().entrySet()) {
                    removed += prune(item.getValue(), args[1]);
                }
            }
            return removed;
        }
        return 0;
    }

    private static Map<String, Type> fieldsOf(Class<?> model) {
        Map<String, Type> out = new HashMap<>();
        for (Class<?> c = model; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                SerializedName name = f.getAnnotation(SerializedName.class);
                if (name != null) {
                    out.putIfAbsent(name.value(), f.getGenericType());
                }
            }
        }
        return Map.copyOf(out);
    }
}
