package io.gpuscale.common.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.common.testing.TestClock;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import org.junit.jupiter.api.Test;

class RepeatedLogTest {
    /** A System.Logger that keeps its lines. */
    static final class Lines implements System.Logger {
        final List<String> lines = new ArrayList<>();

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(level + " " + msg + (thrown == null ? "" : " [" + thrown.getMessage() + "]"));
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            LogFields fields = LogFields.in(params);
            lines.add(level + " " + format + (fields == null ? "" : " " + fields)
                    + (fields == null || fields.failure() == null ? "" : " [" + fields.failure().getMessage() + "]"));
        }
    }

    @Test
    void aFloodOfOneKindWritesOneLineAPeriodWithTheCountOfTheRest() {
        Lines out = new Lines();
        TestClock clock = new TestClock(Instant.EPOCH);
        RepeatedLog log = new RepeatedLog(out, clock, Duration.ofMinutes(1));

        for (int i = 0; i < 200; i++) {
            log.log(Level.ERROR, "IllegalStateException", "request failed", new IllegalStateException("boom"));
            clock.advanceMillis(100); // 20 s in all
        }
        log.log(Level.ERROR, "NullPointerException", "request failed");
        clock.advanceMillis(60_000);
        log.log(Level.ERROR, "IllegalStateException", "request failed");

        assertThat(out.lines).containsExactly(
                "ERROR request failed [boom]",
                "ERROR request failed",
                "ERROR request failed (and 199 more like it in the last 60s)");
    }

    @Test
    void theContextTravelsWithTheLineThatIsWritten() {
        Lines out = new Lines();
        TestClock clock = new TestClock(Instant.EPOCH);
        RepeatedLog log = new RepeatedLog(out, clock, Duration.ofMinutes(1));

        for (int i = 0; i < 3; i++) {
            log.log(Level.WARNING, "http://a/metrics", "scraping an agent failed",
                    LogFields.of("target", "http://a/metrics", "reason", "refused").failure(new IllegalStateException("x")));
        }
        clock.advanceMillis(60_000);
        log.log(Level.WARNING, "http://a/metrics", "scraping an agent failed", LogFields.of("target", "http://a/metrics"));

        assertThat(out.lines).containsExactly(
                "WARNING scraping an agent failed target=http://a/metrics reason=refused [x]",
                "WARNING scraping an agent failed (and 2 more like it in the last 60s) target=http://a/metrics");
    }
}
