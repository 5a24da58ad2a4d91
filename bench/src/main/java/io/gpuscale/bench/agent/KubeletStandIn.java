package io.gpuscale.bench.agent;

import io.gpuscale.agent.pods.PodResourcesMethods;
import io.gpuscale.agent.pods.v1.AllocatableResourcesResponse;
import io.gpuscale.agent.pods.v1.ContainerDevices;
import io.gpuscale.agent.pods.v1.ContainerResources;
import io.gpuscale.agent.pods.v1.GetPodResourcesResponse;
import io.gpuscale.agent.pods.v1.ListPodResourcesResponse;
import io.gpuscale.agent.pods.v1.PodResources;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for the kubelet's PodResources API ({@code v1.PodResourcesLister}) on a unix socket,
 * as the agent reaches it on a real node: a grpc-java server with the agent's own method
 * descriptors and generated messages, answering {@code List} and {@code GetAllocatableResources}
 * with fixed allocations of {@code nvidia.com/gpu} devices to pods. {@code Get} is answered
 * NOT_FOUND (the agent does not call it).
 */
public final class KubeletStandIn implements AutoCloseable {
    static final String GPU_RESOURCE = "nvidia.com/gpu";

    /** One container of a pod holding devices (a GPU UUID, or {@code UUID::n} for a time-sliced replica). */
    public record Allocation(String namespace, String pod, String container, List<String> deviceIds) {
        public Allocation {
            deviceIds = List.copyOf(deviceIds);
        }
    }

    private final Path socket;
    private final EventLoopGroup eventLoop;
    private final Server server;
    private final AtomicLong listCalls = new AtomicLong();

    private KubeletStandIn(Path socket, List<Allocation> allocations) throws IOException {
        this.socket = socket;
        ListPodResourcesResponse.Builder list = ListPodResourcesResponse.newBuilder();
        AllocatableResourcesResponse.Builder allocatable = AllocatableResourcesResponse.newBuilder();
        ContainerDevices.Builder all = ContainerDevices.newBuilder().setResourceName(GPU_RESOURCE);
        for (Allocation a : allocations) {
            list.addPodResources(PodResources.newBuilder().setNamespace(a.namespace()).setName(a.pod())
                    .addContainers(ContainerResources.newBuilder().setName(a.container())
                            .addDevices(ContainerDevices.newBuilder().setResourceName(GPU_RESOURCE)
                                    .addAllDeviceIds(a.deviceIds()))));
            all.addAllDeviceIds(a.deviceIds());
        }
        allocatable.addDevices(all);
        ListPodResourcesResponse listAnswer = list.build();
        AllocatableResourcesResponse allocatableAnswer = allocatable.build();

        ServerServiceDefinition service = ServerServiceDefinition.builder(PodResourcesMethods.SERVICE)
                .addMethod(PodResourcesMethods.LIST, ServerCalls.asyncUnaryCall((request, response) -> {
                    listCalls.incrementAndGet();
                    response.onNext(listAnswer);
                    response.onCompleted();
                }))
                .addMethod(PodResourcesMethods.GET_ALLOCATABLE_RESOURCES, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(allocatableAnswer);
                    response.onCompleted();
                }))
                .addMethod(PodResourcesMethods.GET, ServerCalls.<io.gpuscale.agent.pods.v1.GetPodResourcesRequest,
                        GetPodResourcesResponse>asyncUnaryCall((request, response) ->
                        response.onError(Status.NOT_FOUND.withDescription("not served by the stand-in").asRuntimeException())))
                .build();
        Files.deleteIfExists(socket);
        this.eventLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        this.server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(eventLoop)
                .workerEventLoopGroup(eventLoop)
                .directExecutor()
                .addService(service)
                .build()
                .start();
    }

    /** Serves {@code allocations} on {@code socket} (an existing file there is replaced). */
    public static KubeletStandIn start(Path socket, List<Allocation> allocations) throws IOException {
        return new KubeletStandIn(socket, allocations);
    }

    /** How many {@code List} calls were answered. */
    public long listCalls() {
        return listCalls.get();
    }

    @Override
    public void close() throws IOException {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        eventLoop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        Files.deleteIfExists(socket);
    }
}
