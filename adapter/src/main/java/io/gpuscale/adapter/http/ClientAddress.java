package io.gpuscale.adapter.http;

import io.vertx.core.net.SocketAddress;

/** The key one client is counted under by the per-client limits: its remote IP address. */
final class ClientAddress {
    private ClientAddress() {
    }

    static String of(SocketAddress remote) {
        if (remote == null) {
            return "unknown";
        }
        String ip = remote.hostAddress();
        return ip != null ? ip : String.valueOf(remote.host());
    }
}
