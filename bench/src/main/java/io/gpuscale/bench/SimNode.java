package io.gpuscale.bench;

import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.agent.snapshot.NodeSnapshot;
import io.gpuscale.agent.snapshot.SourceStatus;
import io.gpuscale.agent.sim.SimGpuSource;
import io.gpuscale.agent.sim.SimSpec;
import java.time.Clock;

/** Node snapshots of simulated H100s, as the agent takes them with {@code --source sim:h100xN}. */
public final class SimNode {
    public static final String NODE = "gpu-node-0001.bench.gpuscale.io";

    private SimNode() {
    }

    /**
     * One sample of {@code gpus} simulated H100s (1 to 64). Every field an H100 has is present;
     * the fan is unsupported, as on the real card.
     */
    public static NodeSnapshot h100(int gpus) {
        SimGpuSource source = new SimGpuSource(SimSpec.parse("h100x" + gpus), Clock.systemUTC());
        source.open();
        NodeReading reading = source.read();
        source.close();
        return new NodeSnapshot(1, System.currentTimeMillis(), NODE, SourceStatus.up(source.kind()),
                reading.driver(), reading.gpus());
    }
}
