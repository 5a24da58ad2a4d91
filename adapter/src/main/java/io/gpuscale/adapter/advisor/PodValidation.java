package io.gpuscale.adapter.advisor;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What the API server's validation would refuse in a pod's resources, checked before the advisor
 * explains it, in the API server's words ({@code pkg/apis/core/validation}: ValidateResourceRequirements
 * and the quantity checks it calls). A pod the API server would refuse can never be pending, so
 * explaining where it "fits" (or scoring it) would be a wrong answer:
 *
 * <ul>
 *   <li>no quantity is negative: {@code Invalid value: "-3": must be greater than or equal to 0};
 *   <li>an extended resource (a domain-qualified name outside {@code kubernetes.io}, such as
 *       {@code nvidia.com/gpu} or {@code nvidia.com/mig-1g.10gb}) is a whole number:
 *       {@code must be an integer} ({@code 1Ki} and {@code 1e3} are whole, {@code 1.5} and {@code 500m} are not);
 *   <li>a request is at most its limit ({@code must be less than or equal to memory limit of 1Gi}), and for
 *       resources that cannot be overcommitted (extended resources, hugepages) equal to it
 *       ({@code must be equal to nvidia.com/gpu limit of 2}); such a request needs a limit
 *       ({@code Limit must be set for non overcommitable resources});
 *   <li>a container's resource names are standard ones (cpu, memory, ephemeral-storage, hugepages-*)
 *       or extended ones.
 * </ul>
 *
 * As in the API server, the checks run after defaulting: a resource given only as a limit is also
 * requested at that amount (so {@code limits: {nvidia.com/gpu: 1}} alone is valid and requests one
 * GPU). Errors come in the API server's order (containers, then init containers; limits before
 * requests), with names sorted where it walks a map.
 *
 * <p>One deliberate difference: for {@code must be an integer} the API server (through at least 1.30)
 * prints the Go structure of the quantity ({@code resource.Quantity{i:resource.int64Amount{...}}});
 * we print the quantity as every other message prints it ({@code "1500m"}).
 */
