package io.gpuscale.agent.pods;

import com.google.protobuf.MessageLite;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A fake kubelet: a real grpc-java server on a unix socket serving {@code v1.PodResourcesLister}
 * with scripted answers. Answers are raw bytes on the wire, so a test can also send what no
 * kubelet would: undecodable or oversized responses.
 */
final class PodResourcesTestServer implements AutoCloseable {
    /** How the fake kubelet answers a call. */
    sealed interface Reply {
    }

    record Bytes(byte[] body) implements Reply {
    }

    record Failure(Status status) implements Reply {
    }

    /** Never answers; the call ends at the client's deadline or when the server stops. */
    record Hang() implements Reply {
    }

    static Reply message(MessageLite message) {
        return new Bytes(message.toByteArray());
    }

    static Reply failure(Status status) {
        return new Failure(status);
    }

    static Reply hang() {
        return new Hang();
    }

    /**
     * Held so the level sticks: the server warns of every call the client abandons (deadline,
     * oversized response), which these tests do on purpose.
     */
    private static final Logger SERVER_HANDLER_LOG = quiet("io.grpc.netty.NettyServerHandler");

    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final Path socket;
    private final EventLoopGroup eventLoop;
    private final Server server;
    private final AtomicReference<Reply> listReply = new AtomicReference<>(new Bytes(new byte[0]));
    private final AtomicReference<Reply> allocatableReply = new AtomicReference<>(new Bytes(new byte[0]));
    private final AtomicInteger listCalls = new AtomicInteger();
    private final AtomicInteger allocatableCalls = new AtomicInteger();
    private final List<String> authorities = new CopyOnWriteArrayList<>();

    private PodResourcesTestServer(Path socket, boolean servesAllocatable) throws IOException {
        this.socket = socket;
        this.eventLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(PodResourcesMethods.SERVICE)
                .addMethod(raw(PodResourcesMethods.LIST), handler(listReply, listCalls))
                .addMethod(raw(PodResourcesMethods.GET), handler(new AtomicReference<>(new Bytes(new byte[0])), new AtomicInteger()));
        if (servesAllocatable) {
            service.addMethod(raw(PodResourcesMethods.GET_ALLOCATABLE_RESOURCES), handler(allocatableReply, allocatableCalls));
        }
        this.server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(eventLoop)
                .workerEventLoopGroup(eventLoop)
                .directExecutor()
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .addService(ServerInterceptors.intercept(service.build(), recordAuthority()))
                .build()
                .start();
    }

    /** A kubelet of 1.21 or later. */
    static PodResourcesTestServer start(Path socket) throws IOException {
        return new PodResourcesTestServer(socket, true);
    }

    /** A kubelet before 1.21, or with KubeletPodResourcesGetAllocatable off: no GetAllocatableResources. */
    static PodResourcesTestServer startWithoutAllocatable(Path socket) throws IOException {
        return new PodResourcesTestServer(socket, false);
    }

    void answerList(Reply reply) {
        listReply.set(reply);
    }

    void answerAllocatable(Reply reply) {
        allocatableReply.set(reply);
    }

    int listCalls() {
        return listCalls.get();
    }

    int allocatableCalls() {
        return allocatableCalls.get();
    }

    List<String> authorities() {
        return List.copyOf(authorities);
    }

    /** Stops like a kubelet that exits: connections close and the socket file is gone. */
    void stop() throws IOException {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        eventLoop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        Files.deleteIfExists(socket);
    }

    @Override
    public void close() throws IOException {
        stop();
    }

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.SEVERE);
        return logger;
    }

    private static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> method) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(method.getFullMethodName())
                .setRequestMarshaller(RAW)
                .setResponseMarshaller(RAW)
                .build();
    }

    private static ServerCallHandler<byte[], byte[]> handler(AtomicReference<Reply> reply, AtomicInteger calls) {
        return ServerCalls.asyncUnaryCall((byte[] request, StreamObserver<byte[]> response) -> {
            calls.incrementAndGet();
            Reply r = reply.get();
            if (r instanceof Bytes b) {
                response.onNext(b.body());
                response.onCompleted();
            } else if (r instanceof Failure f) {
                response.onError(f.status().asRuntimeException());
            }
            // Hang: keep the call open
        });
    }

    private ServerInterceptor recordAuthority() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                authorities.add(String.valueOf(call.getAuthority()));
                return next.startCall(call, headers);
            }
        };
    }
}
