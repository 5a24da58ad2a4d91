package io.gpuscale.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.http.ServerLimits;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** The request-limit and agent-TLS flags of {@code serve}: defaults, values, and one-line refusals. */
class ServeLimitFlagsTest {
    @TempDir
    Path dir;

    private List<String> serve(String... more) throws Exception {
        Path cluster = Files.writeString(dir.resolve("cluster.yaml"), "apiVersion: v1\nkind: List\nitems: []\n");
        List<String> args = new ArrayList<>(List.of("--authentication-mode=None", "--authorization-mode=AlwaysAllow",
                "--cluster", cluster.toString(), "--agents", "https://127.0.0.1:9400/metrics"));
        args.addAll(List.of(more));
        return args;
    }

    private static AdapterConfig config(List<String> args) {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args.toArray(String[]::new));
        return serve.config();
    }

    @Test
    void theDefaultsAreTheProductionLimits() throws Exception {
        AdapterConfig c = config(serve());
        assertThat(c.limits()).isEqualTo(ServerLimits.DEFAULTS);
        assertThat(c.agentCaFile()).isNull();
    }

    @Test
    void everyLimitFlagLandsInTheLimits() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\n");
        AdapterConfig c = config(serve("--max-request-header-bytes=16384", "--request-rate-per-client=0",
                "--request-burst-per-client=1", "--max-connections-per-client=0", "--request-timeout=5s",
                "--idle-timeout=1m", "--agent-ca-file=" + ca));
        assertThat(c.limits().maxHeaderBytes()).isEqualTo(16384);
        assertThat(c.limits().rateLimited()).isFalse();
        assertThat(c.limits().maxConnectionsPerClient()).isZero();
        assertThat(c.limits().requestTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.limits().idleTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.agentCaFile()).isEqualTo(ca);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "--max-request-header-bytes=100|max header bytes 100 is outside",
        "--request-rate-per-client=-1|requests per second per client -1.0",
        "--request-rate-per-client=5,--request-burst-per-client=0|burst per client 0",
        "--max-connections-per-client=-2|max connections per client -2",
        "--request-timeout=0s|request timeout",
        "--request-timeout=soon|--request-timeout",
        "--idle-timeout=forever|--idle-timeout",
        "--agent-ca-file=/nonexistent/ca.crt|--agent-ca-file",
    })
    void badValuesStopTheStartWithOneLine(String flags, String message) throws Exception {
        List<String> args = new ArrayList<>(List.of("serve"));
        args.addAll(serve(flags.split(",")));
        StringWriter err = new StringWriter();
        int code = AdapterMain.run(args.toArray(String[]::new), new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("gpuscale-adapter: ").contains(message);
        assertThat(err.toString().strip().lines()).hasSize(1);
    }
}
