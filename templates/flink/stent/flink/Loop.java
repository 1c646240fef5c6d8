package stent.flink;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The feedback loop of the parallel mode (Flink 2.2 has no {@code DataStream#iterate}): a
 * {@link Tail} sink (parallelism N) pushes every message an {@link EntityOperator} sends to another
 * entity into a JVM-local channel; the {@link Head} source (parallelism N) subtask with the same
 * index reads that channel and feeds the messages back into the keyBy in front of the operators.
 * Head and tail share a co-location group, so head i and tail i always run in the same slot, hence
 * the same JVM, which is all the channel needs.
 *
 * <p><b>Attempts.</b> The channels and counters of one execution attempt form a {@link Gen}
 * (generation), keyed by the attempt number: after a failure every task of the job restarts with
 * the next attempt number, so the restarted head and tail meet in fresh channels and never read a
 * record a dying task of the previous attempt pushed late; older generations are retired (their
 * channels drop every push).
 *
 * <p><b>Exactly-once</b> (the design of Flink Stateful Functions' feedback channel): the records a
 * checkpoint must hold are those the operators sent before their barrier and processed after it.
 * When the head takes its snapshot for checkpoint k (synchronously, before it emits barrier k) it
 * stores the records not yet emitted (restored ones and the channel's queue) and, atomically with
 * that, starts a log of checkpoint k in its channel: every record the tail pushes from then on is
 * also appended to the log. When the tail gets barrier k (after every operator subtask, hence
 * after every record the operators sent before their barrier k) it stores the log as its own
 * snapshot state and drops it: this is the end-of-checkpoint marker. On restore the head emits
 * its records first, then the tail's logged records (pushed into the channel before any new
 * record), then new ones, so the per-sender FIFO order of the loop is preserved.
 *
 * <p><b>Termination</b> of a bounded run: per generation, counters of the answers and of the
 * messages in the loop ({@link Gen#inflight}, sent and not yet processed; on restore: the number of
 * restored loop records); once every request is answered, nothing is in flight, and every head,
 * tail and operator subtask of this attempt has restored its state, the heads end their input;
 * the final watermark then fires the operators' end-of-input timers. This is correct on one JVM
 * (the MiniCluster); a multi-JVM cluster would need the counters in a coordinator (not built).
 */
public final class Loop {
    private static final Map<String, Loop> LOOPS = new ConcurrentHashMap<>();
    static final boolean DEBUG_END = System.getenv("STENT_DEBUG") != null;

    final int parallelism;
    /** The number of requests (non-blank workload lines), or Long.MAX_VALUE when not known yet (Kafka). */
    final long expected;
    private final Map<Integer, Gen> gens = new ConcurrentHashMap<>();
    private int newest = -1;
    // Statistics over all attempts.
    final AtomicLong sent = new AtomicLong();
    final AtomicLong died = new AtomicLong();
    /** Wall time of the first admitted request and of the latest answer (statistics). */
    final AtomicLong firstNanos = new AtomicLong(), lastNanos = new AtomicLong();
    /** The attempt numbers seen (restarts: how many). */
    final AtomicInteger restarts = new AtomicInteger();

    private Loop(int parallelism, long expected) {
        this.parallelism = parallelism;
        this.expected = expected;
    }

    /** Registers the loop of one job run (called by the client before the job is submitted). */
    static Loop create(String token, int parallelism, long expected) {
        Loop l = new Loop(parallelism, expected);
        LOOPS.put(token, l);
        return l;
    }

    /**
     * The prefix of the Kafka mode's tokens. Its loop needs no count from the client (the
     * ingress's END record sets it), so a task that finds none in its JVM creates it: on a cluster
     * the client that called {@link #create} is another process, and the tasks run in the
     * TaskManagers. The termination counters are per JVM, so a bounded run ends only when every
     * task of the job runs in one TaskManager; an unbounded one never ends anyway.
     */
    static final String KAFKA_TOKEN = "kafka-";

    /** {@link #get}, or, for the Kafka mode, the loop of this JVM, created on first use. */
    static Loop get(String token, int parallelism) {
        if (token.startsWith(KAFKA_TOKEN)) {
            return LOOPS.computeIfAbsent(token, t -> new Loop(parallelism, Long.MAX_VALUE));
        }
        return get(token);
    }

    static Loop get(String token) {
        Loop l = LOOPS.get(token);
        if (l == null) throw new IllegalStateException("stent: no loop " + token + " in this JVM");
        return l;
    }

    static void remove(String token) {
        LOOPS.remove(token);
    }

    /** The generation of an attempt; a task of an attempt older than the newest gets a retired one. */
    synchronized Gen gen(int attempt) {
        if (attempt < newest) {
            Gen dead = new Gen(this, attempt);
            dead.dead = true;
            return dead;
        }
        if (attempt > newest) {
            for (Gen old : gens.values()) old.retire();
            gens.clear();
            if (newest >= 0) restarts.incrementAndGet();
            newest = attempt;
        }
        return gens.computeIfAbsent(attempt, a -> new Gen(this, a));
    }

    /** One channel: the records from tail i to head i, and the logs of the checkpoints in progress. */
    static final class Channel {
        private final ArrayDeque<LoopMsg> queue = new ArrayDeque<>();
        private final TreeMap<Long, List<LoopMsg>> logs = new TreeMap<>();
        private CompletableFuture<Void> future;
        private boolean dead;

        void push(LoopMsg m) {
            CompletableFuture<Void> f;
            synchronized (this) {
                if (dead) return;
                queue.add(m);
                for (List<LoopMsg> log : logs.values()) log.add(m);
                f = future;
                future = null;
            }
            if (f != null) f.complete(null);
        }

        synchronized LoopMsg poll() {
            return queue.poll();
        }

        /** The head's snapshot for checkpoint k: its unsent records, the queue, and the start of log k. */
        synchronized List<LoopMsg> snapshot(long checkpoint, Collection<LoopMsg> pending) {
            List<LoopMsg> all = new ArrayList<>(pending.size() + queue.size());
            all.addAll(pending);
            all.addAll(queue);
            logs.put(checkpoint, new ArrayList<>());
            return all;
        }

        /** The tail's snapshot for checkpoint k: log k (the end-of-checkpoint marker); older logs are dropped. */
        synchronized List<LoopMsg> endOfCheckpoint(long checkpoint) {
            List<LoopMsg> log = logs.remove(checkpoint);
            logs.headMap(checkpoint).clear();
            return log == null ? List.of() : log;
        }

        /** A future that completes when the channel has a record (or when {@code ready} is true). */
        synchronized CompletableFuture<Void> available(boolean ready) {
            if (!queue.isEmpty() || ready || dead) return CompletableFuture.completedFuture(null);
            if (future == null) future = new CompletableFuture<>();
            return future;
        }

        void wake() {
            CompletableFuture<Void> f;
            synchronized (this) {
                f = future;
                future = null;
            }
            if (f != null) f.complete(null);
        }

        void retire() {
            synchronized (this) {
                dead = true;
                queue.clear();
                logs.clear();
            }
            wake();
        }
    }

    /** The channels and counters of one execution attempt. */
    static final class Gen {
        final Loop loop;
        final int attempt;
        final Channel[] channels;
        /** Answers given in this attempt, and the answers the restored checkpoint holds. */
        final AtomicLong answered = new AtomicLong();
        volatile long answeredBefore;
        /** Loop messages sent (or restored) and not yet processed by an operator. */
        final AtomicLong inflight = new AtomicLong();
        /** Heads, tails and operator subtasks that have restored their state. */
        final AtomicInteger ready = new AtomicInteger();
        volatile boolean dead;
        /** The requests to answer: the workload's count, or the ingress's END count (Kafka, bounded). */
        volatile long expected;
        private CompletableFuture<Void> admission;

        Gen(Loop loop, int attempt) {
            this.loop = loop;
            this.attempt = attempt;
            this.expected = loop.expected;
            channels = new Channel[loop.parallelism];
            for (int i = 0; i < channels.length; i++) channels[i] = new Channel();
        }

        long answeredTotal() {
            return answeredBefore + answered.get();
        }

        boolean finished() {
            return dead || (ready.get() >= 3 * loop.parallelism && answeredTotal() >= expected
                    && inflight.get() == 0);
        }

        void ready() {
            ready.incrementAndGet();
            wakeAll();
        }

        /** The answers the restored checkpoint holds (set by each operator subtask: the same sum). */
        void restoreAnswered(long before) {
            answeredBefore = before;
            CompletableFuture<Void> f;
            synchronized (this) {
                f = admission;
                admission = null;
            }
            if (f != null) f.complete(null);
            wakeAll();
        }

        /** The ingress reached the end of a bounded input: {@code n} requests in all. */
        void setExpected(long n) {
            expected = n;
            wakeAll();
        }

        void answer() {
            loop.lastNanos.accumulateAndGet(System.nanoTime(), Math::max);
            answered.incrementAndGet();
            CompletableFuture<Void> f;
            synchronized (this) {
                f = admission;
                admission = null;
            }
            if (f != null) f.complete(null);
        }

        /** Completes when fewer than {@code max} of {@code accepted} requests are unanswered. */
        synchronized CompletableFuture<Void> admission(long accepted, long max) {
            if (accepted - answeredTotal() < max || dead) return CompletableFuture.completedFuture(null);
            if (admission == null) admission = new CompletableFuture<>();
            return admission;
        }

        void wakeAll() {
            for (Channel c : channels) c.wake();
        }

        void retire() {
            dead = true;
            for (Channel c : channels) c.retire();
            CompletableFuture<Void> f;
            synchronized (this) {
                f = admission;
                admission = null;
            }
            if (f != null) f.complete(null);
        }
    }

    /**
     * The attempt number of a source reader's task (SourceReaderContext has no getter for it): the
     * task metric group's {@code <attempt_num>} variable, else the task thread's name
     * ({@code "name (i/n)#attempt"}).
     */
    static int attemptOf(SourceReaderContext context) {
        String v = context.metricGroup().getAllVariables().get("<attempt_num>");
        if (v != null) return Integer.parseInt(v);
        String t = Thread.currentThread().getName();
        int hash = t.lastIndexOf('#');
        if (hash >= 0) {
            try {
                return Integer.parseInt(t.substring(hash + 1).trim());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalStateException("stent: cannot tell the attempt number of task " + t);
    }

    /** Byte arrays as they are (the tail's state). */
    static final class BytesSerializer implements SimpleVersionedSerializer<byte[]> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(byte[] obj) {
            return obj;
        }

        @Override
        public byte[] deserialize(int version, byte[] serialized) {
            return serialized;
        }
    }

    // ------------------------------------------------------------------ tail

    /** The loop tail: pushes each message into the channel of its own subtask index (and attempt). */
    public static final class Tail implements Sink<LoopMsg>, SupportsWriterState<LoopMsg, byte[]> {
        private static final long serialVersionUID = 1L;
        private final String token;

        public Tail(String token) {
            this.token = token;
        }

        @Override
        public StatefulSinkWriter<LoopMsg, byte[]> createWriter(WriterInitContext context) {
            return restoreWriter(context, List.of());
        }

        @Override
        public StatefulSinkWriter<LoopMsg, byte[]> restoreWriter(WriterInitContext context, Collection<byte[]> state) {
            Gen gen = get(token, context.getTaskInfo().getNumberOfParallelSubtasks())
                    .gen(context.getTaskInfo().getAttemptNumber());
            Channel channel = gen.channels[context.getTaskInfo().getIndexOfThisSubtask()];
            // The records the operators sent before the restored checkpoint's barrier and the head
            // had not read when it took its snapshot: before any new record.
            long restored = 0;
            for (byte[] s : state) {
                List<LoopMsg> msgs = LoopMsg.decodeAll(s);
                gen.inflight.addAndGet(msgs.size());
                for (LoopMsg m : msgs) channel.push(m);
                restored += msgs.size();
            }
            if (context.getRestoredCheckpointId().isPresent()) {
                System.err.println("stent: loop tail " + context.getTaskInfo().getIndexOfThisSubtask() + " restored "
                        + restored + " logged records (checkpoint " + context.getRestoredCheckpointId().getAsLong() + ")");
            }
            gen.ready();
            return new StatefulSinkWriter<>() {
                @Override
                public void write(LoopMsg element, Context ctx) {
                    channel.push(element);
                }

                @Override
                public List<byte[]> snapshotState(long checkpointId) {
                    return List.of(LoopMsg.encodeAll(channel.endOfCheckpoint(checkpointId)));
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }

        @Override
        public SimpleVersionedSerializer<byte[]> getWriterStateSerializer() {
            return new BytesSerializer();
        }
    }

    // ------------------------------------------------------------------ head

    /** The head's checkpointed state: the records it had not emitted, in order (one split per reader). */
    public static final class HeadSplit implements SourceSplit {
        final int index;
        final List<LoopMsg> records;

        HeadSplit(int index, List<LoopMsg> records) {
            this.index = index;
            this.records = records;
        }

        @Override
        public String splitId() {
            return "loop-" + index;
        }
    }

    /** The loop head: a FLIP-27 source whose reader i drains channel i until the run is over. */
    public static final class Head implements Source<LoopMsg, HeadSplit, Void> {
        private static final long serialVersionUID = 1L;
        private final String token;

        public Head(String token) {
            this.token = token;
        }

        @Override
        public Boundedness getBoundedness() {
            return Boundedness.BOUNDED;
        }

        @Override
        public SourceReader<LoopMsg, HeadSplit> createReader(SourceReaderContext context) {
            Gen gen = get(token, context.currentParallelism()).gen(attemptOf(context));
            int index = context.getIndexOfSubtask();
            Channel channel = gen.channels[index];
            ArrayDeque<LoopMsg> pending = new ArrayDeque<>();
            return new SourceReader<>() {
                @Override
                public void start() {
                    // After addSplits (the restored records): this head is ready.
                    gen.ready();
                }

                @Override
                public InputStatus pollNext(ReaderOutput<LoopMsg> output) {
                    LoopMsg m = pending.isEmpty() ? channel.poll() : pending.poll();
                    if (m != null) {
                        output.collect(m);
                        return InputStatus.MORE_AVAILABLE;
                    }
                    if (gen.finished()) {
                        if (DEBUG_END) {
                            System.err.println("stent: loop head " + index + " (attempt " + gen.attempt + ") ends: answered "
                                    + gen.answeredTotal() + " of " + gen.expected + ", in flight " + gen.inflight.get()
                                    + (gen.dead ? ", retired" : ""));
                        }
                        return InputStatus.END_OF_INPUT;
                    }
                    return InputStatus.NOTHING_AVAILABLE;
                }

                @Override
                public List<HeadSplit> snapshotState(long checkpointId) {
                    return List.of(new HeadSplit(index, channel.snapshot(checkpointId, pending)));
                }

                @Override
                public CompletableFuture<Void> isAvailable() {
                    if (!pending.isEmpty()) return CompletableFuture.completedFuture(null);
                    return channel.available(gen.finished());
                }

                @Override
                public void addSplits(List<HeadSplit> splits) {
                    for (HeadSplit s : splits) {
                        gen.inflight.addAndGet(s.records.size());
                        pending.addAll(s.records);
                        System.err.println("stent: loop head " + index + " restored " + s.records.size() + " unread records");
                    }
                }

                @Override
                public void notifyNoMoreSplits() {}

                @Override
                public void close() {}
            };
        }

        @Override
        public SplitEnumerator<HeadSplit, Void> createEnumerator(SplitEnumeratorContext<HeadSplit> context) {
            return new NoEnumerator<>();
        }

        @Override
        public SplitEnumerator<HeadSplit, Void> restoreEnumerator(SplitEnumeratorContext<HeadSplit> context, Void checkpoint) {
            return new NoEnumerator<>();
        }

        @Override
        public SimpleVersionedSerializer<HeadSplit> getSplitSerializer() {
            return new SimpleVersionedSerializer<>() {
                @Override
                public int getVersion() {
                    return 1;
                }

                @Override
                public byte[] serialize(HeadSplit split) {
                    byte[] msgs = LoopMsg.encodeAll(split.records);
                    return java.nio.ByteBuffer.allocate(4 + msgs.length).putInt(split.index).put(msgs).array();
                }

                @Override
                public HeadSplit deserialize(int version, byte[] serialized) {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(serialized);
                    int index = b.getInt();
                    return new HeadSplit(index, LoopMsg.decodeAll(java.util.Arrays.copyOfRange(serialized, 4, serialized.length)));
                }
            };
        }

        @Override
        public SimpleVersionedSerializer<Void> getEnumeratorCheckpointSerializer() {
            return new VoidSerializer();
        }
    }

    /** An enumerator that assigns nothing: the readers know what to read. */
    static final class NoEnumerator<S extends SourceSplit> implements SplitEnumerator<S, Void> {
        @Override
        public void start() {}

        @Override
        public void handleSplitRequest(int subtaskId, String requesterHostname) {}

        @Override
        public void addSplitsBack(List<S> splits, int subtaskId) {}

        @Override
        public void addReader(int subtaskId) {}

        @Override
        public Void snapshotState(long checkpointId) {
            return null;
        }

        @Override
        public void close() {}
    }

    static final class VoidSerializer implements SimpleVersionedSerializer<Void> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(Void obj) {
            return new byte[0];
        }

        @Override
        public Void deserialize(int version, byte[] serialized) {
            return null;
        }
    }
}
