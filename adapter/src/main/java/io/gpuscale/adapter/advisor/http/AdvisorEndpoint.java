package io.gpuscale.adapter.advisor.http;

import io.gpuscale.adapter.advisor.PlacementAdvisor;
import io.gpuscale.adapter.http.PostEndpoint;
import java.util.Objects;

/** What the advisor's POST endpoints share: one path, one body limit, the advisor they ask. */
abstract class AdvisorEndpoint implements PostEndpoint {
    private final String path;
    private final long maxBodyBytes;
    protected final PlacementAdvisor advisor;

    AdvisorEndpoint(String path, long maxBodyBytes, PlacementAdvisor advisor) {
        this.path = path;
        this.maxBodyBytes = maxBodyBytes;
        this.advisor = Objects.requireNonNull(advisor, "advisor");
    }

    @Override
    public final String path() {
        return path;
    }

    @Override
    public final long maxBodyBytes() {
        return maxBodyBytes;
    }
}
