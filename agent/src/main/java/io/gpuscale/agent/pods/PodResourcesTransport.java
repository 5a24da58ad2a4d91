package io.gpuscale.agent.pods;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Netty's native epoll transport, which gRPC needs for unix sockets.
 *
 * <p>Looked up by name because netty-bom scopes the epoll jars {@code runtime}, so their classes
 * are not on the main compile classpath. With {@code io.netty:netty-transport-classes-epoll} at
 * compile scope this class becomes direct references to {@code Epoll},
 * {@code EpollDomainSocketChannel} and {@code EpollIoHandler}.
 */
final class PodResourcesTransport {
    private static final String EPOLL = "io.netty.channel.epoll.Epoll";
    private static final String DOMAIN_SOCKET_CHANNEL = "io.netty.channel.epoll.EpollDomainSocketChannel";
    private static final String IO_HANDLER = "io.netty.channel.epoll.EpollIoHandler";

    private PodResourcesTransport() {
    }

    /**
     * @throws IllegalStateException when epoll is not on the classpath or its native library did
     *     not load (not Linux, or an architecture without a bundled library)
     */
    static void ensureAvailable() {
        Throwable cause;
        try {
            Class<?> epoll = Class.forName(EPOLL);
            if ((Boolean) epoll.getMethod("isAvailable").invoke(null)) {
                return;
            }
            cause = (Throwable) epoll.getMethod("unavailabilityCause").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            cause = e;
        }
        throw new IllegalStateException("unix sockets need Netty's native epoll transport, which did not load: " + cause,
                cause);
    }

    static Class<? extends Channel> domainSocketChannelType() {
        try {
            return Class.forName(DOMAIN_SOCKET_CHANNEL).asSubclass(Channel.class);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(DOMAIN_SOCKET_CHANNEL + " is not on the classpath", e);
        }
    }

    /** An epoll event loop with {@code threads} daemon threads named {@code <name>-...}. */
    static EventLoopGroup newEventLoop(int threads, String name) {
        IoHandlerFactory handlers;
        try {
            handlers = (IoHandlerFactory) Class.forName(IO_HANDLER).getMethod("newFactory").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(IO_HANDLER + ".newFactory() failed: " + e, e);
        }
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), handlers);
    }
}
