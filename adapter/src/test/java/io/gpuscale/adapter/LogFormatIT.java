package io.gpuscale.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.testing.AdapterJar;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.common.testing.JsonLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar gpuscale-adapter.jar serve --log-format json}: every line a JSON object a log pipeline can read. */
class LogFormatIT {
    private static final String SECRET = "s3cr3t-t0ken";

    @TempDir
    Path dir;

    @Test
    void jsonLogFormatWritesEveryLineAsOneObjectWithItsContextAndNoQueryString() throws Exception {
        Path log = dir.resolve("adapter.log");
        // An agent that refuses connections (port 9), named with a query that must never be logged.
        String agent = "http://127.0.0.1:9/metrics?token=" + SECRET;
        Process adapter = AdapterJar.start(log, "serve", "--authentication-mode=None",
                "--authorization-mode=AlwaysAllow", "--bind-address", "127.0.0.1", "--secure-port", "0",
                "--metrics-bind-address", "off", "--scrape-interval", "500ms", "--log-format", "json",
                "--cluster", AdapterJar.ROOT.resolve("deploy/examples/demo-cluster.yaml").toString(),
                "--agents", agent);
        try {
            Eventually.await(Duration.ofSeconds(60), "the adapter serving and its agent's first scrape failed",
                    () -> started(read(log)) || !adapter.isAlive());
            assertThat(started(read(log))).as(read(log)).isTrue();
        } finally {
            AdapterJar.stop(adapter);
        }

        String text = Files.readString(log);
        assertThat(text).doesNotContain(SECRET).doesNotContain("token=");
        List<String> lines = text.lines().toList();
        List<Map<String, Object>> objects = lines.stream().map(JsonLines::logLine).toList();
        assertThat(objects).anySatisfy(o -> assertThat(o).containsEntry("level", "info")
                .containsEntry("logger", "io.gpuscale.adapter.AdapterMain")
                .hasEntrySatisfying("msg", m -> assertThat((String) m).startsWith("gpuscale adapter serving: https://")));
        assertThat(objects).filteredOn(o -> "scraping an agent failed, keeping its last data".equals(o.get("msg")))
                .singleElement().satisfies(o -> assertThat(o).containsEntry("level", "warn")
                        .containsEntry("logger", "io.gpuscale.adapter.scrape.AgentScraper")
                        .containsEntry("target", "http://127.0.0.1:9/metrics").containsKey("reason"));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Serving, and the agent's first scrape failed. */
    private static boolean started(String log) {
        return log.contains("gpuscale adapter serving") && log.contains("scraping an agent failed");
    }
}
