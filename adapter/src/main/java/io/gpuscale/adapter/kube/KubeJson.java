package io.gpuscale.adapter.kube;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.annotations.SerializedName;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks a Kubernetes object, as JSON, against the official client's model classes before they
 * decode it, so that every problem is told in our words: the field's path as the API server writes
 * it ({@code spec.containers[0].resources.limits[nvidia.com/gpu]}), what was expected and what came.
 * The model classes' own messages (a Java class cast, a Gson hint, the whole offending JSON) never
 * reach a user. Quantity strings are trimmed in place, as the API server's decoder trims them.
 */
public final class KubeJson {
    private static final String MODELS = "io.kubernetes.client.openapi.models.";
    private static final Map<Class<?>, Model> MODELS_SEEN = new ConcurrentHashMap<>();

    private KubeJson() {
    }

    /**
     * A field that is not what its type needs.
     *
     * @param path the field's path, as the API server writes it ({@code spec.containers[0].ports})
     * @param keys the object keys along the path, in order, to find the line it is on
     * @param problem what was expected and what came
     */
    public record Problem(String path, List<String> keys, String problem) {
        /** {@code path: problem}. */
        public String message() {
            return path.isEmpty() ? problem : path + ": " + problem;
        }
    }

    /** Thrown by {@link #check}. */
    public static final class ProblemException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Problem problem;

        ProblemException(Problem problem) {
            super(problem.message(), null, false, false);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    /**
     * Checks {@code object} as a {@code model} (a client model class such as {@code V1Pod}).
     *
     * @throws ProblemException at the first field that the model would refuse or misread
     */
    public static void check(JsonObject object, Class<?> model) {
        new Walk().object(object, model, "", new ArrayList<>());
    }

    /** {@code V1Container} as a person names it: {@code Container}. */
    static String kindName(Class<?> model) {
        return model.getSimpleName().replaceFirst("^V\\d+(?:alpha\\d+|beta\\d+)?", "");
    }

    /** What a JSON value is, in words: {@code a string}, {@code a list}, ... */
    public static String describe(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonArray()) {
            return "a list";
        }
        if (e.isJsonObject()) {
            return "an object";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean() ? "true" : "false";
        }
        if (p.isNumber()) {
            return "the number " + shorten(p.getAsString());
        }
        return "the string " + quote(p.getAsString());
    }

    private static String quote(String s) {
        return "\"" + shorten(s).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private record Model(Map<String, Type> fields, Set<String> required) {
    }

    private static Model model(Class<?> type) {
        return MODELS_SEEN.computeIfAbsent(type, KubeJson::modelOf);
    }

    @SuppressWarnings("unchecked")
    private static Model modelOf(Class<?> type) {
        Map<String, Type> fields = new LinkedHashMap<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                SerializedName name = f.getAnnotation(SerializedName.class);
                if (name != null && !Modifier.isStatic(f.getModifiers())) {
                    fields.putIfAbsent(name.value(), f.getGenericType());
                }
            }
        }
        Set<String> required = Set.of();
        try {
            Field f = type.getDeclaredField("openapiRequiredFields");
            f.setAccessible(true);
            if (f.get(null) instanceof Collection<?> names) {
                required = Set.copyOf((Collection<String>) names);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // a model without the list: nothing is required
        }
        return new Model(Map.copyOf(fields), required);
    }

    private static final class Walk {
        void object(JsonObject object, Class<?> type, String path, List<String> keys) {
            Model m = model(type);
            for (Entry<String, JsonElement> e : object.entrySet()) {
                String childPath = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                List<String> childKeys = plus(keys, e.getKey());
                Type fieldType = m.fields().get(e.getKey());
                if (fieldType == null) {
                    throw fail(childPath, childKeys, "unknown field: a v1 " + kindName(type) + " has no field \""
                            + e.getKey() + "\"");
                }
                value(e, fieldType, childPath, childKeys);
            }
            for (String name : m.required()) {
                JsonElement v = object.get(name);
                if (v == null || v.isJsonNull()) {
                    throw fail(path.isEmpty() ? name : path + "." + name, keys, "Required value");
                }
            }
        }

        private void value(Entry<String, JsonElement> entry, Type type, String path, List<String> keys) {
            JsonElement v = entry.getValue();
            if (v == null || v.isJsonNull()) {
                return;
            }
            if (type == Quantity.class) {
                if (v.isJsonPrimitive() && !v.getAsJsonPrimitive().isBoolean() && QuantityText.isQuantity(v.getAsString())) {
                    if (v.getAsJsonPrimitive().isString()) {
                        entry.setValue(new JsonPrimitive(QuantityText.normalize(v.getAsString())));
                    }
                    return;
                }
                throw fail(path, keys, "expected " + QuantityText.EXPECTED + ", got " + describe(v));
            }
            element(v, type, path, keys);
        }

