package io.gpuscale.agent.sample;

import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.agent.snapshot.SourceStatus;
import java.time.Duration;

/**
 * Whether the agent should receive traffic: the GPU source is up and the last snapshot is
 * younger than three intervals. Liveness is deliberately not tied to this, so a lost GPU or a
 * driver upgrade never restarts the agent in a loop.
 *
 * @param ready the verdict
 * @param reason one line for {@code /readyz} and for the person reading it
 */
public record Readiness(boolean ready, String reason) {
    static final int MAX_AGE_INTERVALS = 3;

    public static Readiness of(NodeSnapshot snapshot, long nowMillis, Duration interval) {
        if (snapshot.generation() == 0) {
            return new Readiness(false, "no sample taken yet");
        }
        SourceStatus source = snapshot.source();
        if (!source.up()) {
            return new Readiness(false, "GPU source " + source.kind() + " unavailable: " + source.code()
                    + ": " + source.message());
        }
        long ageMillis = nowMillis - snapshot.timestampMillis();
        long limitMillis = MAX_AGE_INTERVALS * interval.toMillis();
        if (ageMillis > limitMillis) {
            return new Readiness(false, "last sample is " + ageMillis + "ms old, over " + MAX_AGE_INTERVALS
                    + " intervals (" + limitMillis + "ms)");
        }
        long up = snapshot.gpus().stream().filter(g -> g.up()).count();
        return new Readiness(true, "ok: " + snapshot.gpus().size() + " GPUs, " + up + " up");
    }
}
