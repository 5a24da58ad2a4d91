package io.gpuscale.agent.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.gpu.GpuEventSource;
import io.gpuscale.agent.gpu.GpuSourceException;
import io.gpuscale.agent.gpu.XidEvent;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.agent.snapshot.SourceStatus;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.agent.testing.Gpus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class XidWatcherTest {

    /** Events a test puts in, handed out as the driver would: blocking up to the timeout. */
    private static final class QueuedEvents implements GpuEventSource {
        final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();

        @Override
        public List<XidEvent> awaitXidEvents(Duration timeout) throws GpuSourceException {
            try {
                Object next = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (next instanceof GpuSourceException e) {
                    throw e;
                }
                return next == null ? List.of() : List.of((XidEvent) next);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
    }

    @Test
    void eventsAreCountedPerGpuAndCodeAndSurviveEventFailures() {
        QueuedEvents events = new QueuedEvents();
        XidCounter counter = new XidCounter();
        NodeSnapshot latest = new NodeSnapshot(1, 1, "n", SourceStatus.up("nvml"), DriverInfo.UNKNOWN,
                List.of(Gpus.busy(0, 1)));
        String uuid = Gpus.identity(0).uuid();
        try (XidWatcher watcher = new XidWatcher(events, counter, () -> latest)) {
            watcher.start();
            events.queue.add(new XidEvent(uuid, 48, -1, -1));
            events.queue.add(new GpuSourceException("GPU_IS_LOST", "lost"));
            events.queue.add(new XidEvent(uuid, 48, -1, -1));
            events.queue.add(new XidEvent(uuid, 79, -1, -1));
            Eventually.await(Duration.ofSeconds(30), "three events counted",
                    () -> counter.snapshot().getOrDefault(uuid, java.util.Map.of()).getOrDefault(79L, 0L) == 1 ? 1 : null);
        }
        assertThat(counter.snapshot()).containsEntry(uuid, java.util.Map.of(48L, 2L, 79L, 1L));
    }
}
