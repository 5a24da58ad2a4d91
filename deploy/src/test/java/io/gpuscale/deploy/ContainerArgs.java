package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import picocli.CommandLine;
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

    /** The one container of a pod template. */
    static V1Container single(List<V1Container> containers) {
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    static CommandLine.ParseResult parse(KustomizeRender r, V1Container c, CommandLine cmd, List<String> args) {
        try {
            return cmd.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new AssertionError(r + ": container " + c.getName() + " args " + args + " are rejected: "
                    + e.getMessage(), e);
        }
    }

    /** Calls the component's own validation (package-private in its package: by reflection). */
    static void validate(KustomizeRender r, V1Container c, Object command, String method) throws Exception {
        Method m;
        try {
            m = command.getClass().getDeclaredMethod(method);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(command.getClass().getName() + " has no " + method + "() any more: "
                    + "update this test to call the validation the component runs at start", e);
        }
        m.setAccessible(true);
        try {
            assertThat(m.invoke(command)).isNotNull();
        } catch (InvocationTargetException e) {
            throw new AssertionError(r + ": container " + c.getName() + " args " + c.getArgs() + " fail "
                    + method + "(): " + e.getCause().getMessage(), e.getCause());
        }
    }

    static int port(String hostPort) {
        assertThat(hostPort).isNotNull();
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    static int namedPort(V1Container c, String name) {
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).map(V1ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new AssertionError("container " + c.getName() + " has no port " + name));
    }
}
