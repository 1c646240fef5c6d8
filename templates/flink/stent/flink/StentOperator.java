package stent.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import stent.runtime.RequestProcessor;
import stent.runtime.Spec;
import stent.runtime.StateStore;

/**
 * The stent transaction operator: hosts every entity type and runs each request's whole call
 * chain to completion, one request at a time, in input order.
 *
 * <p>All requests are keyed to one partition ({@link StentJob#PARTITION}) so that one keyed
 * context can reach every entity's state: a {@code KeyedProcessFunction} only sees the current
 * key's state, and a request may touch any entity. Entity state is typed per entity type: one
 * {@code MapState<key, state>} per type (named {@code entity.<Type>}), values in the lossless
 * encoding of {@code stent.runtime.EntityState}. A request reads entities into private copies and
 * writes back only on commit, so an exception rolls back every entity it touched; state and the
 * source offset are checkpointed together, which makes the whole pipeline exactly-once.
 *
 * <p>Output records are tagged: {@code R<json>} for a result line, {@code S<json>} for the state
 * dump emitted when the input ends (the final watermark fires the end-of-input timer), and
 * {@code L<json>} for the in-job statistics emitted just before it (request count, the operator's
 * busy time, first-to-last request wall time, per-request service time p50/p99 in microseconds).
 *
 * <p>Failure injection (tests only, off by default): with {@code failOnceAfterCheckpoint}, the first
 * completed checkpoint arms a JVM-wide flag, and the next request that reads a second entity (that
 * is, in the middle of its call chain) throws; the flag is static, so the job fails exactly once per
 * JVM and the restart strategy recovers it from that checkpoint.
 */
public class StentOperator extends KeyedProcessFunction<Integer, String, String>
        implements CheckpointListener {
    private static final long serialVersionUID = 1L;

    /** Set by the first completed checkpoint when failure injection is on. */
    static final AtomicBoolean FAILURE_ARMED = new AtomicBoolean(false);
    /** Set when the injected failure has been thrown: it is thrown once per JVM. */
    static final AtomicBoolean FAILURE_FIRED = new AtomicBoolean(false);

    private final String programClass;
    private final boolean emitStateDump;
    private final boolean failOnceAfterCheckpoint;

    private transient Spec.Program program;
    private transient RequestProcessor processor;
    private transient ValueState<Long> lineNo;
    private transient Map<String, MapState<String, String>> entities;
    private transient StateStore store;
    private transient int readsThisRequest;
    // Statistics of this attempt (not checkpointed: after a restart they cover the replayed part).
    private transient long[] serviceNanos;
    private transient int served;
    private transient long busyNanos, firstNanos, lastNanos;

    public StentOperator(String programClass, boolean emitStateDump) {
        this(programClass, emitStateDump, false);
    }

    public StentOperator(String programClass, boolean emitStateDump, boolean failOnceAfterCheckpoint) {
        this.programClass = programClass;
        this.emitStateDump = emitStateDump;
        this.failOnceAfterCheckpoint = failOnceAfterCheckpoint;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        if (failOnceAfterCheckpoint && !FAILURE_FIRED.get()) FAILURE_ARMED.set(true);
    }

    static Spec.Program loadProgram(String programClass) {
        try {
            return (Spec.Program) Class.forName(programClass).getField("PROGRAM").get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load stent program " + programClass, e);
        }
    }

    @Override
    public void open(OpenContext openContext) {
        program = loadProgram(programClass);
        int attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
        if (attempt > 0) System.err.println("stent: operator restarted (attempt " + attempt + ")");
        processor = new RequestProcessor(program, line -> System.err.println(line));
        lineNo = getRuntimeContext().getState(new ValueStateDescriptor<>("workload.line", Types.LONG));
        entities = new TreeMap<>();
        for (String type : program.entities.keySet()) {
            entities.put(type, getRuntimeContext().getMapState(
                    new MapStateDescriptor<>("entity." + type, Types.STRING, Types.STRING)));
        }
        store = new StateStore() {
            @Override
            public String get(String entity, String key) throws Exception {
                if (++readsThisRequest >= 2 && FAILURE_ARMED.get() && FAILURE_FIRED.compareAndSet(false, true)) {
                    System.err.println("stent: injecting a failure in the middle of a call chain (request line "
                            + lineNo.value() + ")");
                    throw new IllegalStateException(
                            "stent: injected failure in the middle of a call chain (--fail-once-after-checkpoint)");
                }
                return entities.get(entity).get(key);
            }

            @Override
            public void put(String entity, String key, String state) throws Exception {
                entities.get(entity).put(key, state);
            }
        };
    }

    @Override
    public void processElement(String line, Context ctx, Collector<String> out) throws Exception {
        Long previous = lineNo.value();
        long n = previous == null ? 1 : previous + 1;
        lineNo.update(n);
        if (emitStateDump && previous == null) {
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }
        readsThisRequest = 0;
        long t0 = System.nanoTime();
        String result = processor.process(line, n, store);
        long t1 = System.nanoTime();
        if (serviceNanos == null) {
            serviceNanos = new long[1024];
            firstNanos = t0;
        }
        if (served == serviceNanos.length) serviceNanos = java.util.Arrays.copyOf(serviceNanos, served * 2);
        serviceNanos[served++] = t1 - t0;
        busyNanos += t1 - t0;
        lastNanos = t1;
        if (result != null) out.collect("R" + result);
    }

    private String stats() {
        long[] s = serviceNanos == null ? new long[0] : java.util.Arrays.copyOf(serviceNanos, served);
        java.util.Arrays.sort(s);
        java.util.function.IntFunction<Double> pct = p -> s.length == 0 ? 0.0
                : s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)] / 1000.0;
        return String.format(java.util.Locale.ROOT,
                "{\"requests\": %d, \"busy_ms\": %.3f, \"span_ms\": %.3f, \"p50_us\": %.3f, \"p99_us\": %.3f}",
                served, busyNanos / 1e6, (lastNanos - firstNanos) / 1e6, pct.apply(50), pct.apply(99));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) throws Exception {
        List<RequestProcessor.Stored> all = new ArrayList<>();
        for (Map.Entry<String, MapState<String, String>> e : entities.entrySet()) {
            for (Map.Entry<String, String> kv : e.getValue().entries()) {
                all.add(new RequestProcessor.Stored(e.getKey(), kv.getKey(), kv.getValue()));
            }
        }
        out.collect("L" + stats());
        out.collect("S" + processor.stateDump(all));
    }
}
