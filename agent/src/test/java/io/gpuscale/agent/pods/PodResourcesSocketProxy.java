package io.gpuscale.agent.pods;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A unix socket in front of the fake kubelet that either drops every new connection at once (a
 * kubelet that is up but not serving) or forwards it. The socket file stays the same file
 * throughout, so a client cannot tell the two states apart by looking at the file.
 */
final class PodResourcesSocketProxy implements AutoCloseable {
    private final Path front;
    private final Path back;
    private final ServerSocketChannel listener;
    private final Thread acceptor;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private volatile boolean forwarding;

    PodResourcesSocketProxy(Path front, Path back) throws IOException {
        this.front = front;
        this.back = back;
        this.listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(front));
        this.acceptor = new Thread(this::acceptLoop, "kubelet-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** From now on, new connections reach the server behind. */
    void forward() {
        forwarding = true;
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            try {
                SocketChannel client = listener.accept();
                if (!forwarding) {
                    client.close();
                    continue;
                }
                SocketChannel server = SocketChannel.open(UnixDomainSocketAddress.of(back));
                open.add(client);
                open.add(server);
                pump(client, server);
                pump(server, client);
            } catch (IOException e) {
                // listener closed, or the server behind is gone: the client sees a dropped connection
            }
        }
    }

    private void pump(SocketChannel from, SocketChannel to) {
        Thread t = new Thread(() -> {
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            try {
                while (from.read(buffer) >= 0) {
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        to.write(buffer);
                    }
                    buffer.clear();
                }
            } catch (IOException e) {
                // either side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "kubelet-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        open.forEach(PodResourcesSocketProxy::closeQuietly);
        Files.deleteIfExists(front);
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
