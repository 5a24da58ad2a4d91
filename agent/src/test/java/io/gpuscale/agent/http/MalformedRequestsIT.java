package io.gpuscale.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.agent.testing.Http;
import io.gpuscale.common.testing.LogCapture;
import io.gpuscale.common.testing.MalformedRequests;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Port 9410 is open on every node: the standing corpus of malformed requests gets the status a
 * client's mistake deserves, nothing is logged above INFO, and the agent keeps serving.
 */
class MalformedRequestsIT {
    private static Agent agent;

    @BeforeAll
    static void start() throws Exception {
        agent = Agent.start(new AgentConfig("127.0.0.1", 0, AgentConfig.parseSource("sim:rtx4090"),
                "gpu-node-1", Duration.ofMillis(200), AgentConfig.DEFAULT_NVML_LIBRARY));
    }

    @AfterAll
    static void stop() {
        agent.close();
    }

    @Test
    void everyMalformedRequestIsAnsweredQuietly() throws Exception {
        Map<String, Integer> statuses = new LinkedHashMap<>();
        try (LogCapture log = LogCapture.open()) {
            for (MalformedRequests.Request r : MalformedRequests.corpus()) {
                statuses.put(r.name(), MalformedRequests.statusOf(r, "127.0.0.1", agent.port(), false));
            }
            assertThat(log.aboveInfo()).as("log lines above INFO").isEmpty();
        }
        assertThat(statuses).as("status per request (-1: closed without an answer)").isEqualTo(EXPECTED);
        assertThat(Http.get("http://127.0.0.1:" + agent.port() + "/metrics").statusCode()).isEqualTo(200);
    }

    /**
     * What each request gets. 200s are requests HTTP allows that name a served path (an absolute-form
     * target, an empty Host with an origin-form target, a GET whose body is ignored). HTTP/9.9 gets
     * 501, not 505: Vert.x answers an unsupported version itself, before any handler of ours runs. An h2c
     * upgrade is ignored (the agent speaks HTTP/1.1 only) and the GET is answered.
     */
    private static final Map<String, Integer> EXPECTED = expected(
            "invalid %-escape", 400, "truncated %-escape", 400, "escaped NUL", 400, "escaped newline", 400,
            "escaped slash and dots", 404, "dot segments", 404, "double slashes", 200, "backslashes", 404,
            "invalid %-escape in the query", 400, "overlong UTF-8 escape", 404, "invalid UTF-8 escape", 404,
            "raw non-ASCII bytes", 404, "unknown path", 404, "asterisk with GET", 400,
            "absolute-form with an invalid escape", 400, "absolute-form of another host", 200,
            "authority-form with GET", 400, "fragment in the target", 404,
            "OPTIONS asterisk", 405, "CONNECT", 405, "TRACE", 405, "unknown method", 405, "DELETE", 405,
            "PUT with a body", 405, "lower-case method", 405, "PRI outside HTTP/2", 405,
            "HTTP/9.9", 501, "HTTP/0.9 style", 400, "garbage version", -1, "extra spaces in the request line", 200,
            "tab in the request line", 200, "binary garbage", 400,
            "no Host", 400, "empty Host", 200, "non-ASCII Host", 400, "Host with a bad port", 400,
            "Host with a space", 400, "two Host headers", 400, "header without a colon", 400,
            "obsolete line folding", 200, "space before the colon", 400, "invalid Content-Length", 400,
            "two Content-Lengths", 400, "Content-Length and chunked", 400, "unknown Transfer-Encoding", 200,
            "bad chunk size", 200, "Upgrade to h2c", 200, "broken WebSocket upgrade", 200,
            "control characters in a header", 400,
            "16 KiB path", 414, "64 KiB query", 414, "one 64 KiB header", 431, "2,000 small headers", 431,
            "1 MiB Accept", 431);

    private static Map<String, Integer> expected(Object... pairs) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (Integer) pairs[i + 1]);
        }
        return m;
    }
}