public final class PodValidation {
    static final String NEGATIVE = "must be greater than or equal to 0";
    static final String NOT_INTEGER = "must be an integer";
    static final String LIMIT_REQUIRED = "Limit must be set for non overcommitable resources";
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
    private static final Pattern QUALIFIED = Pattern.compile(
            "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

    private PodValidation() {
    }

    /** Every error, in the API server's order; empty when the pod is valid. */
    public static List<FieldError> validate(V1Pod pod) {
        List<FieldError> errors = new ArrayList<>();
        V1PodSpec spec = pod.getSpec();
        if (spec == null || spec.getContainers() == null || spec.getContainers().isEmpty()) {
            errors.add(FieldError.required("spec.containers", ""));
            return errors;
        }
        containers(spec.getContainers(), "spec.containers", errors);
        if (spec.getInitContainers() != null) {
            containers(spec.getInitContainers(), "spec.initContainers", errors);
        }
        if (spec.getOverhead() != null) {
            new TreeMap<>(spec.getOverhead()).forEach((name, q) -> nonNegative(q, "spec.overhead[" + name + "]", errors));
        }
        V1ResourceRequirements podLevel = spec.getResources();
        if (podLevel != null) {
            Map<String, Quantity> limits = sorted(podLevel.getLimits());
            Map<String, Quantity> requests = sorted(podLevel.getRequests());
            limits.forEach((name, q) -> nonNegative(q, "spec.resources.limits[" + name + "]", errors));
            requests.forEach((name, q) -> {
                nonNegative(q, "spec.resources.requests[" + name + "]", errors);
                Quantity limit = limits.get(name);
                if (limit != null && q.getNumber().compareTo(limit.getNumber()) > 0) {
                    errors.add(FieldError.invalid("spec.resources.requests", text(q), "must be less than or equal to "
                            + name + " limit of " + text(limit)));
                }
            });
        }
        return errors;
    }

    /** The API server's message for a pod with these errors: {@code Pod "NAME" is invalid: ...}. */
    public static String message(String podName, List<FieldError> errors) {
        String list = errors.size() == 1 ? errors.get(0).toString()
                : "[" + String.join(", ", errors.stream().map(FieldError::toString).toList()) + "]";
        return "Pod \"" + podName + "\" is invalid: " + list;
    }

    private static void containers(List<V1Container> containers, String path, List<FieldError> errors) {
        for (int i = 0; i < containers.size(); i++) {
            V1Container c = containers.get(i);
            if (c != null && c.getResources() != null) {
                resources(c.getResources(), path + "[" + i + "].resources", errors);
            }
        }
    }

    private static void resources(V1ResourceRequirements r, String path, List<FieldError> errors) {
        Map<String, Quantity> limits = sorted(r.getLimits());
        // The API server's defaulting, before validation: a limit without a request is also the request.
        Map<String, Quantity> requests = sorted(r.getRequests());
        limits.forEach(requests::putIfAbsent);
        String limPath = path + ".limits";
        String reqPath = path + ".requests";
        limits.forEach((name, q) -> {
            String at = limPath + "[" + name + "]";
            name(name, at, errors);
            quantity(name, q, at, errors);
        });
        requests.forEach((name, q) -> {
            String at = reqPath + "[" + name + "]";
            name(name, at, errors);
            quantity(name, q, at, errors);
            Quantity limit = limits.get(name);
            if (limit != null) {
                int cmp = q.getNumber().compareTo(limit.getNumber());
                if (cmp != 0 && !overcommitAllowed(name)) {
                    errors.add(FieldError.invalid(reqPath, text(q), "must be equal to " + name + " limit of " + text(limit)));
                } else if (cmp > 0) {
                    errors.add(FieldError.invalid(reqPath, text(q), "must be less than or equal to " + name + " limit of "
                            + text(limit)));
                }
            } else if (!overcommitAllowed(name)) {
                errors.add(FieldError.required(limPath, LIMIT_REQUIRED));
            }
        });
    }

    /** {@code validateContainerResourceName}. */
    private static void name(String name, String at, List<FieldError> errors) {
        if (name.length() > 316 || !QUALIFIED.matcher(name).matches() || name.indexOf('/') != name.lastIndexOf('/')
                || name.substring(name.lastIndexOf('/') + 1).length() > 63) {
            errors.add(FieldError.invalid(at, name, "must be a qualified name: an optional DNS subdomain and '/', then "
                    + "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"));
        } else if (!name.contains("/")) {
            if (!standardForContainers(name)) {
                errors.add(FieldError.invalid(at, name, "must be a standard resource for containers"));
            }
        } else if (!ResourceNames.isNative(name) && !ResourceNames.isExtended(name)) {
            errors.add(FieldError.invalid(at, name, "doesn't follow extended resource name standard"));
        }
    }

    /** {@code ValidateResourceQuantityValue} for a container's resource. */
    private static void quantity(String name, Quantity q, String at, List<FieldError> errors) {
        nonNegative(q, at, errors);
        if (ResourceNames.isExtended(name)) {
            BigDecimal milli = q.getNumber().multiply(THOUSAND).setScale(0, RoundingMode.CEILING);
            if (milli.remainder(THOUSAND).signum() != 0) {
                errors.add(FieldError.invalid(at, text(q), NOT_INTEGER));
            }
        }
    }

    private static void nonNegative(Quantity q, String at, List<FieldError> errors) {
        if (q.getNumber().signum() < 0) {
            errors.add(FieldError.invalid(at, text(q), NEGATIVE));
        }
    }

    private static boolean standardForContainers(String name) {
        return ResourceNames.CPU.equals(name) || ResourceNames.MEMORY.equals(name)
                || ResourceNames.EPHEMERAL_STORAGE.equals(name) || ResourceNames.isHugePages(name);
    }

    /** {@code helper.IsOvercommitAllowed}: native resources other than hugepages. */
    private static boolean overcommitAllowed(String name) {
        return ResourceNames.isNative(name) && !ResourceNames.isHugePages(name);
    }

    private static Map<String, Quantity> sorted(Map<String, Quantity> m) {
        TreeMap<String, Quantity> out = new TreeMap<>();
        if (m != null) {
            m.forEach((k, v) -> {
                if (k != null && v != null) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    /** A quantity as the API server prints it ({@code Quantity.String()}, canonical form). */
    static String text(Quantity q) {
        if (q.getNumber().signum() < 0) {
            // The client's formatter loses binary suffixes on negative numbers (-1Gi as -1073741824); Go's does not.
            return "-" + new Quantity(q.getNumber().negate(), q.getFormat()).toSuffixedString();
        }
        return q.toSuffixedString();
    }
}
