package io.gpuscale.agent.pods;

import io.gpuscale.common.log.LogFields;
import com.google.protobuf.InvalidProtocolBufferException;
import io.gpuscale.agent.pods.v1.AllocatableResourcesRequest;
import io.gpuscale.agent.pods.v1.ListPodResourcesRequest;
import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's PodResources v1 API over its unix socket: a thin shell that makes the gRPC call,
 * turns every failure into a {@link PodSourceException}, and leaves decoding to
 * {@link PodResourcesDecoder}.
 *
 * <p>One channel with one event-loop thread. The kubelet removes and recreates its socket when
 * it restarts; gRPC would reconnect by itself, but only after its exponential backoff (up to two
 * minutes), and meanwhile fail every call at once. So each call first looks at the socket file:
 * missing fails at once with {@code UNAVAILABLE}; a different file (inode or modification time),
 * or a channel on which the last call was {@code UNAVAILABLE}, is replaced by a fresh channel,
 * which makes one connection attempt for this call. Callers poll on their own interval, so that interval,
 * not gRPC's backoff, paces the attempts: one per call at most.
 *
 * <p>Thread-safe; calls may run concurrently, and {@link #close()} ends a call in flight.
 */
public final class PodResourcesClient implements PodDeviceSource {
    /** Where the kubelet serves the API; mount its directory read-only into the agent's pod. */
    public static final Path DEFAULT_SOCKET = Path.of("/var/lib/kubelet/pod-resources/kubelet.sock");

    private static final Logger LOG = System.getLogger(PodResourcesClient.class.getName());
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
    /**
     * After an oversized response is refused, the frames the kubelet already sent still arrive and
     * grpc-java logs each at INFO ("Received data on closed stream"): dozens of lines a call.
     * Held here so the level sticks (java.util.logging keeps loggers weakly).
     */
    private static final java.util.logging.Logger GRPC_CLIENT_STREAM_LOG =
            quieted("io.grpc.internal.AbstractClientStream");

    /**
     * @param deadline per-call deadline
     * @param maxResponseBytes larger responses fail with {@link PodSourceException#TOO_LARGE}
     * @param extraResourceNames resource names to treat as GPUs besides the NVIDIA defaults
     */
    public record Options(Duration deadline, int maxResponseBytes, Set<String> extraResourceNames) {
        public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);
        public static final int DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

        public Options {
            Objects.requireNonNull(deadline, "deadline");
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("deadline must be positive, got " + deadline);
            }
            if (maxResponseBytes <= 0) {
                throw new IllegalArgumentException("maxResponseBytes must be positive, got " + maxResponseBytes);
            }
            extraResourceNames = Set.copyOf(extraResourceNames);
        }

        public static Options defaults() {
            return new Options(DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_BYTES, Set.of());
        }

        public Options withDeadline(Duration value) {
            return new Options(value, maxResponseBytes, extraResourceNames);
        }

        public Options withMaxResponseBytes(int value) {
            return new Options(deadline, value, extraResourceNames);
        }

        public Options withExtraResourceNames(Set<String> value) {
            return new Options(deadline, maxResponseBytes, value);
        }
    }

    /** Which file the socket path named when the channel was built. */
    private record SocketFile(Object fileKey, FileTime modified) {
    }

    private final Path socket;
    private final Options options;
    private final PodResourcesDecoder decoder;
    private final EventLoopGroup eventLoop;

    private final Object lock = new Object();
    private ManagedChannel channel;
    private SocketFile channelFile;
    private boolean channelFailed;
    private volatile boolean closed;

    public PodResourcesClient(Path socket) {
        this(socket, Options.defaults());
    }

    /**
     * Connects lazily, on the first call; a missing socket is a run-time condition, not an
     * error here.
     *
     * @throws IllegalStateException when Netty's native epoll transport cannot load (not Linux,
     *     or an unsupported architecture)
     */
    public PodResourcesClient(Path socket, Options options) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.options = Objects.requireNonNull(options, "options");
        this.decoder = new PodResourcesDecoder(options.extraResourceNames());
        PodResourcesTransport.ensureAvailable();
        this.eventLoop = PodResourcesTransport.newEventLoop(1, "pod-resources");
    }

    public Path socket() {
        return socket;
    }

    @Override
    public List<DeviceAllocation> list() throws PodSourceException {
        return decoder.allocations(call(PodResourcesMethods.LIST, ListPodResourcesRequest.getDefaultInstance()));
    }

    @Override
    public Set<String> allocatableDeviceIds() throws PodSourceException {
        try {
            return decoder.allocatableDeviceIds(call(PodResourcesMethods.GET_ALLOCATABLE_RESOURCES,
                    AllocatableResourcesRequest.getDefaultInstance()));
        } catch (PodSourceException e) {
            if (e.code().equals(PodSourceException.UNIMPLEMENTED)) {
                return Set.of();
            }
            throw e;
        }
    }

    @Override
    public void close() {
        ManagedChannel last;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            last = channel;
            channel = null;
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        if (last != null) {
            last.shutdownNow();
            awaitQuietly(() -> last.awaitTermination(remainingNanos(deadline), TimeUnit.NANOSECONDS));
        }
        eventLoop.shutdownGracefully(0, CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        awaitQuietly(() -> eventLoop.awaitTermination(remainingNanos(deadline), TimeUnit.NANOSECONDS));
    }

    private <Q, R> R call(MethodDescriptor<Q, R> method, Q request) throws PodSourceException {
        ManagedChannel ch = channelFor(socketFile(method));
        try {
            CallOptions callOptions = CallOptions.DEFAULT.withDeadlineAfter(options.deadline().toNanos(), TimeUnit.NANOSECONDS);
            return ClientCalls.blockingUnaryCall(ch, method, callOptions, request);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                markFailed(ch);
            }
            throw translate(method, e);
        }
    }

    private void markFailed(ManagedChannel failed) {
        synchronized (lock) {
            if (channel == failed) {
                channelFailed = true;
            }
        }
    }

    private SocketFile socketFile(MethodDescriptor<?, ?> method) throws PodSourceException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(socket, BasicFileAttributes.class);
            return new SocketFile(attributes.fileKey(), attributes.lastModifiedTime());
        } catch (NoSuchFileException e) {
            throw new PodSourceException(PodSourceException.UNAVAILABLE,
                    name(method) + ": socket " + socket + " does not exist (kubelet down, restarting, or directory not mounted)");
        } catch (IOException e) {
            throw new PodSourceException(PodSourceException.UNAVAILABLE,
                    name(method) + ": cannot read socket " + socket + ": " + e, e);
        }
    }

    private ManagedChannel channelFor(SocketFile file) throws PodSourceException {
        synchronized (lock) {
            if (closed) {
                throw new PodSourceException(PodSourceException.CLOSED, "pod resources client for " + socket + " is closed");
            }
            // A fresh channel connects on its first call, and that call waits for the attempt. A
            // channel whose last attempt failed stays in TRANSIENT_FAILURE and fails every call
            // at once until its backoff (1 s, growing to 2 min) is over, even with the kubelet back.
            // The failed call is the signal: the channel's own state may lag behind it.
            boolean recreated = channel != null && !file.equals(channelFile);
            boolean failed = channel != null
                    && (channelFailed || channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE);
            if (channel == null || recreated || failed) {
                if (channel != null) {
                    LOG.log(Level.DEBUG, "reconnecting to the kubelet", LogFields.of("socket", socket,
                            "reason", recreated ? "socket file recreated" : "last connection failed"));
                    // calls still in flight on it, from other threads, run to their end or deadline
                    channel.shutdown();
                }
                channel = newChannel();
                channelFile = file;
                channelFailed = false;
            }
            return channel;
        }
    }

    private ManagedChannel newChannel() {
        return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(PodResourcesTransport.domainSocketChannelType(), DomainSocketAddress.class)
                .eventLoopGroup(eventLoop)
                .usePlaintext()
                .overrideAuthority("localhost")
                .maxInboundMessageSize(options.maxResponseBytes())
                // gRPC sets TCP keepalive on every channel; Netty warns on each connect that a
                // unix socket has no such option.
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                // Netty's default allocator, the one Vert.x's server already uses: grpc-netty's own
                // pooled allocator would keep a second set of buffer pools (about 4 MiB of RSS on a
                // node, docs/performance.md) for one small call every few seconds.
                .withOption(ChannelOption.ALLOCATOR, ByteBufAllocator.DEFAULT)
                // Blocking calls bring their own executor; this keeps gRPC from starting a pool.
                .directExecutor()
                .build();
    }

    private PodSourceException translate(MethodDescriptor<?, ?> method, StatusRuntimeException e) {
        Status status = e.getStatus();
        String what = name(method) + " on " + socket + ": " + status.getCode()
                + (status.getDescription() == null ? "" : " " + status.getDescription());
        if (closed) {
            return new PodSourceException(PodSourceException.CLOSED, what, e);
        }
        String code = switch (status.getCode()) {
            case UNAVAILABLE -> PodSourceException.UNAVAILABLE;
            case DEADLINE_EXCEEDED -> PodSourceException.TIMEOUT;
            case RESOURCE_EXHAUSTED -> tooLarge(status) ? PodSourceException.TOO_LARGE : PodSourceException.RATE_LIMITED;
            case UNIMPLEMENTED -> PodSourceException.UNIMPLEMENTED;
            default -> badProtobuf(e) ? PodSourceException.MALFORMED : PodSourceException.FAILED;
        };
        return new PodSourceException(code, what, e);
    }

    /**
     * RESOURCE_EXHAUSTED is both the kubelet's rate limit ("rejected by rate limit") and a size
     * bound: grpc-java's own ("gRPC message exceeds maximum size") or the kubelet's grpc-go
     * sender's ("trying to send message larger than max").
     */
    private static boolean tooLarge(Status status) {
        String description = status.getDescription();
        if (description == null) {
            return false;
        }
        String d = description.toLowerCase(Locale.ROOT);
        return d.contains("exceeds maximum") || d.contains("larger than max");
    }

    /** grpc-java reports an unparsable response as CANCELLED or INTERNAL caused by protobuf. */
    private static boolean badProtobuf(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InvalidProtocolBufferException) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    private static java.util.logging.Logger quieted(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.WARNING);
        return logger;
    }

    private static String name(MethodDescriptor<?, ?> method) {
        return method.getBareMethodName();
    }

    private static long remainingNanos(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private interface Wait {
        boolean await() throws InterruptedException;
    }

    private static void awaitQuietly(Wait wait) {
        try {
            wait.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
