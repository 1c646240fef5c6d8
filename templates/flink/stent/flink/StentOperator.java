package stent.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.flink.api.common.functions.OpenContext;
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
 * dump emitted when the input ends (the final watermark fires the end-of-input timer).
 */
public class StentOperator extends KeyedProcessFunction<Integer, String, String> {
    private static final long serialVersionUID = 1L;

    private final String programClass;
    private final boolean emitStateDump;

    private transient Spec.Program program;
    private transient RequestProcessor processor;
    private transient ValueState<Long> lineNo;
    private transient Map<String, MapState<String, String>> entities;
    private transient StateStore store;

    public StentOperator(String programClass, boolean emitStateDump) {
        this.programClass = programClass;
        this.emitStateDump = emitStateDump;
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
        String result = processor.process(line, n, store);
        if (result != null) out.collect("R" + result);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) throws Exception {
        List<RequestProcessor.Stored> all = new ArrayList<>();
        for (Map.Entry<String, MapState<String, String>> e : entities.entrySet()) {
            for (Map.Entry<String, String> kv : e.getValue().entries()) {
                all.add(new RequestProcessor.Stored(e.getKey(), kv.getKey(), kv.getValue()));
            }
        }
        out.collect("S" + processor.stateDump(all));
    }
}
