package stent.flink;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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

import stent.runtime.RequestProcessor;

/**
 * The ingress of the parallel mode (parallelism 1): reads the workload file, numbers its lines (a
 * request's transaction id and age is its line number), validates each request and emits its first
 * message. Admission control: at most {@code maxInFlight} requests unanswered; the reader then
 * reports nothing available (it never blocks its task, so checkpoint barriers are never held up
 * behind it, which would deadlock the loop's barrier alignment). Its checkpointed state is its
 * position (the number of lines read), which is also the line counter, so the source offset and
 * the transaction numbering are restored together.
 */
public final class Workload implements Source<LoopMsg, Workload.Position, Void> {
    private static final long serialVersionUID = 1L;
    private final String token;
    private final String path;
    private final String programClass;
    private final long maxInFlight;
    private final long delayMs;

    public Workload(String token, String path, String programClass, long maxInFlight, long delayMs) {
        this.token = token;
        this.path = path;
        this.programClass = programClass;
        this.maxInFlight = maxInFlight;
        this.delayMs = delayMs;
    }

    /** The reader's position: lines read. */
    public static final class Position implements SourceSplit {
        final long lines;

        Position(long lines) {
            this.lines = lines;
        }

        @Override
        public String splitId() {
            return "workload";
        }
    }

    /** The workload's lines, split as {@code BufferedReader.readLine} does (like Flink's text line format). */
    static List<String> lines(String path) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(Path.of(path), StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) lines.add(line);
        }
        return lines;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SourceReader<LoopMsg, Position> createReader(SourceReaderContext context) {
        Loop.Gen gen = Loop.get(token).gen(Loop.attemptOf(context));
        return new SourceReader<>() {
            private List<String> lines;
            private RequestProcessor processor;
            private long pos, accepted;

            @Override
            public void start() {
                try {
                    lines = lines(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                processor = new RequestProcessor(StentOperator.loadProgram(programClass), line -> System.err.println(line));
                for (int i = 0; i < pos && i < lines.size(); i++) if (!lines.get(i).isBlank()) accepted++;
            }

            @Override
            public InputStatus pollNext(ReaderOutput<LoopMsg> output) throws Exception {
                if (pos >= lines.size()) return InputStatus.END_OF_INPUT;
                String line = lines.get((int) pos);
                if (!line.isBlank()) {
                    if (accepted - gen.answeredTotal() >= maxInFlight) return InputStatus.NOTHING_AVAILABLE;
                    if (accepted++ == 0) gen.loop.firstNanos.compareAndSet(0, System.nanoTime());
                    if (delayMs > 0) Thread.sleep(delayMs);
                }
                pos++;
                LoopMsg m = EntityOperator.request(processor, line, pos, 0);
                if (m != null) output.collect(m);
                return pos >= lines.size() ? InputStatus.END_OF_INPUT : InputStatus.MORE_AVAILABLE;
            }

            @Override
            public List<Position> snapshotState(long checkpointId) {
                return List.of(new Position(pos));
            }

            @Override
            public CompletableFuture<Void> isAvailable() {
                return gen.admission(accepted, maxInFlight);
            }

            @Override
            public void addSplits(List<Position> splits) {
                for (Position p : splits) pos = p.lines;
            }

            @Override
            public void notifyNoMoreSplits() {}

            @Override
            public void close() {}
        };
    }

    @Override
    public SplitEnumerator<Position, Void> createEnumerator(SplitEnumeratorContext<Position> context) {
        return new Loop.NoEnumerator<>();
    }

    @Override
    public SplitEnumerator<Position, Void> restoreEnumerator(SplitEnumeratorContext<Position> context, Void checkpoint) {
        return new Loop.NoEnumerator<>();
    }

    @Override
    public SimpleVersionedSerializer<Position> getSplitSerializer() {
        return new SimpleVersionedSerializer<>() {
            @Override
            public int getVersion() {
                return 1;
            }

            @Override
            public byte[] serialize(Position p) {
                return java.nio.ByteBuffer.allocate(8).putLong(p.lines).array();
            }

            @Override
            public Position deserialize(int version, byte[] serialized) {
                return new Position(java.nio.ByteBuffer.wrap(serialized).getLong());
            }
        };
    }

    @Override
    public SimpleVersionedSerializer<Void> getEnumeratorCheckpointSerializer() {
        return new Loop.VoidSerializer();
    }
}
