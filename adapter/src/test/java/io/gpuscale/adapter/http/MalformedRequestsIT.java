package io.gpuscale.adapter.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.api.Fixtures;
import io.gpuscale.adapter.tls.ServingCertificate;
import io.gpuscale.common.testing.LogCapture;
import io.gpuscale.common.testing.MalformedRequests;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The standing corpus of malformed requests against the adapter's API port (HTTPS, the limits it
 * ships with): each gets the status a client's mistake deserves and nothing is logged above INFO.
 */
class MalformedRequestsIT {
    private static Vertx vertx;
    private static ApiServer server;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        ServingCertificate certificate = ServingCertificate.selfSigned(ServingCertificate.defaultHosts(null, null),
                Clock.systemUTC());
        server = ApiServer.start(vertx, Fixtures.api(true), List.of(), RequestGate.ALLOW_ALL, certificate,
                ServerLimits.DEFAULTS.withRate(0, 0), "127.0.0.1", 0, Clock.fixed(Fixtures.NOW, ZoneOffset.UTC), false);
    }

    @AfterAll
    static void stop() {
        server.close();
        vertx.close();
    }

    @Test
    void everyMalformedRequestIsAnsweredQuietly() throws Exception {
        Map<String, Integer> statuses = new LinkedHashMap<>();
        try (LogCapture log = LogCapture.open()) {
            for (MalformedRequests.Request r : MalformedRequests.corpus()) {
                statuses.put(r.name(), MalformedRequests.statusOf(r, "127.0.0.1", server.port(), true));
            }
            assertThat(log.aboveInfo()).as("log lines above INFO").isEmpty();
        }
        assertThat(statuses).as("status per request (-1: closed without an answer)").isEqualTo(EXPECTED);
    }

    /**
     * What each request gets: the API port serves only the metrics APIs' GET paths, so a request for
     * another path or with another method is a 404, as kube-apiserver answers an unknown path; an
     * escape that cannot be decoded is a 400. HTTP/9.9 gets 501, not 505: Vert.x answers an
     * unsupported version itself, before any handler of ours runs.
     */
    private static final Map<String, Integer> EXPECTED = expected(
            "invalid %-escape", 400, "truncated %-escape", 400, "escaped NUL", 404, "escaped newline", 404,
            "escaped slash and dots", 404, "dot segments", 404, "double slashes", 404, "backslashes", 404,
            "invalid %-escape in the query", 400, "overlong UTF-8 escape", 400, "invalid UTF-8 escape", 400,
            "raw non-ASCII bytes", 404, "unknown path", 404, "asterisk with GET", 404,
            "absolute-form with an invalid escape", 400, "absolute-form of another host", 404,
            "authority-form with GET", 404, "fragment in the target", 404, "OPTIONS asterisk", 404, "CONNECT", 404,
            "TRACE", 404, "unknown method", 404, "DELETE", 404, "PUT with a body", 404, "lower-case method", 404,
            "PRI outside HTTP/2", 404, "HTTP/9.9", 501, "HTTP/0.9 style", 400, "garbage version", -1,
            "extra spaces in the request line", 404, "tab in the request line", 404, "binary garbage", 400,
            "no Host", 404, "empty Host", 404, "non-ASCII Host", 404, "Host with a bad port", 404,
            "Host with a space", 404, "two Host headers", 404, "header without a colon", 400,
            "obsolete line folding", 404, "space before the colon", 400, "invalid Content-Length", 400,
            "two Content-Lengths", 400, "Content-Length and chunked", 400, "unknown Transfer-Encoding", 404,
            "bad chunk size", 404, "Upgrade to h2c", 404, "broken WebSocket upgrade", 404,
            "control characters in a header", 400, "16 KiB path", 414, "64 KiB query", 414, "one 64 KiB header", 431,
            "2,000 small headers", 404, "1 MiB Accept", 431);

    private static Map<String, Integer> expected(Object... pairs) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (Integer) pairs[i + 1]);
        }
        return m;
    }
}
