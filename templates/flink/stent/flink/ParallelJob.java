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
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
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

    static final TypeInformation<LoopMsg> MSG = TypeInformation.of(LoopMsg.class);

    /** Checkpoints (exactly-once, aligned) and the restart strategy of the serial job. */
    static StreamExecutionEnvironment environment(Map<String, String> opts, PipelineExecutorServiceLoader executors,
            int parallelism) {
        StreamExecutionEnvironment env = StentJob.environment(opts, executors);
        // Aligned barriers are what the loop's snapshot relies on: the tail snapshots once it has
        // every record the operators sent before their barrier (unaligned checkpoints would store
        // those records as channel state and replay them into the tail, twice with its log).
        env.getCheckpointConfig().enableUnalignedCheckpoints(false);
        env.setParallelism(parallelism);
        // Messages go around the loop several times per request: flush every record.
        env.setBufferTimeout(Long.parseLong(opts.getOrDefault("buffer-timeout-ms", "0")));
        return env;
    }

    /** The entity operators and the loop, fed by {@code requests}; the operators' main output. */
    static SingleOutputStreamOperator<String> entities(StreamExecutionEnvironment env, DataStream<LoopMsg> requests,
            String programClass, String token, boolean dump, Map<String, String> opts) {
        boolean failOnce = Boolean.parseBoolean(opts.getOrDefault("fail-once-after-checkpoint", "false"));
        DataStream<LoopMsg> head = env.fromSource(new Loop.Head(token), WatermarkStrategy.noWatermarks(), "loop-head",
                MSG).uid("loop-head");
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
        return entities;
    }

    /**
     * The Kafka ingress of the parallel mode (parallelism 1, after the Kafka source): numbers the
     * records (a request's transaction id and age; the counter is checkpointed with the source
     * offsets), validates them and emits their first messages; at the end of a bounded input it
     * emits END with the number of requests (the loop's termination). No admission control here:
     * every request read is admitted (wait-die resolves the conflicts).
     */
    static final class KafkaIngress extends AbstractStreamOperator<LoopMsg>
            implements OneInputStreamOperator<String, LoopMsg>, BoundedOneInput {
        private static final long serialVersionUID = 1L;
        private final String programClass;
        private final long delayMs;
        private transient RequestProcessor processor;
        private transient ListState<Long> counters;
        private transient long lineNo, accepted;

        KafkaIngress(String programClass, long delayMs) {
            this.programClass = programClass;
            this.delayMs = delayMs;
        }

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            counters = context.getOperatorStateStore().getListState(
                    new ListStateDescriptor<>("ingress.counters", Types.LONG));
            List<Long> c = new ArrayList<>();
            for (Long n : counters.get()) c.add(n);
            if (c.size() == 2) {
                lineNo = c.get(0);
                accepted = c.get(1);
            }
        }

        @Override
        public void open() throws Exception {
            super.open();
            processor = new RequestProcessor(StentOperator.loadProgram(programClass), line -> System.err.println(line));
        }

        @Override
        public void snapshotState(StateSnapshotContext context) throws Exception {
            super.snapshotState(context);
            counters.update(List.of(lineNo, accepted));
        }

        @Override
        public void processElement(StreamRecord<String> element) throws Exception {
            String line = element.getValue();
            LoopMsg m = EntityOperator.request(processor, line, ++lineNo, 0);
            if (m == null) return;
            accepted++;
            if (delayMs > 0) Thread.sleep(delayMs);
            output.collect(new StreamRecord<>(m));
        }

        @Override
        public void endInput() {
            LoopMsg end = new LoopMsg();
            end.kind = LoopMsg.END;
            end.txn = accepted;
            output.collect(new StreamRecord<>(end));
        }
    }

    /**
     * The parallel mode with Kafka in and out: results to {@code --out-topic} and, with
     * {@code --commit-order-topic}, the commit order (both transactional, exactly-once).
     */
    static void runKafka(String programClass, String name, Map<String, String> opts, int parallelism)
            throws Exception {
        StreamExecutionEnvironment env = environment(opts, null, parallelism);
        String token = Loop.KAFKA_TOKEN + UUID.randomUUID();
        Loop loop = Loop.create(token, parallelism, Long.MAX_VALUE);
        try {
            DataStream<LoopMsg> requests = env.fromSource(StentJob.kafkaSource(name, opts), WatermarkStrategy.noWatermarks(),
                            "requests").uid("requests").setParallelism(1)
                    .transform("ingress", MSG, new KafkaIngress(programClass,
                            Long.parseLong(opts.getOrDefault("request-delay-ms", "0"))))
                    .uid("ingress").setParallelism(1);
            SingleOutputStreamOperator<String> entities = entities(env, requests, programClass, token, false, opts);
            entities.filter(rec -> rec.startsWith("R")).name("results").setParallelism(1)
                    .map(rec -> rec.substring(1), Types.STRING).setParallelism(1)
                    .sinkTo(StentJob.kafkaSink(name, opts, StentJob.required(opts, "out-topic"), "")).setParallelism(1)
                    .uid("results");
            String commitTopic = opts.get("commit-order-topic");
            if (commitTopic != null) {
                entities.filter(rec -> rec.startsWith("C")).name("commit-order").setParallelism(1)
                        .map(ParallelJob::commitOrderLine, Types.STRING).setParallelism(1)
                        .sinkTo(StentJob.kafkaSink(name, opts, commitTopic, "-commit-order")).setParallelism(1)
                        .uid("commit-order");
            }
            env.execute("stent " + name);
            // (On a cluster the loop's statistics are in the TaskManagers' JVMs, not here.)
            if (loop.sent.get() > 0) {
                System.err.println("stent: parallel mode (Kafka), parallelism " + parallelism + ": "
                        + loop.sent.get() + " loop messages, " + loop.died.get() + " wait-die aborts, "
                        + loop.restarts.get() + " restarts");
            }
        } finally {
            Loop.remove(token);
        }
    }

    /** A commit-order record {@code C<stamp> <txn> <id json>} as a JSON line. */
    static String commitOrderLine(String rec) {
        String[] p = rec.substring(1).split(" ", 3);
        return "{\"stamp\": " + p[0] + ", \"txn\": " + p[1] + ", \"id\": " + p[2] + "}";
    }

    static void run(String programClass, String name, Map<String, String> opts, PipelineExecutorServiceLoader executors,
            String workload, Path out, String stateOut, String statsOut, int parallelism) throws Exception {
        StreamExecutionEnvironment env = environment(opts, executors, parallelism);
        long maxInFlight = Long.parseLong(opts.getOrDefault("max-in-flight", "16"));
        long delayMs = Long.parseLong(opts.getOrDefault("request-delay-ms", "0"));
        String token = UUID.randomUUID().toString();
        Loop loop = Loop.create(token, parallelism, countRequests(workload));
        boolean dump = stateOut != null;
        try {
            DataStream<LoopMsg> requests = env.fromSource(
                    new Workload(token, workload, programClass, maxInFlight, delayMs),
                    WatermarkStrategy.noWatermarks(), "workload", MSG).uid("workload").setParallelism(1);
            SingleOutputStreamOperator<String> entities = entities(env, requests, programClass, token, dump, opts);

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
                for (String c : commits) sb.append(commitOrderLine("C" + c)).append('\n');
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
