package io.gpuscale.agent.testing;

import io.gpuscale.agent.gpu.DriverInfo;
import io.gpuscale.agent.gpu.GpuSource;
import io.gpuscale.agent.gpu.GpuSourceException;
import io.gpuscale.agent.gpu.NodeReading;
import java.util.ArrayDeque;
import java.util.Deque;

/** An in-memory GPU source whose next open/read outcomes a test scripts in advance. */
public final class ScriptedGpuSource implements GpuSource {
    private final Deque<Object> opens = new ArrayDeque<>();
    private final Deque<Object> reads = new ArrayDeque<>();
    private Object lastRead;
    private int openCalls;
    private int closeCalls;

    public ScriptedGpuSource thenOpen(DriverInfo driver) {
        opens.add(driver);
        return this;
    }

    public ScriptedGpuSource thenFailOpen(String code, String message) {
        opens.add(new GpuSourceException(code, message));
        return this;
    }

    /** Queues a read result; the last one queued repeats once the queue is empty. */
    public ScriptedGpuSource thenRead(NodeReading reading) {
        reads.add(reading);
        return this;
    }

    public ScriptedGpuSource thenFailRead(String code, String message) {
        reads.add(new GpuSourceException(code, message));
        return this;
    }

    public int openCalls() {
        return openCalls;
    }

    public int closeCalls() {
        return closeCalls;
    }

    @Override
    public String kind() {
        return "scripted";
    }

    @Override
    public DriverInfo open() throws GpuSourceException {
        openCalls++;
        Object next = opens.isEmpty() ? DriverInfo.UNKNOWN : opens.poll();
        if (next instanceof GpuSourceException e) {
            throw e;
        }
        return (DriverInfo) next;
    }

    @Override
    public NodeReading read() throws GpuSourceException {
        Object next = reads.isEmpty() ? lastRead : reads.poll();
        lastRead = next;
        if (next instanceof GpuSourceException e) {
            throw e;
        }
        return (NodeReading) next;
    }

    @Override
    public void close() {
        closeCalls++;
    }
}
