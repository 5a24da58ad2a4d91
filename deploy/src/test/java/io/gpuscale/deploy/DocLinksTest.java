package io.gpuscale.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation's links stay inside the repository and lead somewhere: every link in docs/*.md and
 * README.md names a file of the repository and, with {@code #anchor}, one of its headings; and every runbook
 * section of docs/operations.md names an alert that exists (MonitoringRulesTest checks the other way).
 */
class DocLinksTest {
    /** {@code [text](target)} outside code; images too. */
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    /** {@code <https://...>} autolinks. */
    private static final Pattern AUTOLINK = Pattern.compile("<(https?://[^>]+)>");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

    private static Path repo() {
        return Manifests.repo();
    }

    /** The markdown files checked: docs/*.md and README.md. */
    private static List<Path> documents() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> docs = Files.list(repo().resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        out.add(repo().resolve("README.md"));
        return out;
    }

    /** The lines of a markdown text that are prose: fenced code blocks and inline code removed. */
    static List<String> prose(String text) {
        List<String> out = new ArrayList<>();
        boolean fenced = false;
        for (String line : text.lines().toList()) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                out.add("");
                continue;
            }
            out.add(fenced ? "" : line.replaceAll("`[^`]*`", "``"));
        }
        return out;
    }

    /** GitHub's anchor of a heading: lowercased, punctuation but '-' and '_' dropped, spaces turned into '-'. */
    static String anchor(String heading) {
        String text = heading.replaceAll("`", "").replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
        StringBuilder b = new StringBuilder();
        for (char c : text.toLowerCase(Locale.ROOT).toCharArray()) {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                b.append(c);
            } else if (c == ' ') {
                b.append('-');
            }
        }
        return b.toString();
    }

    /** Every anchor a markdown file has, duplicates numbered as GitHub numbers them. */
    static Set<String> anchors(String text) {
        Set<String> out = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : text.lines().toList()) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            Matcher h = HEADING.matcher(line);
            if (!fenced && h.matches()) {
                String a = anchor(h.group(1));
                int n = seen.merge(a, 1, Integer::sum);
                out.add(n == 1 ? a : a + "-" + (n - 1));
            }
        }
        return out;
    }

    @Test
    void everyLinkStaysInTheRepositoryAndResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : documents()) {
            String name = repo().relativize(doc).toString();
            List<String> lines = prose(Files.readString(doc));
            for (int i = 0; i < lines.size(); i++) {
                String where = name + ":" + (i + 1) + ": ";
                Matcher auto = AUTOLINK.matcher(lines.get(i));
                while (auto.find()) {
                    if (!local(auto.group(1))) {
                        broken.add(where + auto.group(1) + " leaves the repository");
                    }
                }
                Matcher m = LINK.matcher(lines.get(i));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.matches("[a-z]+:.*")) {
                        if (!local(target)) {
                            broken.add(where + target + " leaves the repository");
                        }
                        continue;
                    }
                    String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                    String fragment = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                    Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                    if (!resolved.startsWith(repo())) {
                        broken.add(where + target + " leaves the repository");
                    } else if (!Files.exists(resolved)) {
                        broken.add(where + target + ": no such file " + repo().relativize(resolved));
                    } else if (fragment != null && resolved.toString().endsWith(".md")
                            && !anchors(Files.readString(resolved)).contains(fragment)) {
                        broken.add(where + target + ": no heading with anchor #" + fragment + " in "
                                + repo().relativize(resolved));
                    }
                }
            }
        }
        assertThat(broken).as("links in docs/*.md and README.md").isEmpty();
    }

    /** http://127.0.0.1 and localhost: the reader's own machine, as the demo prints it. */
    private static boolean local(String url) {
        return url.matches("https?://(127\\.0\\.0\\.1|localhost)([:/].*)?");
    }

    /**
     * The other direction of MonitoringRulesTest's runbook check (every alert's runbook is a heading of
     * docs/operations.md): every runbook section there is an alert of the PrometheusRule, so that a renamed
     * or removed alert does not leave a stale runbook behind.
     */
    @Test
    void everyRunbookSectionIsAnAlert() throws IOException {
        List<String> alerts = MonitoringRules.alerts().stream().map(MonitoringRules.Rule::alert).toList();
        assertThat(alerts).as("alerts of deploy/monitoring/prometheusrule.yaml").isNotEmpty();
        List<String> sections = new ArrayList<>();
        for (String line : Files.readAllLines(repo().resolve("docs/operations.md"))) {
            if (line.matches("### Gpuscale\\w+")) {
                sections.add(line.substring(4));
            }
        }
        assertThat(sections).as("runbook sections (### Gpuscale...) of docs/operations.md").isNotEmpty();
        assertThat(alerts).as("alerts of deploy/monitoring/prometheusrule.yaml, one per runbook section of "
                + "docs/operations.md").containsAll(sections);
    }
}
