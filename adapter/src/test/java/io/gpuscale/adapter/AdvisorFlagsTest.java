package io.gpuscale.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.adapter.advisor.GpuPolicy;
import io.gpuscale.adapter.advisor.KubeVersion;
import io.gpuscale.adapter.tls.ServingCertificate;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code serve}'s placement-advisor flags: defaults, parsing, and one-line refusals. */
class AdvisorFlagsTest {
    @TempDir
    Path dir;

    private String[] serve(String... more) throws Exception {
        Path cluster = dir.resolve("cluster.yaml");
        Files.writeString(cluster, "apiVersion: v1\nkind: List\nitems: []\n");
        List<String> args = new ArrayList<>(List.of("serve", "--authentication-mode=None",
                "--authorization-mode=AlwaysAllow", "--cluster", cluster.toString(),
                "--agents", "http://127.0.0.1:9400/metrics"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private AdapterConfig.Advisor advisor(String... more) throws Exception {
        String[] args = serve(more);
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(java.util.Arrays.copyOfRange(args, 1, args.length));
        return serve.config().advisor();
    }

    @Test
    void byDefaultBinpackTheNewestWordingAndNoExtender() throws Exception {
        AdapterConfig.Advisor a = advisor();
        assertThat(a.options().gpuPolicy()).isEqualTo(GpuPolicy.BINPACK);
        assertThat(a.options().kubeVersion()).isEqualTo(KubeVersion.NEWEST);
        assertThat(a.extenderEnabled()).isFalse();
    }

    @Test
    void theFlagsAreRead() throws Exception {
        AdapterConfig.Advisor a = advisor("--gpu-policy", "Spread", "--kube-version", "v1.30.4+k3s1",
                "--scheduler-extender-port", "8888");
        assertThat(a.options().gpuPolicy()).isEqualTo(GpuPolicy.SPREAD);
        assertThat(a.options().kubeVersion()).isEqualTo(new KubeVersion(1, 30));
        assertThat(a.extenderPort()).isEqualTo(8888);
        assertThat(advisor("--scheduler-extender-port", "0").extenderEnabled()).isTrue();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "--gpu-policy, pack, invalid value for --gpu-policy",
        "--kube-version, newest, invalid value for --kube-version",
        "--scheduler-extender-port, 70000, invalid value for --scheduler-extender-port",
        "--scheduler-extender-port, -3, invalid value for --scheduler-extender-port",
    })
    void aBadAdvisorFlagStopsServeWithOneLineAndExit2(String flag, String value, String message) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = AdapterMain.run(serve(flag, value), new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).startsWith("gpuscale-adapter: " + message);
        assertThat(err.toString().strip().lines()).hasSize(1);
    }

    @Test
    void theExtenderClientCaFileAndAllowedNamesAreRead() throws Exception {
        Path ca = dir.resolve("scheduler-ca.crt");
        Files.writeString(ca, ServingCertificate.selfSigned(List.of("ca"), Clock.systemUTC()).certificatePem());
        AdapterConfig.Advisor a = advisor("--scheduler-extender-port", "8888", "--scheduler-extender-client-ca-file",
                ca.toString(), "--scheduler-extender-allowed-names", "kube-scheduler, system:kube-scheduler");
        assertThat(a.extenderAuthenticated()).isTrue();
        assertThat(a.extenderClientCaFile()).isEqualTo(ca);
        assertThat(a.extenderAllowedNames()).containsExactly("kube-scheduler", "system:kube-scheduler");
        AdapterConfig.Advisor any = advisor("--scheduler-extender-port", "0", "--scheduler-extender-client-ca-file",
                ca.toString());
        assertThat(any.extenderAllowedNames()).isEmpty();
        assertThat(advisor("--scheduler-extender-port", "0").extenderAuthenticated()).isFalse();
    }

    @Test
    void extenderAuthenticationFlagsThatCannotWorkStopServeWithOneLine() throws Exception {
        Path ca = dir.resolve("scheduler-ca.crt");
        Files.writeString(ca, ServingCertificate.selfSigned(List.of("ca"), Clock.systemUTC()).certificatePem());
        Path notPem = dir.resolve("not-a-ca.crt");
        Files.writeString(notPem, "hello");
        assertRefused("--scheduler-extender-client-ca-file needs --scheduler-extender-port",
                "--scheduler-extender-client-ca-file", ca.toString());
        assertRefused("--scheduler-extender-allowed-names needs --scheduler-extender-client-ca-file",
                "--scheduler-extender-port", "0", "--scheduler-extender-allowed-names", "kube-scheduler");
        assertRefused("invalid value for --scheduler-extender-client-ca-file: no readable file",
                "--scheduler-extender-port", "0", "--scheduler-extender-client-ca-file", dir.resolve("nope").toString());
        assertRefused("invalid value for --scheduler-extender-client-ca-file: " + notPem,
                "--scheduler-extender-port", "0", "--scheduler-extender-client-ca-file", notPem.toString());
    }

    private void assertRefused(String message, String... flags) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = AdapterMain.run(serve(flags), new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).startsWith("gpuscale-adapter: " + message);
        assertThat(err.toString().strip().lines()).hasSize(1);
    }

    @Test
    void explainIsACommand() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = AdapterMain.run(new String[] {"explain", "--help"}, new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertThat(code).isZero();
        assertThat(out.toString()).contains("--pod=FILE").contains("Exit status:")
                .contains("1  answered: it fits no node, or quota would refuse it at creation");
    }
}
