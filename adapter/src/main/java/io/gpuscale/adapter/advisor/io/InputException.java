package io.gpuscale.adapter.advisor.io;

/**
 * Input the advisor cannot use: a pod that is not valid Kubernetes YAML or JSON, or not a v1 Pod.
 * The message is one line, {@code SOURCE:LINE: problem} ({@code SOURCE: problem} when no line can
 * be named), as compilers and linters write it.
 */
public class InputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final String problem;

    /**
     * @param source the file name, or what stands for it ("request body")
     * @param line the 1-based line the problem is on, or 0 when unknown
     * @param problem what is wrong, in words
     */
    public InputException(String source, int line, String problem) {
        super(source + (line > 0 ? ":" + line : "") + ": " + oneLine(problem));
        this.source = source;
        this.line = line;
        this.problem = oneLine(problem);
    }

    /** The file name, or what stands for it. */
    public String source() {
        return source;
    }

    /** The 1-based line, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** The problem without the source and line. */
    public String problem() {
        return problem;
    }

    private static String oneLine(String s) {
        return s == null ? "invalid input" : s.replaceAll("\\s+", " ").strip();
    }
}
