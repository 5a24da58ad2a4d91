package io.gpuscale.agent.attribution;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a pod UID out of a process's {@code /proc/<pid>/cgroup} text. The kubelet puts every
 * container in a cgroup under its pod's: {@code .../kubepods/burstable/pod<uid>/<container>}
 * with the cgroupfs driver (cgroup v1 or v2), and
 * {@code .../kubepods-burstable-pod<uid_with_underscores>.slice/...} with the systemd driver.
 */
public final class CgroupPodUid {
    private static final Pattern POD = Pattern.compile(
            "pod([0-9a-fA-F]{8}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{4}[-_][0-9a-fA-F]{12})");

    private CgroupPodUid() {
    }

    /** The pod UID in canonical form (lower case, dashes), or empty for a process in no pod. */
    public static Optional<String> parse(String cgroupFile) {
        for (String line : cgroupFile.split("\n")) {
            int path = line.indexOf(':', line.indexOf(':') + 1);
            if (path < 0 || !line.contains("kubepods")) {
                continue;
            }
            Matcher m = POD.matcher(line.substring(path + 1));
            String uid = null;
            while (m.find()) {
                uid = m.group(1); // the innermost pod segment
            }
            if (uid != null) {
                return Optional.of(uid.replace('_', '-').toLowerCase(Locale.ROOT));
            }
        }
        return Optional.empty();
    }
}
