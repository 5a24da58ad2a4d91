package io.gpuscale.adapter.advisor.http;

import io.gpuscale.adapter.advisor.PlacementAdvisor;
import io.gpuscale.adapter.http.PostEndpoint;
import java.util.List;

/** The advisor's HTTP endpoints, as the two servers mount them. */
public final class AdvisorEndpoints {
    private AdvisorEndpoints() {
    }

    /** On the adapter's API port: {@code POST /advisor/v1/explain}. */
    public static List<PostEndpoint> rest(PlacementAdvisor advisor) {
        return List.of(new ExplainEndpoint(advisor));
    }

    /** On the scheduler-extender port: {@code POST /scheduler/filter} and {@code /scheduler/prioritize}. */
    public static List<PostEndpoint> schedulerExtender(PlacementAdvisor advisor) {
        return List.of(new ExtenderFilterEndpoint(advisor), new ExtenderPrioritizeEndpoint(advisor));
    }
}
