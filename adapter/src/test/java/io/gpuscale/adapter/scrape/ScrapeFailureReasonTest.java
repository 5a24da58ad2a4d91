package io.gpuscale.adapter.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class ScrapeFailureReasonTest {
    @Test
    void whatAScrapeFailsWithIsNamedByOneOfAFewReasons() {
        assertThat(AgentScraper.failure(new TimeoutException("no complete answer"))).isEqualTo(ScrapeRecorder.Failure.TIMEOUT);
        assertThat(AgentScraper.failure(new ConnectException("Connection refused")))
                .isEqualTo(ScrapeRecorder.Failure.CONNECT);
        assertThat(AgentScraper.failure(new UnknownHostException("agent.invalid")))
                .isEqualTo(ScrapeRecorder.Failure.CONNECT);
        assertThat(AgentScraper.failure(new VertxException(new SSLHandshakeException("bad certificate"))))
                .isEqualTo(ScrapeRecorder.Failure.TLS);
        assertThat(AgentScraper.failure(new HttpClosedException("Connection was closed")))
                .isEqualTo(ScrapeRecorder.Failure.CLOSED);
        assertThat(AgentScraper.failure(new IllegalStateException("something else")))
                .isEqualTo(ScrapeRecorder.Failure.OTHER);
    }
}
