package io.gpuscale.agent.nvml;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.gpuscale.agent.gpu.GpuSourceException;
import io.gpuscale.agent.gpu.SourceError;
import io.gpuscale.agent.gpu.XidEvent;
import io.gpuscale.agent.nvml.NvmlLibrary.Symbol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Xid event set of an {@link NvmlGpuSource}: created and registered for every GPU after each
 * NVML initialization, waited on by the agent's event thread, freed before every
 * {@code nvmlShutdown}.
 *
 * <p>Locking. The source calls {@link #register}, {@link #suspend}, {@link #close} and
 * {@link #unavailable} while it holds its own monitor, and takes this object's lock only inside
 * it, never the other way round. The waiter takes only this lock, and never across the native
 * wait: it marks the set busy, lets the lock go, waits at most {@link #WAIT_SLICE_MILLIS} in
 * {@code nvmlEventSetWait_v2}, and takes the lock again to clear busy. Whoever frees the set first
 * takes it out of reach under the lock (later waiters get NOT_OPEN, or wait for the next set during
 * a re-init), then waits for busy to clear, which takes at most one slice since NVML cannot wake
 * a wait, and only then calls {@code nvmlEventSetFree}; the source shuts NVML down after that. So
 * no wait ever runs on a freed set, reads never wait for events, and close waits at most a slice.
 */
final class NvmlEventSet {

    /** {@code nvmlEventTypeXidCriticalError}. */
    static final long XID_CRITICAL_ERROR = 0x8L;
    /** The longest one native wait may take: bounds how long close and re-init wait for the waiter. */
    static final int WAIT_SLICE_MILLIS = 100;

    /** A wait that outlives its slice by this much is stuck in the driver: its set is leaked, not freed under it. */
    private static final long RELEASE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int MAX_BATCH = 64;
    private static final int EVENT_DATA_SIZE = 32; // nvmlEventData_t
    private static final int EVENT_TYPE_OFFSET = 8;
    private static final int EVENT_DATA_OFFSET = 16;
    private static final int GPU_INSTANCE_OFFSET = 24;
    private static final int COMPUTE_INSTANCE_OFFSET = 28;
    private static final int SUCCESS = NvmlReturn.SUCCESS.code();
    private static final int TIMEOUT = NvmlReturn.TIMEOUT.code();
    private static final int GPU_IS_LOST = NvmlReturn.GPU_IS_LOST.code();

    private enum State {
        /** The source is not open. */
        CLOSED,
        /** NVML is being initialized again; the next set comes with it. */
        SUSPENDED,
        READY,
        /** No set this time: the driver lacks events, no GPU supports them, or NVML failed. */
        UNAVAILABLE
    }

    /** One {@code nvmlEventSet_t} and the GPUs registered with it. */
    private static final class Registered {
        final Pointer set;
        final Map<Long, String> uuidByHandle;
        /** GPUs whose GPU_IS_LOST was already reported as Xid 79; the driver may repeat it on every wait. */
        final Set<String> lostReported = new HashSet<>();

        Registered(Pointer set, Map<Long, String> uuidByHandle) {
            this.set = set;
            this.uuidByHandle = uuidByHandle;
        }

        String uuidOf(Pointer device) {
            return device == null ? null : uuidByHandle.get(Pointer.nativeValue(device));
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock.
    private State state = State.CLOSED;
    private Registered current;
    private boolean busy;
    private String unavailableCode = "";
    private String unavailableMessage = "";

    /** The waiter's event buffer: used only by the thread that set busy. */
    private final Memory data = new Memory(EVENT_DATA_SIZE);
    /** Out-parameters of registration: used only under the source's monitor. */
    private final Memory out = new Memory(8);
    /** Registration failures already reported since the source opened ("function/gpu/code"). */
    private final Set<String> reported = new HashSet<>();

    /**
     * After NVML was initialized: creates the set and registers every GPU that has a handle for
     * the Xid events it supports. A GPU without them (NOT_SUPPORTED) is skipped and the set serves
     * the others; a lost GPU is registered after the re-init that finds it again.
     */
    void register(NvmlLibrary nvml, List<NvmlDevice> devices, List<SourceError> errors) {
        Symbol missing = nvml.firstMissing(Symbol.EVENTS);
        if (missing != null) {
            report(missing.function, NvmlReturn.FUNCTION_NOT_FOUND, -1, errors);
            unavailable(NvmlReturn.NOT_SUPPORTED.name(),
                    nvml.name() + " lacks " + missing.function + ": this driver reports no Xid events");
            return;
        }
        int rc = NvmlLibrary.EventSetCreate.nvmlEventSetCreate(out);
        if (rc != SUCCESS) {
            NvmlReturn code = NvmlReturn.of(rc);
            report(Symbol.EVENT_SET_CREATE.function, code, -1, errors);
            unavailable(code.name(), "nvmlEventSetCreate failed: " + code.name());
            return;
        }
        Pointer set = out.getPointer(0);
        Map<Long, String> uuidByHandle = new HashMap<>();
        for (NvmlDevice device : devices) {
            Pointer handle = device.handle();
            if (handle == null) {
                continue;
            }
            int index = device.identity().index();
            long types = XID_CRITICAL_ERROR;
            if (nvml.has(Symbol.SUPPORTED_EVENT_TYPES)) {
                rc = NvmlLibrary.SupportedEventTypes.nvmlDeviceGetSupportedEventTypes(handle, out);
                if (rc != SUCCESS) {
                    report(Symbol.SUPPORTED_EVENT_TYPES.function, NvmlReturn.of(rc), index, errors);
                    continue;
                }
                types &= out.getLong(0);
                if (types == 0) {
                    continue; // this GPU reports no Xid events; not an error
                }
            }
            rc = NvmlLibrary.RegisterEvents.nvmlDeviceRegisterEvents(handle, types, set);
            if (rc == SUCCESS) {
                uuidByHandle.put(Pointer.nativeValue(handle), device.identity().uuid());
                continue;
            }
            NvmlReturn code = NvmlReturn.of(rc);
            report(Symbol.REGISTER_EVENTS.function, code, index, errors);
            if (code == NvmlReturn.UNKNOWN) {
                // nvml.h: after UNKNOWN the set is unusable and has to be freed.
                NvmlLibrary.EventSetFree.nvmlEventSetFree(set);
                unavailable(code.name(), "nvmlDeviceRegisterEvents failed on GPU " + index + ": " + code.name());
                return;
            }
        }
        if (uuidByHandle.isEmpty()) {
            NvmlLibrary.EventSetFree.nvmlEventSetFree(set);
            unavailable(NvmlReturn.NOT_SUPPORTED.name(), "no GPU on this node reports Xid events");
            return;
        }
        lock.lock();
        try {
            current = new Registered(set, Map.copyOf(uuidByHandle));
            state = State.READY;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Before {@code nvmlShutdown} for a re-init: frees the set; waiters wait for the next one. */
    void suspend() {
        release(State.SUSPENDED, "", "");
    }

    /** Before {@code nvmlShutdown} on close: frees the set; waiters get NOT_OPEN from now on. */
    void close() {
        release(State.CLOSED, "", "");
        reported.clear();
    }

    /** There is no set until the next {@link #register}: waiters get {@code code}. */
    void unavailable(String code, String message) {
        release(State.UNAVAILABLE, code, message);
    }

    /** See {@link io.gpuscale.agent.gpu.GpuEventSource#awaitXidEvents}. */
    List<XidEvent> await(Duration timeout) throws GpuSourceException {
        long deadline = System.nanoTime() + Math.max(0, saturatedNanos(timeout));
        List<XidEvent> events = new ArrayList<>(1);
        lock.lock();
        try {
            while (true) {
                if (state == State.CLOSED || state == State.UNAVAILABLE) {
                    if (!events.isEmpty()) {
                        return events;
                    }
                    throw state == State.CLOSED
                            ? new GpuSourceException("NOT_OPEN", "the NVML source is not open")
                            : new GpuSourceException(unavailableCode, unavailableMessage);
                }
                if (state == State.SUSPENDED || busy) {
                    long remaining = deadline - System.nanoTime();
                    if (!events.isEmpty() || remaining <= 0) {
                        return events;
                    }
                    try {
                        changed.awaitNanos(remaining);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return events;
                    }
                    continue;
                }
                Registered set = current;
                int rc = waitOnce(set, events.isEmpty() ? sliceMillis(deadline) : 0);
                if (rc == SUCCESS) {
                    XidEvent e = decode(set);
                    if (e != null) {
                        events.add(e);
                    }
                    if (events.size() >= MAX_BATCH) {
                        return events;
                    }
                } else if (rc == TIMEOUT) {
                    if (!events.isEmpty() || deadline - System.nanoTime() <= 0) {
                        return events;
                    }
                } else if (rc == GPU_IS_LOST) {
                    String uuid = set.uuidOf(data.getPointer(0));
                    if (uuid != null && set.lostReported.add(uuid)) {
                        events.add(new XidEvent(uuid, XidEvent.FALLEN_OFF_THE_BUS, -1, -1));
                    }
                    if (!events.isEmpty()) {
                        return events;
                    }
                    throw new GpuSourceException(NvmlReturn.GPU_IS_LOST.name(), "nvmlEventSetWait_v2: "
                            + (uuid == null ? "a GPU" : "GPU " + uuid) + " is lost; the next read re-initializes NVML");
                } else {
                    if (!events.isEmpty()) {
                        return events;
                    }
                    NvmlReturn code = NvmlReturn.of(rc);
                    throw new GpuSourceException(code.name(), "nvmlEventSetWait_v2 failed: " + code.name());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** One native wait on {@code set}, without the lock; the set cannot be freed meanwhile (busy). */
    private int waitOnce(Registered set, int millis) {
        busy = true;
        lock.unlock();
        try {
            data.clear();
            return NvmlLibrary.EventSetWaitV2.nvmlEventSetWait_v2(set.set, data, millis);
        } finally {
            lock.lock();
            busy = false;
            changed.signalAll();
        }
    }

    /** The Xid in {@link #data}, or null for another event type. 0xFFFFFFFF instance ids are -1 as ints. */
    private XidEvent decode(Registered set) {
        if ((data.getLong(EVENT_TYPE_OFFSET) & XID_CRITICAL_ERROR) == 0) {
            return null;
        }
        String uuid = set.uuidOf(data.getPointer(0));
        return new XidEvent(uuid == null ? "" : uuid, data.getLong(EVENT_DATA_OFFSET),
                data.getInt(GPU_INSTANCE_OFFSET), data.getInt(COMPUTE_INSTANCE_OFFSET));
    }

    /**
     * Takes the set out of reach, waits until no native wait uses it, then frees it. Called with
     * the source's monitor held, so it never races {@link #register}.
     */
    private void release(State next, String code, String message) {
        Registered set;
        boolean interrupted = false;
        lock.lock();
        try {
            set = current;
            current = null;
            state = next;
            unavailableCode = code;
            unavailableMessage = message;
            changed.signalAll();
            long deadline = System.nanoTime() + RELEASE_TIMEOUT_NANOS;
            while (busy) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    set = null; // leaked: freeing it under a wait that never returns would be worse
                    break;
                }
                try {
                    changed.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    interrupted = true; // the driver must still be released in order
                }
            }
        } finally {
            lock.unlock();
        }
        if (set != null) {
            NvmlLibrary.EventSetFree.nvmlEventSetFree(set.set);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void report(String function, NvmlReturn code, int gpu, List<SourceError> errors) {
        if (reported.add(function + "/" + gpu + "/" + code)) {
            errors.add(new SourceError(function, code.name(), gpu));
        }
    }

    private static int sliceMillis(long deadline) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            return 0;
        }
        return (int) Math.min(WAIT_SLICE_MILLIS, TimeUnit.NANOSECONDS.toMillis(remaining + 999_999));
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? 0 : Long.MAX_VALUE / 2;
        }
    }
}
