package io.gpuscale.common.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class InformerLogsTest {
    @Test
    void theReflectorsPerAttemptInfoLineIsHeldBackButItsWarningsAreNot() {
        InformerLogs.quietInterruptions();
        Logger reflector = Logger.getLogger(InformerLogs.REFLECTOR);

        assertThat(reflector.isLoggable(Level.INFO)).isFalse();
        assertThat(reflector.isLoggable(Level.WARNING)).isTrue();
        assertThat(reflector.isLoggable(Level.SEVERE)).isTrue();
    }

    @Test
    void anInterruptionIsDroppedAndARealFailureIsKept() {
        InformerLogs.quietInterruptions();
        Logger controller = Logger.getLogger("io.kubernetes.client.informer.cache.Controller");

        LogRecord stopped = new LogRecord(Level.SEVERE, "reflector interrupted");
        stopped.setThrown(new RuntimeException("wrapped", new InterruptedException()));
        LogRecord failed = new LogRecord(Level.SEVERE, "handler threw");
        failed.setThrown(new IllegalStateException("boom"));

        assertThat(controller.getFilter().isLoggable(stopped)).isFalse();
        assertThat(controller.getFilter().isLoggable(failed)).isTrue();
        assertThat(controller.isLoggable(Level.INFO)).isTrue();
    }
}
