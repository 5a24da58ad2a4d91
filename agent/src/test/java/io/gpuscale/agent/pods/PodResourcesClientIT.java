package io.gpuscale.agent.pods;

import static io.gpuscale.agent.pods.PodResourcesDecoderTest.container;
import static io.gpuscale.agent.pods.PodResourcesDecoderTest.devices;
import static io.gpuscale.agent.pods.PodResourcesDecoderTest.pod;
import static io.gpuscale.agent.pods.PodResourcesTestServer.failure;
import static io.gpuscale.agent.pods.PodResourcesTestServer.hang;
import static io.gpuscale.agent.pods.PodResourcesTestServer.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.agent.pods.v1.AllocatableResourcesResponse;
import io.gpuscale.agent.pods.v1.CDIDevice;
import io.gpuscale.agent.pods.v1.ClaimResource;
import io.gpuscale.agent.pods.v1.ContainerMemory;
import io.gpuscale.agent.pods.v1.ContainerResources;
import io.gpuscale.agent.pods.v1.DynamicResource;
import io.gpuscale.agent.pods.v1.ListPodResourcesResponse;
import io.gpuscale.common.testing.Eventually;
import io.grpc.Status;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link PodResourcesClient} against a real gRPC server on a unix socket standing in for the kubelet. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PodResourcesClientIT {
    private static final String GPU_A = "GPU-3b1e8d2a-9c4f-4e6b-8a1d-2f5c7e9b0a14";
    private static final String GPU_B = "GPU-7d2c4e6f-1a3b-4c5d-9e8f-0a1b2c3d4e5f";
    private static final String MIG_A = "MIG-5c7e9b0a-2f5c-4e6b-8a1d-3b1e8d2a9c4f";
    /** Far longer than any fail-fast path may take, so a test that waits for it fails. */
    private static final Duration LONG_DEADLINE = Duration.ofSeconds(30);
    /**
     * "Did not wait out {@link #LONG_DEADLINE}": well under it, and generous enough for a busy
     * machine (a call that fails at once took 2.7 s under a load average of 11).
     */
    private static final Duration FAST = Duration.ofSeconds(10);
    /** How long a test waits for something to happen before it fails. */
    private static final Duration READY = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Path socket;
    private PodResourcesTestServer kubelet;
    private PodResourcesClient client;

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("kubelet.sock");
        kubelet = PodResourcesTestServer.start(socket);
        client = new PodResourcesClient(socket, PodResourcesClient.Options.defaults().withDeadline(LONG_DEADLINE));
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        kubelet.stop();
    }

    @Test
    void exclusiveGpusAreListedPerContainerWithTheKubeletsDeviceIds() throws Exception {
        kubelet.answerList(message(ListPodResourcesResponse.newBuilder()
                .addPodResources(pod("ml", "trainer-0",
                        container("main", devices("nvidia.com/gpu", GPU_A, GPU_B)),
                        container("logger")))
                .build()));

        assertThat(client.list()).containsExactly(
                new DeviceAllocation("ml", "trainer-0", "main", "nvidia.com/gpu", GPU_A),
                new DeviceAllocation("ml", "trainer-0", "main", "nvidia.com/gpu", GPU_B));
        assertThat(kubelet.authorities()).containsOnly("localhost");
    }

    @Test
    void timeSlicedReplicasOfOneGpuAreListedForEachPodThatHoldsOne() throws Exception {
        kubelet.answerList(message(ListPodResourcesResponse.newBuilder()
                .addPodResources(pod("a", "notebook", container("jupyter", devices("nvidia.com/gpu.shared", GPU_A + "::0"))))
                .addPodResources(pod("b", "inference", container("server", devices("nvidia.com/gpu.shared", GPU_A + "::1"))))
                .build()));

        List<DeviceAllocation> allocations = client.list();

        assertThat(allocations).containsExactly(
                new DeviceAllocation("a", "notebook", "jupyter", "nvidia.com/gpu.shared", GPU_A + "::0"),
                new DeviceAllocation("b", "inference", "server", "nvidia.com/gpu.shared", GPU_A + "::1"));
        assertThat(allocations).map(a -> DeviceId.parse(a.deviceId()).orElseThrow())
                .containsExactly(new DeviceId(GPU_A, 0), new DeviceId(GPU_A, 1));
    }

    @Test
    void migDevicesAreListedUnderTheirProfileResource() throws Exception {
        kubelet.answerList(message(ListPodResourcesResponse.newBuilder()
                .addPodResources(pod("ml", "small", container("main", devices("nvidia.com/mig-1g.10gb", MIG_A))))
                .build()));

        assertThat(client.list())
                .containsExactly(new DeviceAllocation("ml", "small", "main", "nvidia.com/mig-1g.10gb", MIG_A));
    }

    @Test
    void nonGpuResourcesCpusMemoryAndDraClaimsAreLeftOut() throws Exception {
        ContainerResources busy = container("main", devices("example.com/fpga", "fpga0"),
                devices("nvidia.com/gpu", GPU_B), devices("intel.com/sriov", "0000:3b:00.1")).toBuilder()
                .addCpuIds(2).addCpuIds(3)
                .addMemory(ContainerMemory.newBuilder().setMemoryType("hugepages-2Mi").setSize(1 << 30))
                .addDynamicResources(DynamicResource.newBuilder().setClaimName("gpu-claim").setClaimNamespace("ml")
                        .addClaimResources(ClaimResource.newBuilder().setDriverName("gpu.nvidia.com")
                                .setPoolName("node-1").setDeviceName("gpu-0")
                                .addCdiDevices(CDIDevice.newBuilder().setName("nvidia.com/gpu=gpu-0"))))
                .build();
        kubelet.answerList(message(ListPodResourcesResponse.newBuilder()
                .addPodResources(pod("ml", "mixed", busy))
                .addPodResources(pod("net", "router", container("main", devices("intel.com/sriov", "0000:3b:00.2"))))
                .build()));

        assertThat(client.list()).containsExactly(new DeviceAllocation("ml", "mixed", "main", "nvidia.com/gpu", GPU_B));
    }

    @Test
    void podsAppearingAndDisappearingBetweenCallsAreSeenOnTheNextCall() throws Exception {
        kubelet.answerList(message(ListPodResourcesResponse.newBuilder()
                .addPodResources(pod("ml", "first", container("main", devices("nvidia.com/gpu", GPU_A))))
                .build()));
        assertThat(client.list()).extracting(DeviceAllocation::pod).containsExactly("first");

        kubelet.answerList(message(ListPodResourcesResponse.newBuilder()
                .addPodResources(pod("ml", "first", container("main", devices("nvidia.com/gpu", GPU_A))))
                .addPodResources(pod("ml", "second", container("main", devices("nvidia.com/gpu", GPU_B))))
                .build()));
        assertThat(client.list()).extracting(DeviceAllocation::pod).containsExactly("first", "second");

        kubelet.answerList(message(ListPodResourcesResponse.newBuilder()
                .addPodResources(pod("ml", "second", container("main", devices("nvidia.com/gpu", GPU_B))))
                .build()));
        assertThat(client.list()).extracting(DeviceAllocation::pod).containsExactly("second");

        kubelet.answerList(message(ListPodResourcesResponse.getDefaultInstance()));
        assertThat(client.list()).isEmpty();
    }

    @Test
    void allocatableDeviceIdsListEveryGpuReplicaAndMigDevice() throws Exception {
        kubelet.answerAllocatable(message(AllocatableResourcesResponse.newBuilder()
                .addDevices(devices("nvidia.com/gpu.shared", GPU_A + "::0", GPU_A + "::1", GPU_A + "::2"))
                .addDevices(devices("nvidia.com/mig-1g.10gb", MIG_A))
                .addDevices(devices("example.com/fpga", "fpga0"))
                .addCpuIds(0).addCpuIds(1)
                .build()));

        assertThat(client.allocatableDeviceIds())
                .containsExactly(GPU_A + "::0", GPU_A + "::1", GPU_A + "::2", MIG_A);
    }

    @Test
    void kubeletWithoutGetAllocatableResourcesYieldsNoAllocatableIdsAndListStillWorks() throws Exception {
        kubelet.stop();
        kubelet = PodResourcesTestServer.startWithoutAllocatable(socket);
        kubelet.answerList(message(ListPodResourcesResponse.newBuilder()
                .addPodResources(pod("ml", "old-node", container("main", devices("nvidia.com/gpu", GPU_A))))
                .build()));

        assertThat(client.allocatableDeviceIds()).isEmpty();
        assertThat(client.list()).extracting(DeviceAllocation::deviceId).containsExactly(GPU_A);
    }

    @Test
    void rateLimitedCallIsReportedAsRateLimitedAndTheNextCallSucceeds() throws Exception {
        kubelet.answerList(failure(Status.RESOURCE_EXHAUSTED.withDescription("rejected by rate limit")));

        assertFailsWith(PodSourceException.RATE_LIMITED, client::list);

        kubelet.answerList(message(ListPodResourcesResponse.getDefaultInstance()));
        assertThat(client.list()).isEmpty();
    }

    @Test
    void responseOverTheSizeBoundIsTooLargeAndTheNextCallSucceeds() throws Exception {
        client.close();
        client = new PodResourcesClient(socket, PodResourcesClient.Options.defaults().withMaxResponseBytes(64 * 1024));
        ListPodResourcesResponse big = manyPods(2_000);
        assertThat(big.getSerializedSize()).isGreaterThan(64 * 1024);
        kubelet.answerList(message(big));

        assertFailsWith(PodSourceException.TOO_LARGE, client::list);

        kubelet.answerList(message(manyPods(10)));
        assertThat(client.list()).hasSize(10);
    }

    @Test
    void responseOverSixteenMebibytesIsTooLargeByDefault() throws Exception {
        ListPodResourcesResponse huge = ListPodResourcesResponse.newBuilder()
                .addPodResources(pod("ml", "huge", container("main", devices("nvidia.com/gpu", longIds(2_000, 9_000)))))
                .build();
        assertThat(huge.getSerializedSize()).isGreaterThan(PodResourcesClient.Options.DEFAULT_MAX_RESPONSE_BYTES);
        kubelet.answerList(message(huge));

        assertFailsWith(PodSourceException.TOO_LARGE, client::list);
    }

    @Test
    void undecodableResponseIsMalformedAndTheNextCallSucceeds() throws Exception {
        // field 1 (pod_resources), length-delimited, with a length that runs past the end
        kubelet.answerList(new PodResourcesTestServer.Bytes(new byte[] {0x0a, 0x7f, 0x01, 0x02}));

        assertFailsWith(PodSourceException.MALFORMED, client::list);

        kubelet.answerList(message(ListPodResourcesResponse.getDefaultInstance()));
        assertThat(client.list()).isEmpty();
    }

    @Test
    void kubeletThatDoesNotAnswerTimesOutAtTheDeadline() throws Exception {
        client.close();
        client = new PodResourcesClient(socket, PodResourcesClient.Options.defaults().withDeadline(Duration.ofMillis(300)));
        kubelet.answerList(hang());

        long start = System.nanoTime();
        assertFailsWith(PodSourceException.TIMEOUT, client::list);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250)).isLessThan(FAST);
    }

    @Test
    void otherServerErrorsAreReportedAsFailed() {
        kubelet.answerList(failure(Status.INTERNAL.withDescription("boom")));

        assertThatThrownBy(client::list).isInstanceOfSatisfying(PodSourceException.class, e -> {
            assertThat(e.code()).isEqualTo(PodSourceException.FAILED);
            assertThat(e.getMessage()).contains("List", socket.toString(), "INTERNAL", "boom");
        });
    }

    @Test
    void socketThatNeverExistedFailsFastWithUnavailable() {
        try (PodResourcesClient nowhere = new PodResourcesClient(dir.resolve("missing.sock"),
                PodResourcesClient.Options.defaults().withDeadline(LONG_DEADLINE))) {
            assertFailsFastWith(PodSourceException.UNAVAILABLE, nowhere::list);
            assertFailsFastWith(PodSourceException.UNAVAILABLE, nowhere::allocatableDeviceIds);
        }
    }

    @Test
    void kubeletRestartIsUnavailableWhileDownAndTheSameClientWorksOnceItIsBack() throws Exception {
        kubelet.answerList(message(manyPods(1)));
        assertThat(client.list()).hasSize(1);

        kubelet.stop();
        assertFailsFastWith(PodSourceException.UNAVAILABLE, client::list);
        assertFailsFastWith(PodSourceException.UNAVAILABLE, client::list);

        kubelet = PodResourcesTestServer.start(socket);
        kubelet.answerList(message(manyPods(3)));
        assertThat(client.list()).hasSize(3);
    }

    @Test
    void kubeletRestartBetweenTwoCallsIsInvisibleToTheSecondCall() throws Exception {
        kubelet.answerList(message(manyPods(1)));
        assertThat(client.list()).hasSize(1);

        kubelet.stop();
        kubelet = PodResourcesTestServer.start(socket);
        kubelet.answerList(message(manyPods(2)));

        assertThat(client.list()).hasSize(2);
    }

    @Test
    void kubeletThatDiedLeavingItsSocketIsUnavailableAndItsSuccessorIsReachedAtOnce() throws Exception {
        kubelet.answerList(message(manyPods(1)));
        assertThat(client.list()).hasSize(1);
        kubelet.stop();
        leaveStaleSocket(socket);

        // connection refused: gRPC now backs off before its next attempt
        assertFailsFastWith(PodSourceException.UNAVAILABLE, client::list);
        assertFailsFastWith(PodSourceException.UNAVAILABLE, client::list);

        java.nio.file.Files.delete(socket);
        kubelet = PodResourcesTestServer.start(socket);
        kubelet.answerList(message(manyPods(2)));
        assertThat(client.list()).hasSize(2);
    }

    @Test
    void kubeletThatDroppedConnectionsIsReachedOnTheNextCallOnceItServesAgain() throws Exception {
        Path front = dir.resolve("front.sock");
        kubelet.answerList(message(manyPods(2)));
        try (PodResourcesSocketProxy proxy = new PodResourcesSocketProxy(front, socket);
                PodResourcesClient viaProxy = new PodResourcesClient(front,
                        PodResourcesClient.Options.defaults().withDeadline(LONG_DEADLINE))) {
            // the same socket file throughout; gRPC alone would now wait out its backoff (about 1 s, then longer)
            assertFailsFastWith(PodSourceException.UNAVAILABLE, viaProxy::list);
            assertFailsFastWith(PodSourceException.UNAVAILABLE, viaProxy::list);

            proxy.forward();

            assertThat(viaProxy.list()).hasSize(2);
        }
    }

    @Test
    void closeEndsACallInFlightPromptlyAndLaterCallsFailAsClosed() throws Exception {
        kubelet.answerList(hang());
        CompletableFuture<Throwable> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                client.list();
                return null;
            } catch (PodSourceException e) {
                return e;
            }
        });
        Eventually.await(READY, "the kubelet to receive the call", () -> kubelet.listCalls() == 1 ? true : null);

        long start = System.nanoTime();
        client.close();
        Throwable ended = inFlight.get(FAST.toMillis(), TimeUnit.MILLISECONDS);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAST);
        assertThat(ended).isInstanceOfSatisfying(PodSourceException.class,
                e -> assertThat(e.code()).isEqualTo(PodSourceException.CLOSED));
        assertFailsFastWith(PodSourceException.CLOSED, client::list);
        Eventually.await(READY, "the client's event loop thread to end", () -> eventLoopThreads().isEmpty() ? true : null);
    }

    private static List<Thread> eventLoopThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("pod-resources-") && t.isAlive())
                .toList();
    }

    /** What a process that exits without unlinking its socket leaves: a socket file nobody listens on. */
    private static void leaveStaleSocket(Path path) throws IOException {
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(path));
        }
    }

    private static String[] longIds(int count, int length) {
        String[] ids = new String[count];
        for (int i = 0; i < count; i++) {
            ids[i] = ("GPU-" + i + "-").repeat(length / 6).substring(0, length);
        }
        return ids;
    }

    private static ListPodResourcesResponse manyPods(int count) {
        ListPodResourcesResponse.Builder b = ListPodResourcesResponse.newBuilder();
        for (int i = 0; i < count; i++) {
            b.addPodResources(pod("namespace-" + (i % 10), "pod-" + i,
                    container("main", devices("nvidia.com/gpu.shared", GPU_A + "::" + i))));
        }
        return b.build();
    }

    private static void assertFailsWith(String code, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(PodSourceException.class,
                e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(code));
    }

    private static void assertFailsFastWith(String code, ThrowingCallable call) {
        long start = System.nanoTime();
        assertFailsWith(code, call);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAST);
    }
}
