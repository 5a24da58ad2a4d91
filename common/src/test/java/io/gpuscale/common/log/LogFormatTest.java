package io.gpuscale.common.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpuscale.common.Logging;
import io.gpuscale.common.testing.JsonLines;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogFormatTest {
    private static final Instant AT = Instant.parse("2026-12-03T08:37:16.104Z");
    private static final String LOGGER = "io.gpuscale.adapter.scrape.AgentScraper";

    private static LogRecord record(Level level, String message, Object... params) {
        LogRecord r = new LogRecord(level, message);
        r.setInstant(AT);
        r.setLoggerName(LOGGER);
        r.setParameters(params.length == 0 ? null : params);
        return r;
    }

    private static String json(LogRecord r) {
        return new JsonLogFormatter().format(r);
    }

    private static String text(LogRecord r) {
        return new TextLogFormatter().format(r);
    }

    @Test
    void aJsonLineIsOneObjectWithTimeLevelLoggerMessageAndTheContext() {
        String line = json(record(Level.WARNING, "scraping an agent failed, keeping its last data",
                LogFields.of("target", "http://10.0.0.7:9400/metrics", "node", "gpu-1", "failures", 3,
                        "ratio", 0.5, "tls", false, "pod", null)));

        assertThat(line).endsWith("}\n").doesNotContain("\n{").hasLineCount(1);
        Map<String, Object> o = JsonLines.logLine(line);
        assertThat(o.keySet()).containsExactly("time", "level", "logger", "msg", "target", "node", "failures",
                "ratio", "tls", "pod");
        assertThat(o).containsEntry("time", "2026-12-03T08:37:16.104Z").containsEntry("level", "warn")
                .containsEntry("logger", LOGGER).containsEntry("msg", "scraping an agent failed, keeping its last data")
                .containsEntry("target", "http://10.0.0.7:9400/metrics").containsEntry("node", "gpu-1")
                .containsEntry("failures", 3L).containsEntry("ratio", 0.5).containsEntry("tls", false)
                .containsEntry("pod", null);
        assertThat(o).doesNotContainKeys("error", "stack");
    }

    @Test
    void quotesNewlinesControlCharactersAndUnicodeSurviveAndTheLineStaysOneAsciiLine() {
        String nasty = "say \"hi\" \\ back\nsecond line\r\tand\u0000\u0001\u001f\u007f ü ß 日本 😀 \u2028end";
        String line = json(record(Level.INFO, nasty, LogFields.of("pod", nasty)));

        assertThat(line).hasLineCount(1);
        assertThat(line.chars().allMatch(c -> c >= 0x20 && c < 0x7f || c == '\n')).as(line).isTrue();
        Map<String, Object> o = JsonLines.logLine(line);
        assertThat(o.get("msg")).isEqualTo(nasty);
        assertThat(o.get("pod")).isEqualTo(nasty);
    }

    @Test
    void aThrowableGivesErrorAndStackFromTheRecordOrFromTheFields() {
        IllegalStateException boom = new IllegalStateException("boom \"quoted\"", new java.io.IOException("below"));
        LogRecord withThrown = record(Level.SEVERE, "sample failed unexpectedly");
        withThrown.setThrown(boom);
        Map<String, Object> a = JsonLines.logLine(json(withThrown));
        Map<String, Object> b = JsonLines.logLine(json(record(Level.SEVERE, "sample failed unexpectedly",
                LogFields.of("node", "n1").failure(boom))));

        for (Map<String, Object> o : java.util.List.of(a, b)) {
            assertThat(o.get("level")).isEqualTo("error");
            assertThat(o.get("error")).isEqualTo("java.lang.IllegalStateException: boom \"quoted\"");
            assertThat((String) o.get("stack")).startsWith("java.lang.IllegalStateException: boom \"quoted\"\n\tat ")
                    .contains("Caused by: java.io.IOException: below").doesNotEndWith("\n");
        }
        assertThat(b.get("node")).isEqualTo("n1");
    }

    @ParameterizedTest
    @CsvSource({"FINEST,debug", "FINER,debug", "FINE,debug", "CONFIG,debug", "INFO,info", "WARNING,warn",
        "SEVERE,error"})
    void levelsAreOurNames(String jul, String ours) {
        assertThat(JsonLines.logLine(json(record(Level.parse(jul), "m"))).get("level")).isEqualTo(ours);
    }

    @Test
    void placeholdersAreFilledAndAContextKeyNeverHidesALineField() {
        Map<String, Object> o = JsonLines.logLine(json(record(Level.INFO, "{0} answers again after {1} failures",
                "agent", 12, LogFields.of("msg", "mine", "level", "x", "target", "t"))));
        assertThat(o).containsEntry("msg", "agent answers again after 12 failures").containsEntry("level", "info")
                .containsEntry("ctx_msg", "mine").containsEntry("ctx_level", "x").containsEntry("target", "t");
        // no parameters but the fields: the message is taken as written, as java.util.logging does
        assertThat(JsonLines.logLine(json(record(Level.INFO, "the node''s {0} pods", LogFields.of("n", 1))))
                .get("msg")).isEqualTo("the node''s {0} pods");
    }

    @Test
    void theTextLineIsTodaysFormatWithThePairsAfterTheMessage() {
        String line = text(record(Level.WARNING, "scraping an agent failed, keeping its last data",
                LogFields.of("target", URI.create("http://10.0.0.7:9400/metrics"), "node", "gpu-1", "failures", 3,
                        "reason", "connection refused", "quote", "a \"b\"=c", "multi", "x\ny", "empty", "",
                        "pod", null)));
        assertThat(line).isEqualTo("2026-12-03T08:37:16.104Z WARNING " + LOGGER
                + ": scraping an agent failed, keeping its last data target=http://10.0.0.7:9400/metrics node=gpu-1"
                + " failures=3 reason=\"connection refused\" quote=\"a \\\"b\\\"=c\" multi=\"x\\ny\" empty=\"\""
                + " pod=null" + System.lineSeparator());
        assertThat(text(record(Level.INFO, "GPU source ready: source={0}", "nvml")))
                .isEqualTo("2026-12-03T08:37:16.104Z INFO    " + LOGGER + ": GPU source ready: source=nvml"
                        + System.lineSeparator());
    }

    @Test
    void theTextLineCarriesTheStackTraceBelow() {
        String line = text(record(Level.SEVERE, "failed", LogFields.of("node", "n1")
                .failure(new IllegalStateException("boom"))));
        assertThat(line).startsWith("2026-12-03T08:37:16.104Z SEVERE  " + LOGGER + ": failed node=n1"
                + System.lineSeparator() + "java.lang.IllegalStateException: boom" + System.lineSeparator() + "\tat ");
    }

    @Test
    void noTokenOrUrlQueryReachesEitherFormat() {
        String token = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.sig";
        LogRecord r = record(Level.WARNING, "cannot reach https://user:pw@kube:6443/apis?token=" + token
                + " with Authorization: Bearer " + token, LogFields.of(
                        "target", "http://10.0.0.7:9400/metrics?auth=" + token,
                        "server", URI.create("https://admin:" + token + "@kube:6443/?x=" + token + "#f"),
                        "token", token, "Authorization", "Bearer " + token, "reason", "sent bearer " + token)
                        .failure(new IllegalStateException("GET http://prom:9090/api/v1/query?query=up&token="
                                + token + " failed")));
        for (String line : new String[] {json(r), text(r)}) {
            assertThat(line).doesNotContain(token).doesNotContain("pw@").doesNotContain("admin")
                    .doesNotContain("auth=").doesNotContain("query=up");
        }
        Map<String, Object> o = JsonLines.logLine(json(r));
        assertThat(o).containsEntry("target", "http://10.0.0.7:9400/metrics")
                .containsEntry("server", "https://kube:6443/#f")
                .containsEntry("token", LogFields.REDACTED)
                .containsEntry("Authorization", LogFields.REDACTED)
                .containsEntry("reason", "sent bearer " + LogFields.REDACTED)
                .containsEntry("msg", "cannot reach https://kube:6443/apis with Authorization: Bearer "
                        + LogFields.REDACTED)
                .containsEntry("error", "java.lang.IllegalStateException: GET http://prom:9090/api/v1/query failed");
    }

    @Test
    void theWordBearerInASentenceIsNoCredential() {
        String sentence = "TokenReviews fail: bearer tokens are answered 401 (Bearer tokens too)";
        assertThat(LogFields.scrub(sentence)).isEqualTo(sentence);
        assertThat(LogFields.scrub("Authorization: bearer abcdefghij0123456789")).isEqualTo("Authorization: bearer "
                + LogFields.REDACTED);
        assertThat(LogFields.scrub("Bearer abcdef.0123456789abcdef")).isEqualTo("Bearer " + LogFields.REDACTED);
    }

    @Test
    void systemLoggerCallsReachTheFormatterWithTheirFields() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Logger jul = Logger.getLogger("io.gpuscale.test.bridge");
        Handler h = new StreamHandler(out, new JsonLogFormatter());
        jul.addHandler(h);
        jul.setUseParentHandlers(false);
        try {
            System.Logger log = System.getLogger("io.gpuscale.test.bridge");
            log.log(System.Logger.Level.WARNING, "cannot list or watch pods; retrying",
                    LogFields.of("node", "n1", "server", "https://kube:6443"));
            log.log(System.Logger.Level.ERROR, "failed: {0}", "why", LogFields.of("pod", "ns/p")
                    .failure(new IllegalStateException("boom")));
            h.flush();
        } finally {
            jul.removeHandler(h);
            jul.setUseParentHandlers(true);
        }
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(2);
        assertThat(JsonLines.logLine(lines[0])).containsEntry("level", "warn").containsEntry("node", "n1")
                .containsEntry("server", "https://kube:6443").containsEntry("logger", "io.gpuscale.test.bridge");
        assertThat(JsonLines.logLine(lines[1])).containsEntry("msg", "failed: why").containsEntry("pod", "ns/p")
                .containsEntry("error", "java.lang.IllegalStateException: boom");
    }

    @Test
    void theFlagTakesTextOrJsonInAnyCase() {
        assertThat(Logging.format("text")).isEqualTo(Logging.Format.TEXT);
        assertThat(Logging.format("JSON")).isEqualTo(Logging.Format.JSON);
        assertThatThrownBy(() -> Logging.format("xml")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'xml' is not a log format (text, json)");
        assertThatThrownBy(() -> LogFields.of("node")).isInstanceOf(IllegalArgumentException.class);
    }
}
