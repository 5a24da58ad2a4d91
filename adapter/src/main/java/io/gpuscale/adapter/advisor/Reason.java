package io.gpuscale.adapter.advisor;

import java.util.Objects;

/**
 * One failing check on one node, with its concrete numbers: the plugin, kube-scheduler's name for
 * it ({@code NodeResourcesFit}, {@code TaintToleration}, ...), and the message, what failed with
 * the numbers ("Insufficient nvidia.com/gpu: requested 2, allocatable 1, used 1").
 *
 * <p>A value: two reasons are equal when their plugins and messages are. The advisor makes most
 * reasons with the numbers only and writes the message on the first call of {@link #message()}
 * (then keeps it): an explanation of thousands of infeasible nodes builds no text that is not
 * rendered, and the extender, which reports only kube-scheduler's status reasons, builds none.
 */
public sealed class Reason permits NodeResourcesFit.Shortage, NodeAffinity.Mismatch {
    private final String plugin;
    /** The message; null until {@link #format()} has made it. A racy cache of an immutable, deterministic value. */
    private String message;

    /**
     * @param plugin kube-scheduler's plugin name
     * @param message what failed, with the numbers
     */
    public Reason(String plugin, String message) {
        this.plugin = Objects.requireNonNull(plugin, "plugin");
        this.message = Objects.requireNonNull(message, "message");
    }

    /** For a reason whose message {@link #format()} writes when first asked. */
    Reason(String plugin) {
        this.plugin = Objects.requireNonNull(plugin, "plugin");
    }

    /** kube-scheduler's plugin name. */
    public final String plugin() {
        return plugin;
    }

    /** What failed, with the numbers. */
    public final String message() {
        String m = message;
        if (m == null) {
            m = format();
            message = m;
        }
        return m;
    }

    /** The message of a reason made without one. */
    String format() {
        throw new IllegalStateException("a reason made with its message has no format");
    }

    @Override
    public final boolean equals(Object o) {
        return o instanceof Reason r && plugin.equals(r.plugin) && message().equals(r.message());
    }

    @Override
    public final int hashCode() {
        return 31 * plugin.hashCode() + message().hashCode();
    }

    @Override
    public final String toString() {
        return "Reason[plugin=" + plugin + ", message=" + message() + "]";
    }
}
