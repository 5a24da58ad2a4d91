package io.gpuscale.adapter;

import io.gpuscale.common.Logging;
import io.gpuscale.common.cli.UsageErrors;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar gpuscale-adapter.jar}: the cluster service's entry point. */
@Command(name = "gpuscale-adapter", mixinStandardHelpOptions = true, versionProvider = AdapterVersion.class,
        subcommands = {ServeCommand.class, HpaPreview.class, ExplainCommand.class},
        description = "GPU metrics for Kubernetes: custom.metrics.k8s.io and external.metrics.k8s.io.")
public final class AdapterMain implements Callable<Integer> {
    static {
        Logging.install(); // before anything touches java.util.logging
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        return run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new AdapterMain());
        cmd.setOut(out);
        cmd.setErr(err);
        UsageErrors.install(cmd, AdapterMain::usageLine, m -> "gpuscale-adapter: " + m.replaceAll("\\s*\\R\\s*", " "));
        return cmd.execute(args);
    }

    private static String usageLine(String message) {
        return "gpuscale-adapter: " + message.replaceAll("\\s*\\R\\s*", " ") + " (see --help)";
    }

    /** Without a subcommand: say which ones there are. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("gpuscale-adapter: a command is required: serve, hpa or explain (see --help)");
        err.flush();
        return 2;
    }
}
