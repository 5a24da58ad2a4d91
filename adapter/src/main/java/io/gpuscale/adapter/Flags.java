package io.gpuscale.adapter;

import io.gpuscale.adapter.advisor.KubeVersion;
import java.util.function.Supplier;

/** Command-line values parsed the same way by every command: a bad one is one line naming its flag. */
final class Flags {
    private Flags() {
    }

    /** {@code parse}'s value; its IllegalArgumentException reworded as {@code invalid value for FLAG: ...}. */
    static <T> T wrap(String flag, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid value for " + flag + ": " + e.getMessage(), e);
        }
    }

    /** {@code --kube-version}: the newest known release where it is not given. */
    static KubeVersion kubeVersion(String text) {
        return text == null ? KubeVersion.NEWEST : wrap("--kube-version", () -> KubeVersion.parse(text));
    }
}
