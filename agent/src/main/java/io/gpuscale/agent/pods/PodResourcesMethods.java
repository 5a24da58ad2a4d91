package io.gpuscale.agent.pods;

import io.gpuscale.agent.pods.v1.AllocatableResourcesRequest;
import io.gpuscale.agent.pods.v1.AllocatableResourcesResponse;
import io.gpuscale.agent.pods.v1.GetPodResourcesRequest;
import io.gpuscale.agent.pods.v1.GetPodResourcesResponse;
import io.gpuscale.agent.pods.v1.ListPodResourcesRequest;
import io.gpuscale.agent.pods.v1.ListPodResourcesResponse;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.protobuf.ProtoUtils;

/**
 * The kubelet's {@code v1.PodResourcesLister} methods, written by hand because the grpc-java
 * protoc plugin is not used in this build; the paths must match the upstream proto exactly.
 */
public final class PodResourcesMethods {
    /** The gRPC service name: proto package {@code v1}, service {@code PodResourcesLister}. */
    public static final String SERVICE = "v1.PodResourcesLister";

    public static final MethodDescriptor<ListPodResourcesRequest, ListPodResourcesResponse> LIST =
            MethodDescriptor.<ListPodResourcesRequest, ListPodResourcesResponse>newBuilder()
                    .setType(MethodType.UNARY)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "List"))
                    .setRequestMarshaller(ProtoUtils.marshaller(ListPodResourcesRequest.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(ListPodResourcesResponse.getDefaultInstance()))
                    .setIdempotent(true)
                    .build();

    public static final MethodDescriptor<AllocatableResourcesRequest, AllocatableResourcesResponse> GET_ALLOCATABLE_RESOURCES =
            MethodDescriptor.<AllocatableResourcesRequest, AllocatableResourcesResponse>newBuilder()
                    .setType(MethodType.UNARY)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "GetAllocatableResources"))
                    .setRequestMarshaller(ProtoUtils.marshaller(AllocatableResourcesRequest.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(AllocatableResourcesResponse.getDefaultInstance()))
                    .setIdempotent(true)
                    .build();

    public static final MethodDescriptor<GetPodResourcesRequest, GetPodResourcesResponse> GET =
            MethodDescriptor.<GetPodResourcesRequest, GetPodResourcesResponse>newBuilder()
                    .setType(MethodType.UNARY)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Get"))
                    .setRequestMarshaller(ProtoUtils.marshaller(GetPodResourcesRequest.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(GetPodResourcesResponse.getDefaultInstance()))
                    .setIdempotent(true)
                    .build();

    private PodResourcesMethods() {
    }
}
