package io.gpuscale.agent.sim;

/**
 * One simulated GPU: a profile and the load it runs.
 *
 * @param profile the GPU model
 * @param load how busy it is over time
 */
public record SimGpu(SimProfile profile, LoadPattern load) {
}
