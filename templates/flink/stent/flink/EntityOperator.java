package stent.flink;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import stent.runtime.EntityRef;
import stent.runtime.EntityState;
import stent.runtime.Frame;
import stent.runtime.Json;
import stent.runtime.PyDict;
import stent.runtime.PyException;
import stent.runtime.PyList;
import stent.runtime.PyNone;
import stent.runtime.PyTuple;
import stent.runtime.RequestProcessor;
import stent.runtime.Spec;
import stent.runtime.Step;
import stent.runtime.Transaction;

/**
 * The entity operator of the parallel mode: keyed by entity ({@code "Type/encodedKey"}), it hosts
 * that entity's committed state, its lock, its last-commit Lamport stamp and its queue of waiting
 * transactions in keyed state, and runs the method frames of every transaction at that entity.
 *
 * <p><b>Concurrency control</b>: strict two-phase locking per entity with wait-die. A transaction
 * (id = its workload line number, i.e. its age) takes the entity's lock at its first step there
 * (also to find that the entity does not exist). If another transaction holds it, an older
 * requester waits (its message is queued in keyed state) and a younger one dies: every entity it
 * touched drops its private copy and releases the lock ({@link LoopMsg#DIE}), and the request is
 * re-submitted with the same id and the next attempt number, so it eventually becomes the oldest.
 * When a lock is released the oldest waiter gets it and the other waiters, younger than it, die.
 *
 * <p><b>Execution</b>: a transaction's writes go to a private copy of each entity it touched, kept
 * in this operator's memory with the method frames suspended at that entity. A remote call or
 * read sends INVOKE/GET with the continuation stack (the entities where the suspended callers
 * wait) and the touched set; the callee runs and sends REPLY to the innermost caller's entity,
 * which resumes its frame (re-entrant chains A → B → A reuse the transaction's copy of A, in a
 * new segment of A's frames). When the top-level call returns, the transaction emits its result,
 * takes the Lamport stamp max(last-commit stamps of the touched entities) + 1, and sends COMMIT to
 * every touched entity (the copy becomes state, the stamp is stored, the lock released). An
 * exception emits the error result and sends ABORT (rollback; still stamped: it read state).
 * Sorting the committed requests by (stamp, id) gives a serial order equivalent to the run.
 *
 * <p><b>Checkpoints</b>: the committed state, locks, stamps, waiters and parked re-submissions are
 * keyed state. The transactions' private copies and suspended frames ({@link Local}) live in this
 * operator's memory while it runs, and are written, with Python aliasing intact (one object graph
 * per private copy and its frames), to union operator state at each snapshot; on restore each
 * subtask keeps those of the entities in its key groups. The number of answers given is
 * checkpointed too (the loop's termination counter). With the loop head's and tail's snapshots
 * (see {@link Loop}) this makes every checkpoint a consistent cut of the whole loop.
 *
 * <p>Output records: {@code R<json>} results, {@code C<stamp> <txn> <id json>} the commit order,
 * {@code E<type>\u0001<key>\u0001<state>} one per entity at the end of input (the state dump).
 */
