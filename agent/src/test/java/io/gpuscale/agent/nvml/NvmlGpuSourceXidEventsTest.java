package io.gpuscale.agent.nvml;

import static io.gpuscale.agent.nvml.FakeNvml.NO_INSTANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.GpuSourceException;
import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.agent.gpu.SourceError;
import io.gpuscale.agent.gpu.XidEvent;
import io.gpuscale.common.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Xid events through the binding into the fake library, with the waiter on its own thread as in
 * the agent. Nothing sleeps: the tests wait for the fake to report a thread blocked in
 * nvmlEventSetWait_v2, and for futures, each with a deadline far above what a pass takes.
 */
class NvmlGpuSourceXidEventsTest {
    /** A wait the tests never sit out: a result that comes back at all came back early. */
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    /** How late "promptly" may be: a few wait slices, far below LONG. */
    private static final long PROMPT_MILLIS = 5 * NvmlEventSet.WAIT_SLICE_MILLIS + 2_000;

    private final TestClock clock = new TestClock(Instant.ofEpochSecond(1));
    private final ExecutorService eventThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "xid-waiter");
        t.setDaemon(true);
        return t;
    });
    private FakeNvml fake;
    private NvmlGpuSource source;

    @BeforeEach
    void startNode() {
        fake = FakeNvml.modern(3);
        source = new NvmlGpuSource(fake.path(), clock);
    }

    @AfterEach
    void stopNode() throws Exception {
        source.close();
        eventThread.shutdownNow();
        assertThat(eventThread.awaitTermination(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(fake.eventSetMisuses()).as("no wait on or free of a freed set, no free under a wait").isZero();
        assertThat(fake.shutdownsWithLiveEventSets()).as("every set freed before nvmlShutdown").isZero();
        assertThat(fake.liveEventSets()).isZero();
    }

    @Test
    void injectedXidWakesTheWaiterWithTheGpuUuidAndCode() throws Exception {
        source.open();
        String uuid1 = source.read().gpus().get(1).identity().uuid();
        Future<List<XidEvent>> waiter = await(LONG);
        assertThat(fake.awaitWaiters(1, DEADLINE)).isTrue();

        assertThat(fake.injectXid(1, 48)).as("sets watching GPU 1").isEqualTo(1);

        assertThat(waiter.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS))
                .containsExactly(new XidEvent(uuid1, 48, -1, -1));
    }

    @Test
    void eventsAlreadyQueuedComeBackTogetherFromOneCall() throws Exception {
        source.open();
        List<GpuSample> gpus = source.read().gpus();
        fake.injectXid(0, 13);
        fake.injectXid(2, 94, 7, 0);
        fake.injectXid(0, 999);

        List<XidEvent> events = source.awaitXidEvents(LONG);

        assertThat(events).containsExactly(
                new XidEvent(gpus.get(0).identity().uuid(), 13, -1, -1),
                new XidEvent(gpus.get(2).identity().uuid(), 94, 7, 0),
                new XidEvent(gpus.get(0).identity().uuid(), 999, -1, -1));
        assertThat(source.awaitXidEvents(Duration.ZERO)).isEmpty();
    }

    @Test
    void quietGpusTimeOutWithAnEmptyList() throws Exception {
        source.open();

        List<XidEvent> shortWait = source.awaitXidEvents(Duration.ofMillis(30));
        List<XidEvent> poll = source.awaitXidEvents(Duration.ZERO);

        assertThat(shortWait).isEmpty();
        assertThat(poll).isEmpty();
        assertThat(fake.calls("nvmlEventSetWait_v2")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void gpusWithoutXidEventsAreSkippedAndTheOthersWatched() throws Exception {
        fake = FakeNvml.modern(4);
        fake.force("nvmlDeviceGetSupportedEventTypes", 0, FakeNvml.NOT_SUPPORTED)
                .set(1, "supported_events", 0x4) // PState only
                .force("nvmlDeviceRegisterEvents", 2, FakeNvml.NOT_SUPPORTED);
        source.open();

        NodeReading first = source.read();
        NodeReading second = source.read();

        assertThat(fake.injectXid(0, 48) + fake.injectXid(1, 48) + fake.injectXid(2, 48)).isZero();
        assertThat(fake.injectXid(3, 48)).as("NOT_SUPPORTED on one GPU leaves the set usable").isEqualTo(1);
        assertThat(source.awaitXidEvents(LONG)).extracting(XidEvent::gpuUuid)
                .containsExactly(first.gpus().get(3).identity().uuid());
        assertThat(fake.calls("nvmlDeviceRegisterEvents", 1)).as("no Xid on GPU 1: not asked").isZero();
        assertThat(first.errors()).contains(
                new SourceError("nvmlDeviceGetSupportedEventTypes", "NOT_SUPPORTED", 0),
                new SourceError("nvmlDeviceRegisterEvents", "NOT_SUPPORTED", 2));
        assertThat(second.errors()).isEmpty();
    }

    @Test
    void registrationFailingWithUnknownFreesTheSetAndLeavesReadsAlone() throws Exception {
        fake.force("nvmlDeviceRegisterEvents", 1, FakeNvml.UNKNOWN);
        source.open();

        NodeReading reading = source.read();

        assertThat(reading.gpus()).allMatch(GpuSample::up);
        assertThat(reading.errors()).contains(new SourceError("nvmlDeviceRegisterEvents", "UNKNOWN", 1));
        assertThat(fake.liveEventSets()).isZero();
        assertThatThrownBy(() -> source.awaitXidEvents(LONG)).isInstanceOfSatisfying(GpuSourceException.class,
                e -> assertThat(e.code()).isEqualTo("UNKNOWN"));
    }

    @Test
    void lostGpuIsReportedAsXid79OnceThenAsAnError() throws Exception {
        source.open();
        String uuid1 = source.read().gpus().get(1).identity().uuid();

        fake.injectLost(1);
        List<XidEvent> lost = source.awaitXidEvents(LONG);
        fake.injectLost(1);

        assertThat(lost).containsExactly(new XidEvent(uuid1, XidEvent.FALLEN_OFF_THE_BUS, -1, -1));
        assertThatThrownBy(() -> source.awaitXidEvents(LONG)).as("the driver repeats it; counted once")
                .isInstanceOfSatisfying(GpuSourceException.class, e -> assertThat(e.code()).isEqualTo("GPU_IS_LOST"));
        fake.injectLost(-1);
        assertThatThrownBy(() -> source.awaitXidEvents(LONG)).as("no GPU to tell")
                .isInstanceOfSatisfying(GpuSourceException.class, e -> assertThat(e.code()).isEqualTo("GPU_IS_LOST"));
    }

    @Test
    void eventsSurviveAReinitAndAWaiterMovesToTheNewSet() throws Exception {
        source.open();
        String uuid0 = source.read().gpus().get(0).identity().uuid();
        fake.lost(1, true);
        source.read();
        Future<List<XidEvent>> waiter = await(LONG);
        assertThat(fake.awaitWaiters(1, DEADLINE)).isTrue();

        fake.lost(1, false);
        clock.advance(Duration.ofSeconds(1));
        long start = System.nanoTime();
        NodeReading back = source.read(); // re-init: frees the set under the waiter's feet, registers a new one
        long reinitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(fake.awaitWaiters(1, DEADLINE)).as("the waiter waits on the new set").isTrue();
        int delivered = fake.injectXid(0, 31);

        assertThat(back.gpus()).allMatch(GpuSample::up);
        assertThat(fake.inits()).isEqualTo(2);
        assertThat(reinitMillis).as("a read waits at most a slice for the waiter").isLessThan(PROMPT_MILLIS);
        assertThat(delivered).isEqualTo(1);
        assertThat(waiter.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS))
                .containsExactly(new XidEvent(uuid0, 31, -1, -1));
        assertThat(fake.calls("nvmlEventSetCreate")).isEqualTo(2);
        assertThat(fake.calls("nvmlEventSetFree")).isEqualTo(1);
        assertThat(fake.liveEventSets()).isEqualTo(1);
        assertThat(fake.calls("nvmlDeviceRegisterEvents", 1)).as("the GPU that came back is watched again")
                .isEqualTo(2);
    }

    @Test
    void aFailedReinitIsWhatTheWaiterIsTold() throws Exception {
        source.open();
        fake.lost(1, true);
        source.read();
        fake.force("nvmlInit_v2", -1, FakeNvml.DRIVER_NOT_LOADED);
        clock.advance(Duration.ofSeconds(1));

        assertThatThrownBy(source::read).isInstanceOf(GpuSourceException.class);
        assertThatThrownBy(() -> source.awaitXidEvents(LONG)).isInstanceOfSatisfying(GpuSourceException.class,
                e -> assertThat(e.code()).isEqualTo("DRIVER_NOT_LOADED"));
    }

    @Test
    void closeWhileAWaiterIsBlockedEndsItWithNotOpenPromptly() throws Exception {
        source.open();
        Future<List<XidEvent>> waiter = await(LONG);
        assertThat(fake.awaitWaiters(1, DEADLINE)).isTrue();

        long start = System.nanoTime();
        source.close();
        long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThatThrownBy(() -> waiter.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(GpuSourceException.class,
                        e -> assertThat(e.code()).isEqualTo("NOT_OPEN"));
        long waiterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(closeMillis).isLessThan(PROMPT_MILLIS);
        assertThat(waiterMillis).isLessThan(PROMPT_MILLIS);
        assertThat(fake.shutdowns()).isEqualTo(1);
        assertThat(fake.calls("nvmlEventSetFree")).isEqualTo(1);
        assertThat(fake.shutdownsWithLiveEventSets()).as("the set was freed before nvmlShutdown").isZero();
        assertThat(fake.eventSetMisuses()).isZero();
    }

    @Test
    void readsGoOnWhileAWaiterIsBlocked() throws Exception {
        source.open();
        Future<List<XidEvent>> waiter = await(LONG);
        assertThat(fake.awaitWaiters(1, DEADLINE)).isTrue();

        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            assertThat(source.read().gpus()).allMatch(GpuSample::up);
        }

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(PROMPT_MILLIS);
        assertThat(waiter.isDone()).isFalse();
    }

    @Test
    void awaitingOnASourceThatIsNotOpenFailsAtOnce() throws Exception {
        long start = System.nanoTime();
        assertThatThrownBy(() -> source.awaitXidEvents(LONG)).isInstanceOfSatisfying(GpuSourceException.class,
                e -> assertThat(e.code()).isEqualTo("NOT_OPEN"));
        source.open();
        source.close();
        assertThatThrownBy(() -> source.awaitXidEvents(LONG)).isInstanceOfSatisfying(GpuSourceException.class,
                e -> assertThat(e.code()).isEqualTo("NOT_OPEN"));

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(PROMPT_MILLIS);
        assertThat(fake.calls("nvmlEventSetWait_v2")).isZero();
    }

    @Test
    void migInstanceIdsOfAnXidAreKept() throws Exception {
        fake.migMode(2, true).addMig(2, 0, "3g.40gb", 2, 0, 40 * FakeNvml.GIB, 0);
        source.open();
        String uuid2 = source.read().gpus().get(2).identity().uuid();
        fake.injectXid(2, 43, 2, 0);
        fake.injectXid(2, 79, NO_INSTANCE, NO_INSTANCE);

        assertThat(source.awaitXidEvents(LONG)).containsExactly(
                new XidEvent(uuid2, 43, 2, 0), new XidEvent(uuid2, 79, -1, -1));
    }

    private Future<List<XidEvent>> await(Duration timeout) {
        return eventThread.submit(() -> source.awaitXidEvents(timeout));
    }
}
