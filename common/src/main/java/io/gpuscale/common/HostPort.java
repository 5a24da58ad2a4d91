package io.gpuscale.common;

/**
 * A {@code HOST:PORT} flag value: the agent's {@code --listen}, the adapter's
 * {@code --metrics-bind-address}. An empty host is every address ({@code 0.0.0.0}); an IPv6
 * host may be bracketed ({@code [::1]:9420}).
 *
 * @param host the address to bind
 * @param port 0 to 65535; 0 picks a free port
 */
public record HostPort(String host, int port) {
    /**
     * Parses {@code text}; IllegalArgumentException with one line that quotes it otherwise.
     *
     * @param example how a good value looks, for the message, e.g. {@code 0.0.0.0:9410 or :9410}
     */
    public static HostPort parse(String text, String example) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT (e.g. " + example + ")");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            host = "0.0.0.0";
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no valid port (0-65535)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range (0-65535)");
        }
        return new HostPort(host, port);
    }
}