public class EntityOperator extends KeyedProcessFunction<String, LoopMsg, String>
        implements CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;
    static final OutputTag<LoopMsg> LOOP = new OutputTag<>("stent-loop", TypeInformation.of(LoopMsg.class));
    static final int MAX_DEPTH = 1000;
    static final boolean DEBUG = System.getenv("STENT_DEBUG") != null;

    private final String programClass;
    private final String token;
    private final boolean emitStateDump;
    private final boolean retryAtOnce;
    private final boolean failOnceAfterCheckpoint;

    private transient Spec.Program program;
    private transient RequestProcessor processor;
    private transient Loop loop;
    private transient Loop.Gen gen;
    /** Answers given by this subtask since the restored checkpoint (plus, on subtask 0, those before it). */
    private transient long answeredHere;
    private transient ListState<byte[]> localsState;
    private transient ListState<Long> answeredState;
    /** The number of requests, once an END told this subtask (bounded Kafka input), else -1. */
    private transient long expectedHere;
    private transient ListState<Long> expectedState;
    /** The latest checkpoint whose snapshot of this subtask held suspended transactions (failure injection). */
    private transient long snapshotWithLocals;
    private transient ValueState<String> state;
    private transient ValueState<Long> lockTxn;
    private transient ValueState<Integer> lockAttempt;
    private transient ValueState<Long> stamp;
    private transient MapState<Long, LoopMsg> waiters;
    /** Re-submissions of transactions that died on this entity, sent when its lock is released. */
    private transient MapState<Long, LoopMsg> parked;
    /** Private copies and suspended frames, per (txn, entity): in operator state at each snapshot. */
    private transient Map<String, Local> locals;

    /** A transaction's view of one entity: its private copy and the frames suspended here. */
    static final class Local {
        final int attempt;
        final String loaded;
        EntityState copy;
        final ArrayDeque<Segment> segments = new ArrayDeque<>();

        Local(int attempt, String loaded, EntityState copy) {
            this.attempt = attempt;
            this.loaded = loaded;
            this.copy = copy;
        }
    }

    /** The frames of one remote activation at this entity (self calls stack up inside it). */
    static final class Segment {
        final ArrayDeque<Frame> frames = new ArrayDeque<>();
        /** The callers' entities (empty: the top-level call). */
        final String stack;
        final int baseDepth;

        Segment(String stack, int baseDepth) {
            this.stack = stack;
            this.baseDepth = baseDepth;
        }
    }

    public EntityOperator(String programClass, String token, boolean emitStateDump, boolean retryAtOnce,
            boolean failOnceAfterCheckpoint) {
        this.programClass = programClass;
        this.token = token;
        this.emitStateDump = emitStateDump;
        this.retryAtOnce = retryAtOnce;
        this.failOnceAfterCheckpoint = failOnceAfterCheckpoint;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        program = StentOperator.loadProgram(programClass);
        var task = getRuntimeContext().getTaskInfo();
        loop = Loop.get(token, task.getNumberOfParallelSubtasks());
        gen = loop.gen(task.getAttemptNumber());
        if (task.getAttemptNumber() > 0) {
            System.err.println("stent: operator restarted (attempt " + task.getAttemptNumber() + ", subtask "
                    + task.getIndexOfThisSubtask() + ")");
        }
        locals = new HashMap<>();
        // (Transient fields: a deserialized function has no field initializers run.)
        expectedHere = -1;
        snapshotWithLocals = -1;
        localsState = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("loop.locals", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        answeredState = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("loop.answered", Types.LONG));
        expectedState = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("loop.expected", Types.LONG));
        if (context.isRestored()) {
            int index = task.getIndexOfThisSubtask();
            int kept = 0;
            for (byte[] b : localsState.get()) {
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
                String self = LoopMsg.readString(in);
                if (KeyGroupRangeAssignment.assignKeyToParallelOperator(self, task.getMaxNumberOfParallelSubtasks(),
                        task.getNumberOfParallelSubtasks()) != index) continue;
                long txn = in.readLong();
                locals.put(txn + "|" + self, readLocal(in, self));
                kept++;
            }
            long before = 0;
            for (Long n : answeredState.get()) before += n;
            gen.restoreAnswered(before);
            for (Long n : expectedState.get()) {
                if (n >= 0) {
                    if (index == 0) expectedHere = n;
                    gen.setExpected(n);
                }
            }
            // Subtask 0 carries the restored answers forward, so the sum over subtasks stays right.
            answeredHere = index == 0 ? before : 0;
            System.err.println("stent: subtask " + index + " restored " + kept + " suspended transaction parts, "
                    + before + " answers before the checkpoint");
        }
        gen.ready();
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        List<byte[]> all = new ArrayList<>(locals.size());
        for (Map.Entry<String, Local> e : locals.entrySet()) {
            String id = e.getKey();
            int bar = id.indexOf('|');
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            String self = id.substring(bar + 1);
            LoopMsg.writeString(out, self);
            out.writeLong(Long.parseLong(id.substring(0, bar)));
            writeLocal(out, e.getValue());
            out.flush();
            all.add(bytes.toByteArray());
        }
        localsState.update(all);
        if (!all.isEmpty()) snapshotWithLocals = context.getCheckpointId();
        answeredState.update(List.of(answeredHere));
        expectedState.update(List.of(expectedHere));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        // Armed by a completed checkpoint that holds transactions in the middle of their call
        // chains, so that the restore has suspended frames and private copies to bring back.
        if (failOnceAfterCheckpoint && checkpointId == snapshotWithLocals && !StentOperator.FAILURE_FIRED.get()) {
            System.err.println("stent: checkpoint " + checkpointId + " completed with suspended transactions: failure armed");
            StentOperator.FAILURE_ARMED.set(true);
        }
    }

    /**
     * Failure injection (tests): throws once per JVM, at a REPLY (a suspended caller about to
     * resume, i.e. in the middle of a call chain), after a completed checkpoint that held
     * suspended transactions.
     */
    private void maybeFail(LoopMsg m) {
        if (failOnceAfterCheckpoint && StentOperator.FAILURE_ARMED.get()
                && StentOperator.FAILURE_FIRED.compareAndSet(false, true)) {
            System.err.println("stent: injecting a failure in the middle of a call chain (txn " + m.txn + ", " + m + ")");
            throw new IllegalStateException(
                    "stent: injected failure in the middle of a call chain (--fail-once-after-checkpoint)");
        }
    }

    @Override
    public void open(OpenContext openContext) {
        processor = new RequestProcessor(program, line -> System.err.println(line));
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("entity.state", Types.STRING));
        lockTxn = getRuntimeContext().getState(new ValueStateDescriptor<>("entity.lock.txn", Types.LONG));
        lockAttempt = getRuntimeContext().getState(new ValueStateDescriptor<>("entity.lock.attempt", Types.INT));
        stamp = getRuntimeContext().getState(new ValueStateDescriptor<>("entity.stamp", Types.LONG));
        waiters = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("entity.waiters", Types.LONG, TypeInformation.of(LoopMsg.class)));
        parked = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("entity.parked", Types.LONG, TypeInformation.of(LoopMsg.class)));
    }

    /** The target entity of a request (the keyBy key). */
    static String address(String type, Object key) {
        return type + "/" + Transaction.encodeKey(key);
    }

    /** Turns a validated workload line into its first message (or a DONE with its result). */
    static LoopMsg request(RequestProcessor processor, String line, long lineNo, int attempt) throws Exception {
        Object p = processor.prepare(line, lineNo);
        if (p == null) return null;
        LoopMsg m = new LoopMsg();
        m.txn = lineNo;
        m.attempt = attempt;
        m.line = line;
        if (p instanceof String result) {
            m.kind = LoopMsg.DONE;
            m.payload = result;
            m.target = "";
            return m;
        }
        RequestProcessor.Prepared r = (RequestProcessor.Prepared) p;
        m.kind = LoopMsg.REQUEST;
        m.rid = r.ridJson();
        m.name = r.kind();
        m.target = address(r.spec().name, r.key());
        if (r.kind().equals("call")) {
            m.method = r.method();
            m.payload = tagged(r.args());
        } else if (r.kind().equals("create")) {
            m.payload = r.created().encode();
        }
        return m;
    }

    static String tagged(Object v) {
        StringBuilder sb = new StringBuilder();
        Json.writeTagged(sb, v);
        return sb.toString();
    }

    static Object untagged(String s) {
        return Json.readTagged(Json.parse(s));
    }

    // ------------------------------------------------------------------ sending

    private void send(Context ctx, LoopMsg m) {
        m.looped = true;
        gen.inflight.incrementAndGet();
        loop.sent.incrementAndGet();
        ctx.output(LOOP, m);
    }

    // ------------------------------------------------------------------ processing

    @Override
    public void processElement(LoopMsg m, Context ctx, Collector<String> out) throws Exception {
        if (DEBUG) System.err.println("stent-debug: " + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() + " " + m
                + " answered=" + gen.answeredTotal() + " inflight=" + gen.inflight.get());
        try {
            handle(m, ctx, out);
        } finally {
            if (m.looped) gen.inflight.decrementAndGet();
            // The last answer or the last message in flight: let the loop heads end their input.
            if (gen.finished()) gen.wakeAll();
        }
    }

    private boolean holds(LoopMsg m) throws Exception {
        Long t = lockTxn.value();
        Integer a = lockAttempt.value();
        return t != null && t == m.txn && a != null && a == m.attempt;
    }

    private void handle(LoopMsg m, Context ctx, Collector<String> out) throws Exception {
        String self = ctx.getCurrentKey();
        switch (m.kind) {
            case LoopMsg.END -> {
                expectedHere = m.txn;
                gen.setExpected(m.txn);
                System.err.println("stent: end of the bounded input: " + m.txn + " requests");
            }
            case LoopMsg.DONE -> {
                out.collect("R" + m.payload);
                out.collect("C0 " + m.txn + " null");
                answered();
            }
            case LoopMsg.COMMIT -> finish(m, self, true, ctx, out);
            case LoopMsg.ABORT -> finish(m, self, false, ctx, out);
            case LoopMsg.DIE -> {
                if (holds(m)) {
                    locals.remove(m.txn + "|" + self);
                    release(self, ctx, out);
                }
            }
            case LoopMsg.REPLY -> {
                maybeFail(m);
                Local local = locals.get(m.txn + "|" + self);
                Segment seg = local.segments.peek();
                Frame f = seg.frames.peek();
                f.slots[f.resultSlot] = untagged(m.payload);
                guarded(m, self, () -> run(m, self, local, seg, ctx, out), ctx, out);
            }
            default -> {
                if (acquire(m, self, ctx, out)) granted(m, self, ctx, out);
            }
        }
    }

    private void answered() {
        answeredHere++;
        gen.answer();
    }

    /** Takes the lock for m's transaction; false when it waits or died. */
    private boolean acquire(LoopMsg m, String self, Context ctx, Collector<String> out) throws Exception {
        Long holder = lockTxn.value();
        if (holder == null) {
            lockTxn.update(m.txn);
            lockAttempt.update(m.attempt);
            return true;
        }
        if (holder == m.txn) {
            if (lockAttempt.value() != m.attempt) {
                // A lock left by a previous attempt whose DIE is still on its way: take it over.
                locals.remove(m.txn + "|" + self);
                lockAttempt.update(m.attempt);
            }
            return true;
        }
        if (m.txn < holder) {
            waiters.put(m.txn, m);
        } else {
            die(m, ctx);
        }
        return false;
    }

    /**
     * Wait-die: m's (younger) transaction aborts everything it touched and is re-submitted, with
     * the same id, once this entity's lock is released (it holds no lock while parked here, so
     * parking cannot deadlock; re-submitting at once would only die again while the holder runs).
     */
    private void die(LoopMsg m, Context ctx) throws Exception {
        loop.died.incrementAndGet();
        for (String t : LoopMsg.split(m.touched)) send(ctx, m.copyFor(LoopMsg.DIE, t));
        LoopMsg retry = request(processor, m.line, m.txn, m.attempt + 1);
        if (retryAtOnce) send(ctx, retry);
        else parked.put(retry.txn, retry);
    }

    /** Releases this entity's lock: the oldest waiter gets it, the others (younger) die. */
    private void release(String self, Context ctx, Collector<String> out) throws Exception {
        lockTxn.clear();
        lockAttempt.clear();
        if (!parked.isEmpty()) {
            List<LoopMsg> retries = new ArrayList<>();
            for (LoopMsg r : parked.values()) retries.add(r);
            parked.clear();
            retries.sort((a, b) -> Long.compare(a.txn, b.txn));
            for (LoopMsg r : retries) send(ctx, r);
        }
        if (waiters.isEmpty()) return;
        List<LoopMsg> queued = new ArrayList<>();
        for (LoopMsg w : waiters.values()) queued.add(w);
        waiters.clear();
        queued.sort((a, b) -> Long.compare(a.txn, b.txn));
        LoopMsg oldest = queued.get(0);
        for (int i = 1; i < queued.size(); i++) die(queued.get(i), ctx);
        lockTxn.update(oldest.txn);
        lockAttempt.update(oldest.attempt);
        granted(oldest, self, ctx, out);
    }

    /** COMMIT (copy becomes state) or ABORT (copy dropped); both stamp and release. */
    private void finish(LoopMsg m, String self, boolean commit, Context ctx, Collector<String> out) throws Exception {
        if (!holds(m)) return;
        Local local = locals.remove(m.txn + "|" + self);
        if (commit && local != null && local.copy != null) {
            String enc = local.copy.encode();
            if (!enc.equals(local.loaded)) state.update(enc);
            if (emitStateDump) ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }
        stamp.update(m.maxStamp);
        release(self, ctx, out);
    }

    interface Body {
        void run() throws Exception;
    }

    /** Runs a step of m's transaction; an exception aborts the whole transaction. */
    private void guarded(LoopMsg m, String self, Body body, Context ctx, Collector<String> out) throws Exception {
        PyException py;
        try {
            body.run();
            return;
        } catch (RuntimeException | StackOverflowError e) {
            py = PyException.fromJava(e);
            if (py == null) throw e;
        }
        end(m, self, LoopMsg.ABORT, RequestProcessor.errorLine(m.rid, py.type, py.getMessage()), ctx, out);
    }

    /** The transaction is over: result, commit-order record, COMMIT/ABORT to every touched entity. */
    private void end(LoopMsg m, String self, int kind, String result, Context ctx, Collector<String> out)
            throws Exception {
        long s = m.maxStamp + 1;
        out.collect("R" + result);
        out.collect("C" + s + " " + m.txn + " " + m.rid);
        answered();
        LoopMsg done = m.copyFor(kind, "");
        done.maxStamp = s;
        boolean here = false;
        for (String t : LoopMsg.split(m.touched)) {
            if (t.equals(self)) {
                here = true;
            } else {
                LoopMsg x = m.copyFor(kind, t);
                x.maxStamp = s;
                send(ctx, x);
            }
        }
        if (here) finish(done, self, kind == LoopMsg.COMMIT, ctx, out);
    }

    /** m's transaction holds this entity's lock: run its step. */
    private void granted(LoopMsg m, String self, Context ctx, Collector<String> out) throws Exception {
        String id = m.txn + "|" + self;
        Local local = locals.get(id);
        int slash = self.indexOf('/');
        String type = self.substring(0, slash);
        Spec.Entity spec = program.entities.get(type);
        Object key = Json.readTagged(Json.parse(self.substring(slash + 1)));
        if (local == null) {
            String enc = state.value();
            local = new Local(m.attempt, enc, enc == null ? null : EntityState.decode(spec, key, enc));
            locals.put(id, local);
            boolean first = true;
            for (String t : LoopMsg.split(m.touched)) first &= !t.equals(self);
            if (first) m.touched = LoopMsg.push(m.touched, self);
            Long st = stamp.value();
            if (st != null && st > m.maxStamp) m.maxStamp = st;
        }
        Local l = local;
        guarded(m, self, () -> step(m, self, spec, key, l, ctx, out), ctx, out);
    }

    private void step(LoopMsg m, String self, Spec.Entity spec, Object key, Local local, Context ctx,
            Collector<String> out) throws Exception {
        switch (m.kind) {
            case LoopMsg.REQUEST -> {
                switch (m.name) {
                    case "create" -> {
                        if (local.copy != null) throw PyException.exists(spec.name, key);
                        local.copy = EntityState.decode(spec, key, m.payload);
                        end(m, self, LoopMsg.COMMIT, RequestProcessor.resultLine(m.rid, local.copy.ref()), ctx, out);
                    }
                    case "get" -> {
                        if (local.copy == null) throw PyException.notFound(spec.name, key);
                        Object v = local.copy.asDict();
                        end(m, self, LoopMsg.COMMIT, RequestProcessor.resultLine(m.rid, v), ctx, out);
                    }
                    default -> {
                        if (local.copy == null) throw PyException.notFound(spec.name, key);
                        Spec.Method method = m.method.startsWith("__") ? null : spec.methods.get(m.method);
                        if (method == null) {
                            throw PyException.of("AttributeError", spec.name + " has no method '" + m.method + "'");
                        }
                        Object[] args = RequestProcessor.conformArgs(spec, method, m.method, (PyList) untagged(m.payload));
                        Segment seg = new Segment("", 0);
                        seg.frames.push(new Frame(local.copy, method, args, false));
                        local.segments.push(seg);
                        run(m, self, local, seg, ctx, out);
                    }
                }
            }
            case LoopMsg.INVOKE -> {
                if (local.copy == null) throw PyException.notFound(spec.name, key);
                Spec.Method method = local.copy.spec.methods.get(m.name);
                if (method == null || m.name.startsWith("__")) {
                    throw PyException.of("AttributeError",
                            "'" + spec.name + "' object has no attribute '" + m.name + "'");
                }
                PyList args = (PyList) untagged(m.payload);
                if (method.params.length != args.size()) {
                    throw PyException.typeError(spec.name + "." + method.name + "() takes "
                            + method.params.length + " positional arguments but " + args.size() + " were given");
                }
                Segment seg = new Segment(m.stack, m.depth);
                seg.frames.push(new Frame(local.copy, method, args.toArray(), false));
                local.segments.push(seg);
                run(m, self, local, seg, ctx, out);
            }
            case LoopMsg.GET -> {
                if (local.copy == null) throw PyException.notFound(spec.name, key);
                int idx = java.util.Arrays.asList(spec.fields).indexOf(m.name);
                if (idx < 0) {
                    throw PyException.of("AttributeError",
                            "'" + spec.name + "' object has no attribute '" + m.name + "'");
                }
                reply(m, m.stack, tagged(local.copy.get(idx)), ctx);
            }
            default -> throw new IllegalStateException("stent: unexpected message " + m);
        }
    }

    /** Sends the answer to the innermost caller on {@code stack}. */
    private void reply(LoopMsg m, String stack, String value, Context ctx) {
        String[] callers = LoopMsg.split(stack);
        LoopMsg r = m.copyFor(LoopMsg.REPLY, callers[callers.length - 1]);
        r.payload = value;
        send(ctx, r);
    }

    /** Runs the innermost frame of {@code seg} until it suspends on a remote step or the segment returns. */
    private void run(LoopMsg m, String self, Local local, Segment seg, Context ctx, Collector<String> out)
            throws Exception {
        while (true) {
            Frame f = seg.frames.peek();
            Step step = f.method.body.run(f);
            switch (step.kind) {
                case RETURN -> {
                    seg.frames.pop();
                    if (!seg.frames.isEmpty()) {
                        Frame caller = seg.frames.peek();
                        caller.slots[caller.resultSlot] = step.value;
                        continue;
                    }
                    local.segments.pop();
                    if (seg.stack.isEmpty()) {
                        Json.toJson(step.value); // the result must be encodable before we commit
                        end(m, self, LoopMsg.COMMIT, RequestProcessor.resultLine(m.rid, step.value), ctx, out);
                    } else {
                        reply(m, seg.stack, tagged(step.value), ctx);
                    }
                    return;
                }
                case CALL -> {
                    int depth = seg.baseDepth + seg.frames.size();
                    if (depth >= MAX_DEPTH) {
                        throw PyException.of("RecursionError", "maximum recursion depth exceeded");
                    }
                    if (step.target == null) {
                        Spec.Method sm = f.self.spec.methods.get(step.name);
                        seg.frames.push(new Frame(f.self, sm, step.args, false));
                        continue;
                    }
                    EntityRef ref = target(step);
                    LoopMsg call = m.copyFor(LoopMsg.INVOKE, address(ref.type(), ref.key()));
                    call.name = step.name;
                    call.payload = tagged(new PyList(java.util.Arrays.asList(step.args)));
                    call.stack = LoopMsg.push(seg.stack, self);
                    call.depth = depth;
                    send(ctx, call);
                    return;
                }
                case GET -> {
                    EntityRef ref = target(step);
                    LoopMsg get = m.copyFor(LoopMsg.GET, address(ref.type(), ref.key()));
                    get.name = step.name;
                    get.stack = LoopMsg.push(seg.stack, self);
                    send(ctx, get);
                    return;
                }
            }
        }
    }

    private EntityRef target(Step step) {
        if (!(step.target instanceof EntityRef ref)) {
            throw PyException.of("AttributeError",
                    "'" + stent.runtime.Py.typeName(step.target) + "' object has no attribute '" + step.name + "'");
        }
        if (!program.entities.containsKey(ref.type())) throw PyException.notFound(ref.type(), ref.key());
        return ref;
    }

    // ------------------------------------------------------------------ snapshots of Locals

    /**
     * Writes a transaction's view of this entity: its private copy and its suspended frames, as
     * one object graph, so that a list shared by a local and a field of {@code self} (Python
     * aliasing) is still one list after a restore.
     */
    private static void writeLocal(DataOutputStream out, Local local) throws IOException {
        out.writeInt(local.attempt);
        out.writeBoolean(local.loaded != null);
        if (local.loaded != null) LoopMsg.writeString(out, local.loaded);
        Graph g = new Graph();
        out.writeBoolean(local.copy != null);
        if (local.copy != null) {
            g.write(out, local.copy.key);
            out.writeInt(local.copy.fields.length);
            for (Object v : local.copy.fields) g.write(out, v);
        }
        out.writeInt(local.segments.size());
        for (Segment seg : local.segments) {
            LoopMsg.writeString(out, seg.stack);
            out.writeInt(seg.baseDepth);
            out.writeInt(seg.frames.size());
            for (Frame f : seg.frames) {
                if (f.self != local.copy) throw new IllegalStateException("stent: a frame on another entity's copy");
                LoopMsg.writeString(out, f.method.entity);
                LoopMsg.writeString(out, f.method.name);
                out.writeInt(f.block);
                out.writeInt(f.resultSlot);
                out.writeInt(f.slots.length);
                for (Object v : f.slots) g.write(out, v);
            }
        }
    }

    private Local readLocal(DataInputStream in, String self) throws IOException {
        int attempt = in.readInt();
        String loaded = in.readBoolean() ? LoopMsg.readString(in) : null;
        Graph g = new Graph();
        Spec.Entity spec = program.entities.get(self.substring(0, self.indexOf('/')));
        EntityState copy = null;
        if (in.readBoolean()) {
            Object key = g.read(in);
            Object[] fields = new Object[in.readInt()];
            for (int i = 0; i < fields.length; i++) fields[i] = g.read(in);
            copy = new EntityState(spec, key, fields);
        }
        Local local = new Local(attempt, loaded, copy);
        int segments = in.readInt();
        for (int s = 0; s < segments; s++) {
            Segment seg = new Segment(LoopMsg.readString(in), in.readInt());
            int frames = in.readInt();
            for (int k = 0; k < frames; k++) {
                String entity = LoopMsg.readString(in);
                String name = LoopMsg.readString(in);
                Spec.Method method = program.entities.get(entity).methods.get(name);
                int block = in.readInt();
                int resultSlot = in.readInt();
                Object[] slots = new Object[in.readInt()];
                for (int i = 0; i < slots.length; i++) slots[i] = g.read(in);
                Frame f = new Frame(copy, method, slots, false);
                f.block = block;
                f.resultSlot = resultSlot;
                seg.frames.addLast(f);
            }
            local.segments.addLast(seg);
        }
        return local;
    }

    /** Python values with their identities: a container met again is written as a back reference. */
    static final class Graph {
        private final IdentityHashMap<Object, Integer> ids = new IdentityHashMap<>();
        private final List<Object> objects = new ArrayList<>();

        void write(DataOutputStream out, Object v) throws IOException {
            if (v == null) {
                out.writeByte(0);
            } else if (v instanceof Long l) {
                out.writeByte(1);
                out.writeLong(l);
            } else if (v instanceof Double d) {
                out.writeByte(2);
                out.writeDouble(d);
            } else if (v instanceof Boolean b) {
                out.writeByte(3);
                out.writeBoolean(b);
            } else if (v instanceof String str) {
                out.writeByte(4);
                LoopMsg.writeString(out, str);
            } else if (v instanceof PyNone) {
                out.writeByte(5);
            } else if (v instanceof EntityRef r) {
                out.writeByte(6);
                LoopMsg.writeString(out, r.type());
                write(out, r.key());
            } else {
                Integer id = ids.get(v);
                if (id != null) {
                    out.writeByte(7);
                    out.writeInt(id);
                    return;
                }
                ids.put(v, ids.size());
                if (v instanceof PyList l) {
                    out.writeByte(8);
                    out.writeInt(l.size());
                    for (Object x : l) write(out, x);
                } else if (v instanceof PyDict d) {
                    out.writeByte(9);
                    out.writeInt(d.size());
                    for (Map.Entry<Object, Object> e : d.entrySet()) {
                        write(out, e.getKey());
                        write(out, e.getValue());
                    }
                } else if (v instanceof PyTuple t) {
                    out.writeByte(10);
                    out.writeInt(t.items.length);
                    for (Object x : t.items) write(out, x);
                } else {
                    throw new IllegalStateException("stent: cannot snapshot a value of class " + v.getClass().getName());
                }
            }
        }

        Object read(DataInputStream in) throws IOException {
            int tag = in.readByte();
            switch (tag) {
                case 0: return null;
                case 1: return in.readLong();
                case 2: return in.readDouble();
                case 3: return in.readBoolean();
                case 4: return LoopMsg.readString(in);
                case 5: return PyNone.NONE;
                case 6: {
                    String type = LoopMsg.readString(in);
                    return new EntityRef(type, read(in));
                }
                case 7: return objects.get(in.readInt());
                case 8: {
                    int n = in.readInt();
                    PyList l = new PyList(n);
                    objects.add(l);
                    for (int i = 0; i < n; i++) l.add(read(in));
                    return l;
                }
                case 9: {
                    int n = in.readInt();
                    PyDict d = new PyDict();
                    objects.add(d);
                    for (int i = 0; i < n; i++) {
                        Object k = read(in);
                        d.put(k, read(in));
                    }
                    return d;
                }
                case 10: {
                    PyTuple t = new PyTuple(new Object[in.readInt()]);
                    objects.add(t);
                    for (int i = 0; i < t.items.length; i++) t.items[i] = read(in);
                    return t;
                }
                default: throw new IllegalStateException("stent: bad snapshot tag " + tag);
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) throws Exception {
        String enc = state.value();
        if (enc == null) return;
        String self = ctx.getCurrentKey();
        int slash = self.indexOf('/');
        out.collect("E" + self.substring(0, slash) + '\u0001' + self.substring(slash + 1) + '\u0001' + enc);
    }
}
