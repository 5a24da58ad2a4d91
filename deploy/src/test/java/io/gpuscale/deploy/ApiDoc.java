package io.gpuscale.deploy;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * docs/api.md as a list of examples: a fenced {@code sh} block holding one command ({@code $ } on its first
 * line, {@code \} continuations), and right after it the fenced block of what the command prints. The one
 * {@code sh} block that starts the adapter ({@code gpuscale-adapter.jar serve}) is the setup every example
 * runs against.
 */
public final class ApiDoc {
    /** What a trailing {@code | jq .} does, done here so the test needs no jq: two-space indent, nulls kept. */
    private static final Gson JQ = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping()
            .create();
    private static final String JQ_PIPE = "| jq .";
    /** RFC 3339 times (the agents' sample times): they differ on every run. */
    private static final Pattern TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
    /** /version's platform: the machine's OS and architecture. */
    private static final Pattern PLATFORM = Pattern.compile("\"platform\": ?\"[^\"]*\"");
    /** The explain answer's GPU-load age: how long ago the last read ended, which moves with the clock. */
    private static final Pattern AGE = Pattern.compile("\"ageSeconds\": ?[0-9.]+");

    private final List<String> lines;
    private final List<Example> examples;
    private final List<String> setup;

    /**
     * One example.
     *
     * @param command the command as written, {@code $ } removed, continuation lines kept
     * @param commandLine the 1-based line of the command
     * @param outputFrom the 0-based index of the output block's first content line
     * @param outputTo the 0-based index of its closing fence (exclusive end)
     * @param output the output block's content
     */
    public record Example(String command, int commandLine, int outputFrom, int outputTo, String output) {
        /** Whether the command ends in {@code | jq .}: its output is shown reformatted. */
        public boolean jq() {
            return command.strip().endsWith(JQ_PIPE);
        }

        /** The command to run: without the {@code | jq .}, which {@link ApiDoc#jq} stands in for. */
        public String runnable() {
            String c = command.strip();
            return jq() ? c.substring(0, c.length() - JQ_PIPE.length()).strip() : c;
        }
    }

    private ApiDoc(List<String> lines, List<Example> examples, List<String> setup) {
        this.lines = lines;
        this.examples = examples;
        this.setup = setup;
    }

    /** Parses the document; an example without an output block, or a document without setup, fails. */
    public static ApiDoc parse(String text) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        List<Example> examples = new ArrayList<>();
        List<String> setup = null;
        int i = 0;
        while (i < lines.size()) {
            if (!isFence(lines.get(i))) {
                i++;
                continue;
            }
            String lang = lines.get(i).strip().substring(3).strip();
            int close = closingFence(lines, i);
            List<String> body = lines.subList(i + 1, close);
            if (lang.equals("sh") && body.stream().anyMatch(l -> l.contains("gpuscale-adapter.jar serve"))) {
                if (setup != null) {
                    throw new AssertionError("docs/api.md: two setup blocks (line " + (i + 1) + ")");
                }
                setup = List.copyOf(body);
            } else if (lang.equals("sh") && !body.isEmpty() && body.get(0).startsWith("$ ")) {
                int next = close + 1;
                while (next < lines.size() && lines.get(next).isBlank()) {
                    next++;
                }
                if (next >= lines.size() || !isFence(lines.get(next))) {
                    throw new AssertionError("docs/api.md:" + (i + 2) + ": the example has no output block right after it");
                }
                int outClose = closingFence(lines, next);
                StringBuilder command = new StringBuilder(body.get(0).substring(2));
                for (String l : body.subList(1, body.size())) {
                    command.append('\n').append(l);
                }
                examples.add(new Example(command.toString(), i + 2, next + 1, outClose,
                        String.join("\n", lines.subList(next + 1, outClose))));
                close = outClose;
            }
            i = close + 1;
        }
        if (setup == null) {
            throw new AssertionError("docs/api.md: no setup block (an sh block with gpuscale-adapter.jar serve)");
        }
        return new ApiDoc(lines, List.copyOf(examples), setup);
    }

    private static boolean isFence(String line) {
        return line.startsWith("```");
    }

    private static int closingFence(List<String> lines, int open) {
        for (int j = open + 1; j < lines.size(); j++) {
            if (lines.get(j).strip().equals("```")) {
                return j;
            }
        }
        throw new AssertionError("docs/api.md:" + (open + 1) + ": a fenced block is never closed");
    }

    public List<Example> examples() {
        return examples;
    }

    /** The setup block's commands, continuation lines joined, comments and blank lines left out. */
    public List<String> setupCommands() {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String l : setup) {
            String s = l.strip();
            if (current.isEmpty() && (s.isEmpty() || s.startsWith("#"))) {
                continue;
            }
            if (s.endsWith("\\")) {
                current.append(s, 0, s.length() - 1).append(' ');
                continue;
            }
            current.append(s);
            out.add(current.toString());
            current.setLength(0);
        }
        return out;
    }

    /** The document with each example's output block replaced by {@code outputs} (same order). */
    public String withOutputs(List<String> outputs) {
        if (outputs.size() != examples.size()) {
            throw new IllegalArgumentException(outputs.size() + " outputs for " + examples.size() + " examples");
        }
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int e = 0; e < examples.size(); e++) {
            Example ex = examples.get(e);
            out.addAll(lines.subList(from, ex.outputFrom()));
            String o = outputs.get(e).stripTrailing();
            if (!o.isEmpty()) {
                out.addAll(o.lines().toList());
            }
            from = ex.outputTo();
        }
        out.addAll(lines.subList(from, lines.size()));
        return String.join("\n", out) + "\n";
    }

    /** {@code jq .}'s rendering of a JSON text; anything that is not JSON is kept as it is, for the diff to show. */
    public static String jq(String json) {
        try {
            return JQ.toJson(JsonParser.parseString(json));
        } catch (JsonParseException e) {
            return json;
        }
    }

    /** What is compared: times, the platform and the GPU-load age replaced by placeholders, trailing blanks removed. */
    public static String normalize(String output) {
        String s = TIME.matcher(output).replaceAll("<time>");
        s = PLATFORM.matcher(s).replaceAll("\"platform\": \"<platform>\"");
        s = AGE.matcher(s).replaceAll("\"ageSeconds\": <age>");
        return s.lines().map(String::stripTrailing).reduce((a, b) -> a + "\n" + b).orElse("").strip();
    }
}
