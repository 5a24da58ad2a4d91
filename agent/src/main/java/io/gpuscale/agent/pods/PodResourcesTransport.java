package io.gpuscale.agent.pods;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Netty's native epoll transport, which gRPC needs for unix sockets. */
final class PodResourcesTransport {

    private PodResourcesTransport() {
    }

    /**
     * @throws IllegalStateException when epoll's native library did not load (not Linux, or an
     *     architecture without a bundled library)
     */
    static void ensureAvailable() {
        if (!Epoll.isAvailable()) {
            Throwable cause = Epoll.unavailabilityCause();
            throw new IllegalStateException(
                    "unix sockets need Netty's native epoll transport, which did not load: " + cause, cause);
        }
    }

    static Class<? extends Channel> domainSocketChannelType() {
        return EpollDomainSocketChannel.class;
    }

    /** An epoll event loop with {@code threads} daemon threads named {@code <name>-...}. */
    static EventLoopGroup newEventLoop(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true),
                EpollIoHandler.newFactory());
    }
}
