package io.gpuscale.deploy;

import io.kubernetes.client.openapi.models.V1Container;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the manifests pass on a container's command line, as the checks need it. */
final class ContainerArgs {
    private ContainerArgs() {
    }

    /** The container's args (no command: the images' entry points run the jars). */
    static List<String> of(V1Container c) {
        assertThatNoCommand(c);
        return Objects.requireNonNullElse(c.getArgs(), List.of());
    }

    private static void assertThatNoCommand(V1Container c) {
        if (c.getCommand() != null && !c.getCommand().isEmpty()) {
            throw new AssertionError("container " + c.getName() + " overrides the image's entry point: "
                    + c.getCommand());
        }
    }

    /** Absolute paths given as flag values ({@code --flag=/a/b}) or as separate arguments. */
    static List<String> paths(V1Container c) {
        List<String> out = new ArrayList<>();
        for (String a : of(c)) {
            String v = a.startsWith("--") && a.contains("=") ? a.substring(a.indexOf('=') + 1) : a;
            if (v.startsWith("/")) {
                out.add(v);
            }
        }
        return out;
    }

    /** The value of {@code --flag=VALUE}, or null. */
    static String value(List<String> args, String flag) {
        return args.stream().filter(a -> a.startsWith(flag + "=")).map(a -> a.substring(flag.length() + 1))
                .findFirst().orElse(null);
    }
}
