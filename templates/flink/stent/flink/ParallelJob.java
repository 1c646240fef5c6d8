package stent.flink;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

import stent.runtime.RequestProcessor;

/**
 * The parallel mode ({@code --parallelism N}, N >= 2; local MiniCluster only):
 *
 * <pre>
 * workload (Workload source, 1: number, validate, admit) ─┐
 *                                                        ├→ keyBy("Type/key") → EntityOperator (N)
 * loop head (FLIP-27 source, N) ←── JVM-local channel (i, attempt) ←── loop tail (sink, N) ←┘ side output, keyBy
 * EntityOperator main output → collect (results, commit order, state dump)
 * </pre>
 *
 * <p>Isolation: serializable (strict 2PL with wait-die, see {@link EntityOperator}), not in input
 * order: concurrent requests may be serialized in another order than the workload's; the order
 * actually used is written with {@code --commit-order-out} (sort by stamp, then txn).
 *
 * <p>Exactly-once across failures: checkpointing is on (as in the serial job, aligned,
 * EXACTLY_ONCE, fixed-delay restarts). A checkpoint is a consistent cut of the loop: the workload
 * position, the entities' keyed state, the transactions' private copies and suspended frames
 * (operator state of {@link EntityOperator}), and the loop records the operators sent before
 * their barrier but had not processed (the head's unread records and the tail's log, see
 * {@link Loop}). The collect sink only hands out results covered by a completed checkpoint.
 */
final class ParallelJob {
    private ParallelJob() {}

    static long countRequests(String workload) throws java.io.IOException {
        long n = 0;
        try (BufferedReader r = Files.newBufferedReader(Path.of(workload), StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) if (!line.isBlank()) n++;
        }
        return n;
    }

    static void run(String programClass, String name, Map<String, String> opts, PipelineExecutorServiceLoader executors,
            String workload, Path out, String stateOut, String statsOut, int parallelism) throws Exception {
        // Checkpoints (exactly-once, aligned) and the restart strategy of the serial job.
        StreamExecutionEnvironment env = StentJob.environment(opts, executors);
        // Aligned barriers are what the loop's snapshot relies on: the tail snapshots once it has
        // every record the operators sent before their barrier (unaligned checkpoints would store
        // those records as channel state and replay them into the tail, twice with its log).
        env.getCheckpointConfig().enableUnalignedCheckpoints(false);
        env.setParallelism(parallelism);
        // Messages go around the loop several times per request: flush every record.
        env.setBufferTimeout(Long.parseLong(opts.getOrDefault("buffer-timeout-ms", "0")));
        long maxInFlight = Long.parseLong(opts.getOrDefault("max-in-flight", "16"));
        long delayMs = Long.parseLong(opts.getOrDefault("request-delay-ms", "0"));
        boolean failOnce = Boolean.parseBoolean(opts.getOrDefault("fail-once-after-checkpoint", "false"));
        String token = UUID.randomUUID().toString();
        Loop loop = Loop.create(token, parallelism, countRequests(workload));
        TypeInformation<LoopMsg> msgType = TypeInformation.of(LoopMsg.class);
        boolean dump = stateOut != null;
        try {
            DataStream<LoopMsg> requests = env.fromSource(
                    new Workload(token, workload, programClass, maxInFlight, delayMs),
                    WatermarkStrategy.noWatermarks(), "workload", msgType).uid("workload").setParallelism(1);
            DataStream<LoopMsg> head = env.fromSource(new Loop.Head(token), WatermarkStrategy.noWatermarks(), "loop-head",
                    msgType).uid("loop-head");
            head.getTransformation().setCoLocationGroupKey("stent-loop");
            SingleOutputStreamOperator<String> entities = requests.union(head)
                    .keyBy(m -> m.target, Types.STRING)
                    .process(new EntityOperator(programClass, token, dump,
                            Boolean.parseBoolean(opts.getOrDefault("retry-at-once", "false")), failOnce), Types.STRING)
                    .name("stent-entities").uid("stent-entities");
            DataStreamSink<LoopMsg> tail = entities.getSideOutput(EntityOperator.LOOP)
                    .keyBy(m -> m.target, Types.STRING)
                    .sinkTo(new Loop.Tail(token)).name("loop-tail").uid("loop-tail");
            tail.getTransformation().setCoLocationGroupKey("stent-loop");

            List<RequestProcessor.Stored> stored = new ArrayList<>();
            List<String> commits = new ArrayList<>();
            long started = System.nanoTime();
            long results = 0;
            try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8);
                    CloseableIterator<String> it = entities.executeAndCollect("stent " + name)) {
                while (it.hasNext()) {
                    String rec = it.next();
                    if (rec.startsWith("R")) {
                        w.write(rec, 1, rec.length() - 1);
                        w.write('\n');
                        results++;
                    } else if (rec.startsWith("C")) {
                        commits.add(rec.substring(1));
                    } else if (rec.startsWith("E")) {
                        String[] p = rec.substring(1).split("\u0001", 3);
                        stored.add(new RequestProcessor.Stored(p[0], p[1], p[2]));
                    }
                }
            }
            double jobMs = (System.nanoTime() - started) / 1e6;
            System.err.println("stent: parallel mode, parallelism " + parallelism + ": " + results + " results, "
                    + loop.sent.get() + " loop messages, " + loop.died.get() + " wait-die aborts, "
                    + loop.restarts.get() + " restarts, "
                    + String.format(java.util.Locale.ROOT, "%.1f ms", jobMs));
            String commitOut = opts.get("commit-order-out");
            if (commitOut != null) {
                StringBuilder sb = new StringBuilder();
                for (String c : commits) {
                    String[] p = c.split(" ", 3);
                    sb.append("{\"stamp\": ").append(p[0]).append(", \"txn\": ").append(p[1]).append(", \"id\": ")
                            .append(p[2]).append("}\n");
                }
                Files.writeString(Path.of(commitOut), sb.toString(), StandardCharsets.UTF_8);
            }
            if (statsOut != null) {
                Files.writeString(Path.of(statsOut), String.format(java.util.Locale.ROOT,
                        "{\"requests\": %d, \"parallelism\": %d, \"loop_messages\": %d, \"wait_die_aborts\": %d,"
                                + " \"restarts\": %d, \"span_ms\": %.3f, \"job_ms\": %.3f}\n",
                        results, parallelism, loop.sent.get(), loop.died.get(), loop.restarts.get(),
                        (loop.lastNanos.get() - loop.firstNanos.get()) / 1e6, jobMs), StandardCharsets.UTF_8);
            }
            if (stateOut != null) {
                RequestProcessor processor = new RequestProcessor(StentOperator.loadProgram(programClass),
                        line -> System.err.println(line));
                Files.writeString(Path.of(stateOut), processor.stateDump(stored) + "\n", StandardCharsets.UTF_8);
            }
        } finally {
            Loop.remove(token);
        }
    }
}
