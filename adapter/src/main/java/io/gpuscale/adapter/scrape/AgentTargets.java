package io.gpuscale.adapter.scrape;

import java.util.List;

/** Which agents there are: a fixed list, or the ready endpoints of the agent Service. */
public interface AgentTargets extends AutoCloseable {

    /** The agents to scrape now. Cheap: called every scrape interval. */
    List<AgentTarget> current();

    /** Starts discovering, on its own threads; returns at once. */
    default void start() {
    }

    @Override
    default void close() {
    }
}
