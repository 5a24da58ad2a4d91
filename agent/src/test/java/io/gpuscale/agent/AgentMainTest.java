package io.gpuscale.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgentMainTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--interval|abc|invalid value for --interval: 'abc' is not a duration",
        "--interval|10ms|invalid value for --interval: interval 10ms is out of range (100ms to 5m)",
        "--interval|1h|out of range",
        "--listen|localhost|invalid value for --listen: 'localhost' is not HOST:PORT",
        "--listen|:70000|port 70000 is out of range",
        "--listen|:http|has no valid port",
        "--source|cuda|invalid value for --source: 'cuda' is not a source",
        "--source|sim:gtx1080|unknown GPU profile 'gtx1080'",
        "--node-name|Bad_Node|'Bad_Node' is not a valid node name",
        "--log-level|loud|'loud' is not a level",
        "--log-format|yaml|invalid value for --log-format: 'yaml' is not a log format (text, json)",
        "--log-format|''|invalid value for --log-format: '' is not a log format (text, json)",
    })
    void badFlagValuesGiveOneClearLineAndExitCode2(String flag, String value, String expected) {
        StringWriter err = new StringWriter();
        String[] args = flag.equals("--node-name")
                ? new String[] {flag, value}
                : new String[] {"--node-name", "gpu-node-1", flag, value};
        int code = AgentMain.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertThat(code).isEqualTo(2);
        String text = err.toString();
        assertThat(text).startsWith("gpuscale-agent: ").contains(expected).endsWith("(see --help)" + System.lineSeparator());
        assertThat(text.lines()).hasSize(1);
    }

    @org.junit.jupiter.api.Test
    void unknownFlagsAreRejected() {
        StringWriter err = new StringWriter();
        int code = AgentMain.run(new String[] {"--intervall", "1s"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown options: '--intervall'").hasLineCount(1);
    }

    @org.junit.jupiter.api.Test
    void helpListsEveryFlag() {
        StringWriter out = new StringWriter();
        int code = AgentMain.run(new String[] {"--help"}, new PrintWriter(out), new PrintWriter(new StringWriter()));
        assertThat(code).isZero();
        assertThat(out.toString()).contains("--listen", "--source", "--node-name", "--interval", "--nvml-library",
                "--log-level", "--log-format");
    }
}
