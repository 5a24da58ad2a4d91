package io.gpuscale.adapter.scrape;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A fixed list of agents ({@code --agents URL,...}); their nodes come from their series. */
public final class StaticAgentTargets implements AgentTargets {
    private final List<AgentTarget> targets;

    public StaticAgentTargets(List<AgentTarget> targets) {
        this.targets = List.copyOf(targets);
    }

    /**
     * Parses {@code --agents}: comma-separated URLs; {@code host:port} means
     * {@code http://host:port/metrics}, and a URL without a path gets {@code /metrics}.
     *
     * @throws IllegalArgumentException naming the first entry that is not an http(s) URL
     */
    public static StaticAgentTargets parse(String agents) {
        Set<String> urls = new LinkedHashSet<>();
        for (String entry : agents.split(",")) {
            String trimmed = entry.trim();
            if (!trimmed.isEmpty()) {
                urls.add(normalize(trimmed));
            }
        }
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("--agents: no agent URL given");
        }
        List<AgentTarget> targets = new ArrayList<>();
        urls.forEach(u -> targets.add(new AgentTarget(u, null)));
        return new StaticAgentTargets(targets);
    }

    static String normalize(String entry) {
        String withScheme = entry.contains("://") ? entry : "http://" + entry;
        try {
            URI uri = new URI(withScheme);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                    || uri.getUserInfo() != null || uri.getFragment() != null) {
                throw new IllegalArgumentException("--agents: not an http(s) URL of an agent: " + entry);
            }
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")
                    ? "/metrics" : uri.getRawPath();
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), null, null, null) + path
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--agents: not an http(s) URL of an agent: " + entry);
        }
    }

    @Override
    public List<AgentTarget> current() {
        return targets;
    }
}
