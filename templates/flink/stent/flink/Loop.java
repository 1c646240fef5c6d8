package stent.flink;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
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
 * entity into a JVM-local channel indexed by its subtask; the {@link Head} source (parallelism N)
 * subtask with the same index reads that channel and feeds the messages back into the keyBy in
 * front of the operators. Head and tail share a co-location group, so head i and tail i always run
 * in the same slot, hence the same JVM, which is all the channel needs.
 *
 * <p>Termination of a bounded run: a JVM-wide counter per job ({@link #answered} against
 * {@link #expected}, the workload's non-blank lines, and {@link #inflight}, the messages sent into
 * the loop and not yet processed). Once every request is answered and nothing is in flight, the
 * heads end their input; the final watermark then fires the operators' end-of-input timers. This
 * is correct on one JVM (the MiniCluster); a multi-JVM cluster would need the counters in a
 * coordinator (e.g. a source coordinator event), which is not built.
 *
 * <p>Not checkpointed: the channel's contents are not part of any snapshot, so the parallel mode
 * runs without checkpoints and without restarts (not exactly-once across failures).
 */
public final class Loop {
    private static final Map<String, Loop> LOOPS = new ConcurrentHashMap<>();

    final ConcurrentLinkedQueue<LoopMsg>[] channels;
    final Object[] locks;
    final CompletableFuture<Void>[] futures;
    final long expected;
    final AtomicLong answered = new AtomicLong();
    final AtomicLong inflight = new AtomicLong();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong died = new AtomicLong();
    /** Wall time of the first admitted request and of the latest answer (statistics). */
    final AtomicLong firstNanos = new AtomicLong(), lastNanos = new AtomicLong();

    @SuppressWarnings("unchecked")
    private Loop(int parallelism, long expected) {
        channels = new ConcurrentLinkedQueue[parallelism];
        futures = new CompletableFuture[parallelism];
        locks = new Object[parallelism];
        for (int i = 0; i < parallelism; i++) {
            channels[i] = new ConcurrentLinkedQueue<>();
            locks[i] = new Object();
        }
        this.expected = expected;
    }

    /** Registers the loop of one job run (called by the client before the job is submitted). */
    static Loop create(String token, int parallelism, long expected) {
        Loop l = new Loop(parallelism, expected);
        LOOPS.put(token, l);
        return l;
    }

    static Loop get(String token) {
        Loop l = LOOPS.get(token);
        if (l == null) throw new IllegalStateException("stent: no loop " + token + " in this JVM");
        return l;
    }

    static void remove(String token) {
        LOOPS.remove(token);
    }

    boolean finished() {
        return answered.get() >= expected && inflight.get() == 0;
    }

    void push(int channel, LoopMsg m) {
        channels[channel % channels.length].add(m);
        wake(channel % channels.length);
    }

    void wake(int channel) {
        CompletableFuture<Void> f;
        synchronized (locks[channel]) {
            f = futures[channel];
            futures[channel] = null;
        }
        if (f != null) f.complete(null);
    }

    void wakeAll() {
        for (int i = 0; i < channels.length; i++) wake(i);
    }

    CompletableFuture<Void> available(int channel) {
        synchronized (locks[channel]) {
            if (!channels[channel].isEmpty() || finished()) return CompletableFuture.completedFuture(null);
            if (futures[channel] == null) futures[channel] = new CompletableFuture<>();
            return futures[channel];
        }
    }

    // ------------------------------------------------------------------ tail

    /** The loop tail: pushes each message into the channel of its own subtask index. */
    public static final class Tail implements Sink<LoopMsg> {
        private static final long serialVersionUID = 1L;
        private final String token;

        public Tail(String token) {
            this.token = token;
        }

        @Override
        public SinkWriter<LoopMsg> createWriter(WriterInitContext context) {
            Loop loop = get(token);
            int index = context.getTaskInfo().getIndexOfThisSubtask();
            return new SinkWriter<>() {
                @Override
                public void write(LoopMsg element, Context ctx) {
                    loop.push(index, element);
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    // ------------------------------------------------------------------ head

    /** No splits: each reader reads the channel of its subtask index. */
    public static final class NoSplit implements SourceSplit {
        @Override
        public String splitId() {
            return "loop";
        }
    }

    /** The loop head: a FLIP-27 source whose reader i drains channel i until the run is over. */
    public static final class Head implements Source<LoopMsg, NoSplit, Void> {
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
        public SourceReader<LoopMsg, NoSplit> createReader(SourceReaderContext context) {
            Loop loop = get(token);
            int index = context.getIndexOfSubtask();
            return new SourceReader<>() {
                @Override
                public void start() {}

                @Override
                public InputStatus pollNext(ReaderOutput<LoopMsg> output) {
                    LoopMsg m = loop.channels[index].poll();
                    if (m != null) {
                        output.collect(m);
                        return InputStatus.MORE_AVAILABLE;
                    }
                    if (loop.finished()) return InputStatus.END_OF_INPUT;
                    return InputStatus.NOTHING_AVAILABLE;
                }

                @Override
                public List<NoSplit> snapshotState(long checkpointId) {
                    return List.of();
                }

                @Override
                public CompletableFuture<Void> isAvailable() {
                    return loop.available(index);
                }

                @Override
                public void addSplits(List<NoSplit> splits) {}

                @Override
                public void notifyNoMoreSplits() {}

                @Override
                public void close() {}
            };
        }

        @Override
        public SplitEnumerator<NoSplit, Void> createEnumerator(SplitEnumeratorContext<NoSplit> context) {
            return new SplitEnumerator<>() {
                @Override
                public void start() {}

                @Override
                public void handleSplitRequest(int subtaskId, String requesterHostname) {}

                @Override
                public void addSplitsBack(List<NoSplit> splits, int subtaskId) {}

                @Override
                public void addReader(int subtaskId) {}

                @Override
                public Void snapshotState(long checkpointId) {
                    return null;
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public SplitEnumerator<NoSplit, Void> restoreEnumerator(SplitEnumeratorContext<NoSplit> context, Void checkpoint) {
            return createEnumerator(context);
        }

        @Override
        public SimpleVersionedSerializer<NoSplit> getSplitSerializer() {
            return new SimpleVersionedSerializer<>() {
                @Override
                public int getVersion() {
                    return 1;
                }

                @Override
                public byte[] serialize(NoSplit obj) {
                    return new byte[0];
                }

                @Override
                public NoSplit deserialize(int version, byte[] serialized) {
                    return new NoSplit();
                }
            };
        }

        @Override
        public SimpleVersionedSerializer<Void> getEnumeratorCheckpointSerializer() {
            return new SimpleVersionedSerializer<>() {
                @Override
                public int getVersion() {
                    return 1;
                }

                @Override
                public byte[] serialize(Void obj) {
                    return new byte[0];
                }

                @Override
                public Void deserialize(int version, byte[] serialized) throws IOException {
                    return null;
                }
            };
        }
    }
}
