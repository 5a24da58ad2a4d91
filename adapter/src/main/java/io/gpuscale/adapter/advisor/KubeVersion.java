package io.gpuscale.adapter.advisor;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Kubernetes release whose kube-scheduler wording the explanations copy
 * ({@code --kube-version}). Only the words differ between releases: the taint reason changed
 * three times (reference/scheduler.md, takeaway 4).
 *
 * @param major 1
 * @param minor e.g. 33
 */
public record KubeVersion(int major, int minor) implements Comparable<KubeVersion> {
    private static final Pattern FORM = Pattern.compile("v?(\\d{1,4})\\.(\\d{1,4})(?:\\.\\d{1,6})?(?:[-+][0-9A-Za-z.+-]*)?");

    /** The newest wording we know: kube-scheduler 1.35 (and late 1.34 patches) hide the taint. */
    public static final KubeVersion NEWEST = new KubeVersion(1, 35);

    public KubeVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("Kubernetes version numbers cannot be negative: " + major + "." + minor);
        }
    }

    /**
     * Reads {@code 1.33}, {@code v1.33.2} or a full build string such as {@code v1.30.4+k3s1}.
     *
     * @throws IllegalArgumentException with one line naming the bad value
     */
    public static KubeVersion parse(String s) {
        Matcher m = s == null ? null : FORM.matcher(s.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("not a Kubernetes version: \"" + s
                    + "\" (expected MAJOR.MINOR such as 1.33, or v1.33.2)");
        }
        return new KubeVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** Whether this release is {@code major.minor} or newer. */
    public boolean atLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    @Override
    public int compareTo(KubeVersion o) {
        return this.major != o.major ? Integer.compare(this.major, o.major) : Integer.compare(this.minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