        private void element(JsonElement v, Type type, String path, List<String> keys) {
            if (v == null || v.isJsonNull()) {
                return;
            }
            if (type instanceof Class<?> c) {
                if (c == String.class) {
                    if (!v.isJsonPrimitive()) {
                        throw fail(path, keys, "expected a string, got " + describe(v));
                    }
                } else if (c == Integer.class || c == int.class || c == Long.class || c == long.class) {
                    if (!isInteger(v)) {
                        throw fail(path, keys, "expected an integer, got " + describe(v));
                    }
                } else if (c == Double.class || c == double.class || c == Float.class || c == float.class
                        || c == BigDecimal.class) {
                    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                        throw fail(path, keys, "expected a number, got " + describe(v));
                    }
                } else if (c == Boolean.class || c == boolean.class) {
                    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
                        throw fail(path, keys, "expected true or false, got " + describe(v));
                    }
                } else if (c == IntOrString.class) {
                    if (!isInteger(v) && !(v.isJsonPrimitive() && v.getAsJsonPrimitive().isString())) {
                        throw fail(path, keys, "expected an integer or a string, got " + describe(v));
                    }
                } else if (c == OffsetDateTime.class) {
                    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString() || !isTime(v.getAsString())) {
                        throw fail(path, keys, "expected an RFC 3339 time such as 2024-05-01T12:00:00Z, got "
                                + describe(v));
                    }
                } else if (c == Quantity.class) {
                    if (!v.isJsonPrimitive() || v.getAsJsonPrimitive().isBoolean()
                            || !QuantityText.isQuantity(v.getAsString())) {
                        throw fail(path, keys, "expected " + QuantityText.EXPECTED + ", got " + describe(v));
                    }
                } else if (c == byte[].class) {
                    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                        throw fail(path, keys, "expected a base64 string, got " + describe(v));
                    }
                } else if (c.getName().startsWith(MODELS)) {
                    if (!v.isJsonObject()) {
                        throw fail(path, keys, "expected an object (a v1 " + kindName(c) + "), got " + describe(v));
                    }
                    object(v.getAsJsonObject(), c, path, keys);
                }
                return;
            }
            if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
                Type[] args = p.getActualTypeArguments();
                if (List.class.isAssignableFrom(raw)) {
                    if (!v.isJsonArray()) {
                        throw fail(path, keys, "expected a list, got " + describe(v));
                    }
                    JsonArray array = v.getAsJsonArray();
                    for (int i = 0; i < array.size(); i++) {
                        int at = i;
                        Entry<String, JsonElement> item = new Entry<>() {
                            @Override
                            public String getKey() {
                                return Integer.toString(at);
                            }

                            @Override
                            public JsonElement getValue() {
                                return array.get(at);
                            }

                            @Override
                            public JsonElement setValue(JsonElement value) {
                                return array.set(at, value);
                            }
                        };
                        value(item, args[0], path + "[" + i + "]", plus(keys, "[" + i + "]"));
                    }
                } else if (Map.class.isAssignableFrom(raw) && args.length == 2) {
                    if (!v.isJsonObject()) {
                        throw fail(path, keys, "expected an object (a map), got " + describe(v));
                    }
                    for (Entry<String, JsonElement> e : v.getAsJsonObject().entrySet()) {
                        value(e, args[1], path + "[" + e.getKey() + "]", plus(keys, e.getKey()));
                    }
                }
            }
        }

        private static boolean isInteger(JsonElement v) {
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                return false;
            }
            try {
                BigDecimal d = v.getAsBigDecimal();
                return d.stripTrailingZeros().scale() <= 0 && d.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0;
            } catch (NumberFormatException e) {
                return false;
            }
        }

        private static boolean isTime(String s) {
            try {
                OffsetDateTime.parse(s);
                return true;
            } catch (DateTimeParseException e) {
                return false;
            }
        }

        private static List<String> plus(List<String> keys, String key) {
            List<String> out = new ArrayList<>(keys.size() + 1);
            out.addAll(keys);
            out.add(key);
            return out;
        }

        private static ProblemException fail(String path, List<String> keys, String problem) {
            return new ProblemException(new Problem(path, List.copyOf(keys), problem));
        }
    }
}
