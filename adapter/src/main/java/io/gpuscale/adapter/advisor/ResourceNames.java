package io.gpuscale.adapter.advisor;

import io.kubernetes.client.custom.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.regex.Pattern;

/**
 * Resource names as kube-scheduler and quota admission classify them, and the canonical integer
 * units the per-node arithmetic runs in: millicores for cpu, whole units (bytes, devices) for
 * everything else, each rounded up as Go's {@code Quantity.MilliValue()} / {@code Value()} do.
 */
final class ResourceNames {
    static final String CPU = "cpu";
    static final String MEMORY = "memory";
    static final String EPHEMERAL_STORAGE = "ephemeral-storage";
    static final String PODS = "pods";
    static final String GPU = "nvidia.com/gpu";

    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
    private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    /** {@code validation.IsQualifiedName}: an optional DNS-subdomain prefix and a name of at most 63 characters. */
    private static final Pattern QUALIFIED_NAME = Pattern.compile(
            "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                    + "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

    private ResourceNames() {
    }

    /** {@code helper.IsPrefixedNativeResource}: in the {@code kubernetes.io/} namespace. */
    static boolean isPrefixedNative(String name) {
        return name.contains("kubernetes.io/");
    }

    /** {@code helper.IsNativeResource}: no domain, or the {@code kubernetes.io/} one. */
    static boolean isNative(String name) {
        return !name.contains("/") || isPrefixedNative(name);
    }

    /** {@code helper.IsExtendedResourceName}: a domain-qualified name outside kubernetes.io, such as nvidia.com/gpu. */
    static boolean isExtended(String name) {
        if (isNative(name) || name.startsWith("requests.")) {
            return false;
        }
        String forQuota = "requests." + name;
        int slash = forQuota.lastIndexOf('/');
        return slash < 254 && forQuota.length() - slash - 1 <= 63 && QUALIFIED_NAME.matcher(forQuota).matches();
    }

    static boolean isHugePages(String name) {
        return name.startsWith("hugepages-");
    }

    /**
     * {@code schedutil.IsScalarResourceName}: the resources NodeResourcesFit checks besides cpu,
     * memory and ephemeral-storage. Anything else (a bare unknown name) it ignores.
     */
    static boolean isScalar(String name) {
        return isExtended(name) || isHugePages(name) || isPrefixedNative(name) || name.startsWith("attachable-volumes-");
    }

    /** Whether NodeResourcesFit checks this resource at all. */
    static boolean isChecked(String name) {
        return CPU.equals(name) || MEMORY.equals(name) || EPHEMERAL_STORAGE.equals(name) || isScalar(name);
    }

    /** A GPU resource the GPU-aware score looks at: whole GPUs or MIG slices. */
    static boolean isGpu(String name) {
        return name.startsWith(GPU) || name.startsWith("nvidia.com/mig-");
    }

    /** The quantity in canonical units: millicores for cpu, else whole units, rounded up. */
    static long canonical(String name, Quantity q) {
        BigDecimal n = q.getNumber();
        if (CPU.equals(name)) {
            n = n.multiply(THOUSAND);
        }
        n = n.setScale(0, RoundingMode.CEILING);
        return n.compareTo(MAX) > 0 ? Long.MAX_VALUE : n.longValue();
    }

    /** A canonical amount as a person reads it: {@code 1500m} or {@code 2} for cpu, {@code 8Gi} for bytes. */
    static String format(String name, long v) {
        if (CPU.equals(name)) {
            return v % 1000 == 0 ? Long.toString(v / 1000) : v + "m";
        }
        if (MEMORY.equals(name) || EPHEMERAL_STORAGE.equals(name) || isHugePages(name)) {
            String[] suffixes = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
            String suffix = "";
            long x = v;
            for (int i = 0; x != 0 && x % 1024 == 0 && i < suffixes.length; i++) {
                x /= 1024;
                suffix = suffixes[i];
            }
            return x + suffix;
        }
        return Long.toString(v);
    }
}
