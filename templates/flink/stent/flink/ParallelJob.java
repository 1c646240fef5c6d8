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
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
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
 * workload → ingress (parse, validate, number: txn id = line number) ─┐
 *                                                                     ├→ keyBy("Type/key") → EntityOperator (N)
 * loop head (FLIP-27 source, N) ←── JVM-local channel i ←── loop tail (sink, N) ←┘ side output, keyBy("Type/key")
 * EntityOperator main output → collect (results, commit order, state dump)
 * </pre>
 *
 * <p>Isolation: serializable (strict 2PL with wait-die, see {@link EntityOperator}), not in input
 * order: concurrent requests may be serialized in another order than the workload's; the order
 * actually used is written with {@code --commit-order-out} (sort by stamp, then txn). No
 * checkpoints and no restarts in this mode: the loop's channel and the transactions' private copies
 * are not snapshotted, so it is not exactly-once across failures (the serial mode is).
 */
final class ParallelJob {
    private ParallelJob() {}

    /** Ingress: line number (the transaction id and age), validation, first message. */
    static final class Ingress extends RichMapFunction<String, LoopMsg> {
        private static final long serialVersionUID = 1L;
        private final String programClass;
        private final String token;
        private final long maxInFlight;
        private transient RequestProcessor processor;
        private transient Loop loop;
        private transient long lineNo, accepted;

        Ingress(String programClass, String token, long maxInFlight) {
            this.programClass = programClass;
            this.token = token;
            this.maxInFlight = maxInFlight;
        }

        @Override
        public void open(OpenContext ctx) {
            processor = new RequestProcessor(StentOperator.loadProgram(programClass), line -> System.err.println(line));
            loop = Loop.get(token);
        }

        @Override
        public LoopMsg map(String line) throws Exception {
            if (!line.isBlank()) {
                // Admission control: at most maxInFlight requests unanswered (JVM-wide counter).
                while (accepted - loop.answered.get() >= maxInFlight) Thread.sleep(0, 200_000);
                if (accepted++ == 0) loop.firstNanos.compareAndSet(0, System.nanoTime());
            }
            LoopMsg m = EntityOperator.request(processor, line, ++lineNo, 0);
            if (m == null) {
                // A blank line: no result, but it keeps the numbering; route it nowhere useful.
                m = new LoopMsg();
                m.kind = -1;
                m.txn = lineNo;
            }
            return m;
        }
    }

    static long countRequests(String workload) throws java.io.IOException {
        long n = 0;
        try (BufferedReader r = Files.newBufferedReader(Path.of(workload), StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) if (!line.isBlank()) n++;
        }
        return n;
    }

    static void run(String programClass, String name, Map<String, String> opts, PipelineExecutorServiceLoader executors,
            String workload, Path out, String stateOut, String statsOut, int parallelism) throws Exception {
        Configuration conf = new Configuration();
        // The loop is not checkpointed: a restart could not recover the messages in flight.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env;
        if (executors == null) {
            env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        } else {
            conf.set(DeploymentOptions.TARGET, "local");
            conf.set(DeploymentOptions.ATTACHED, true);
            env = new StreamExecutionEnvironment(executors, conf, Thread.currentThread().getContextClassLoader());
        }
        env.setParallelism(parallelism);
        // Messages go around the loop several times per request: flush every record.
        env.setBufferTimeout(Long.parseLong(opts.getOrDefault("buffer-timeout-ms", "0")));
        long maxInFlight = Long.parseLong(opts.getOrDefault("max-in-flight", "16"));
        String token = UUID.randomUUID().toString();
        Loop loop = Loop.create(token, parallelism, countRequests(workload));
        TypeInformation<LoopMsg> msgType = TypeInformation.of(LoopMsg.class);
        boolean dump = stateOut != null;
        try {
            FileSource<String> source = FileSource
                    .forRecordStreamFormat(new TextLineInputFormat(), new org.apache.flink.core.fs.Path(workload))
                    .build();
            DataStream<LoopMsg> requests = env.fromSource(source, WatermarkStrategy.noWatermarks(), "workload")
                    .uid("workload").setParallelism(1)
                    .map(new Ingress(programClass, token, maxInFlight), msgType).name("ingress").uid("ingress").setParallelism(1)
                    .filter(m -> m.kind >= 0).name("non-blank").uid("non-blank").setParallelism(1);
            DataStream<LoopMsg> head = env.fromSource(new Loop.Head(token), WatermarkStrategy.noWatermarks(), "loop-head")
                    .uid("loop-head");
            head.getTransformation().setCoLocationGroupKey("stent-loop");
            SingleOutputStreamOperator<String> entities = requests.union(head)
                    .keyBy(m -> m.target, Types.STRING)
                    .process(new EntityOperator(programClass, token, dump,
                            Boolean.parseBoolean(opts.getOrDefault("retry-at-once", "false"))), Types.STRING)
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
                                + " \"span_ms\": %.3f, \"job_ms\": %.3f}\n",
                        results, parallelism, loop.sent.get(), loop.died.get(),
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
