package stent.flink;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The stent job: {@code ingress -> keyBy(partition) -> StentOperator -> egress}.
 *
 * <pre>
 * local (embedded MiniCluster): --workload W.jsonl|- --out R.jsonl [--state-out S.json]
 *                               [--stats-out STATS.json]
 * production (Kafka):           --kafka-brokers HOST:PORT --in-topic T --out-topic T
 *                               [--bounded true] (stop at the input's end offsets at start-up)
 *                               [--kafka-transaction-timeout-ms N] (default 900000, the brokers'
 *                               default transaction.max.timeout.ms)
 * common:                       [--checkpoint-interval-ms N] (default 10000)
 * parallel mode:                [--parallelism N] (N >= 2: entities partitioned over N subtasks,
 *                               calls around a loop, 2PL + wait-die; see ParallelJob)
 *                               [--commit-order-out FILE] (per request: Lamport stamp, txn, id)
 *                               [--commit-order-topic T] (the same, with Kafka)
 * failure testing (off by default):
 *                               [--fail-once-after-checkpoint true] [--request-delay-ms N]
 * </pre>
 *
 * <p>{@code --fail-once-after-checkpoint true} makes the operator throw once, in the middle of a
 * call chain, after the first completed checkpoint; the fixed-delay restart strategy then recovers
 * the job from that checkpoint. {@code --request-delay-ms N} paces the ingress (N ms per request) so
 * that a short checkpoint interval completes checkpoints while the workload is still running.
 */
public final class StentJob {
    /** Every request goes to this one key: see {@link StentOperator}. */
    public static final int PARTITION = 0;

    private StentJob() {}

    static Map<String, String> parseArgs(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value, got " + args[i]);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        return opts;
    }

    static StreamExecutionEnvironment environment(Map<String, String> opts) {
        return environment(opts, null);
    }

    /**
     * The job's environment; {@code executors}: how to run the job (null: Flink's default, a local
     * MiniCluster per job; {@link StentBatch} passes one that shares Flink's RPC system).
     */
    static StreamExecutionEnvironment environment(Map<String, String> opts, PipelineExecutorServiceLoader executors) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        StreamExecutionEnvironment env;
        if (executors == null) {
            env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        } else {
            conf.set(DeploymentOptions.TARGET, "local");
            conf.set(DeploymentOptions.ATTACHED, true);
            env = new StreamExecutionEnvironment(executors, conf, Thread.currentThread().getContextClassLoader());
        }
        // Exactly-once checkpoints are on by default: operator state and source offsets together.
        env.enableCheckpointing(Long.parseLong(opts.getOrDefault("checkpoint-interval-ms", "10000")));
        return env;
    }

    /** Runs the program held in {@code programClass}'s static {@code PROGRAM} field. */
    public static void run(String programClass, String name, String[] args) throws Exception {
        Map<String, String> opts = parseArgs(args);
        if (opts.containsKey("kafka-brokers")) {
            runKafka(programClass, name, opts);
        } else {
            runLocal(programClass, name, opts);
        }
    }

    private static DataStream<String> pipeline(DataStream<String> requests, String programClass, boolean dump,
            Map<String, String> opts) {
        StentOperator op = new StentOperator(programClass, dump,
                Boolean.parseBoolean(opts.getOrDefault("fail-once-after-checkpoint", "false")));
        long delayMs = Long.parseLong(opts.getOrDefault("request-delay-ms", "0"));
        if (delayMs > 0) {
            // Paces the ingress (chained to the source), so that checkpoint barriers are not queued
            // behind the whole workload in the network buffers.
            requests = requests.map(line -> {
                Thread.sleep(delayMs);
                return line;
            }, Types.STRING).name("pace").uid("pace");
        }
        return requests
                .keyBy(line -> PARTITION, Types.INT)
                .process(op, Types.STRING)
                .name("stent-transactions")
                .uid("stent-transactions");
    }

    /** The local mode: one job on its own embedded MiniCluster (also used by {@link StentBatch}). */
    static void runLocal(String programClass, String name, Map<String, String> opts) throws Exception {
        runLocal(programClass, name, opts, null);
    }

    static void runLocal(String programClass, String name, Map<String, String> opts,
            PipelineExecutorServiceLoader executors) throws Exception {
        String workload = required(opts, "workload");
        Path out = Path.of(required(opts, "out"));
        String stateOut = opts.get("state-out");
        String statsOut = opts.get("stats-out");
        if (workload.equals("-")) {
            Path tmp = Files.createTempFile("stent-workload", ".jsonl");
            tmp.toFile().deleteOnExit();
            try (InputStream in = System.in) {
                Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            workload = tmp.toString();
        }
        int parallelism = Integer.parseInt(opts.getOrDefault("parallelism", "1"));
        if (parallelism >= 2) {
            ParallelJob.run(programClass, name, opts, executors, workload, out, stateOut, statsOut, parallelism);
            return;
        }
        StreamExecutionEnvironment env = environment(opts, executors);
        env.setParallelism(1);
        FileSource<String> source = FileSource
                .forRecordStreamFormat(new TextLineInputFormat(), new org.apache.flink.core.fs.Path(workload))
                .build();
        DataStream<String> requests = env.fromSource(source, WatermarkStrategy.noWatermarks(), "workload")
                .uid("workload");
        DataStream<String> output = pipeline(requests, programClass, stateOut != null || statsOut != null, opts);
        String dump = "[]", stats = "{}";
        long started = System.nanoTime();
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8);
                CloseableIterator<String> it = output.executeAndCollect("stent " + name)) {
            while (it.hasNext()) {
                String rec = it.next();
                if (rec.startsWith("R")) {
                    w.write(rec, 1, rec.length() - 1);
                    w.write('\n');
                } else if (rec.startsWith("S")) {
                    dump = rec.substring(1);
                } else if (rec.startsWith("L")) {
                    stats = rec.substring(1);
                }
            }
        }
        if (statsOut != null) {
            String job = String.format(java.util.Locale.ROOT, ", \"job_ms\": %.3f}",
                    (System.nanoTime() - started) / 1e6);
            String head = stats.equals("{}") ? "{\"requests\": 0" : stats.substring(0, stats.length() - 1);
            Files.writeString(Path.of(statsOut), head + job + "\n",
                    StandardCharsets.UTF_8);
        }
        if (stateOut != null) Files.writeString(Path.of(stateOut), dump + "\n", StandardCharsets.UTF_8);
    }

    /** The Kafka source of the requests: {@code --in-topic}, from the earliest offsets. */
    static KafkaSource<String> kafkaSource(String name, Map<String, String> opts) throws IOException {
        String brokers = required(opts, "kafka-brokers");
        var sourceBuilder = KafkaSource.<String>builder()
                .setBootstrapServers(brokers)
                .setTopics(required(opts, "in-topic"))
                .setGroupId("stent-" + name)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setValueOnlyDeserializer(new SimpleStringSchema());
        if (Boolean.parseBoolean(opts.getOrDefault("bounded", "false"))) {
            sourceBuilder.setBounded(OffsetsInitializer.latest());
        }
        return sourceBuilder.build();
    }

    /** A transactional (exactly-once) Kafka sink of lines to {@code topic}. */
    static KafkaSink<String> kafkaSink(String name, Map<String, String> opts, String topic, String idSuffix)
            throws IOException {
        return KafkaSink.<String>builder()
                .setBootstrapServers(required(opts, "kafka-brokers"))
                .setRecordSerializer(KafkaRecordSerializationSchema.builder()
                        .setTopic(topic)
                        .setValueSerializationSchema(new SimpleStringSchema())
                        .build())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                // KafkaSink's default transaction timeout (1 h) exceeds the brokers' default
                // transaction.max.timeout.ms (15 min), which fails InitProducerId: use the latter.
                .setProperty("transaction.timeout.ms", opts.getOrDefault("kafka-transaction-timeout-ms", "900000"))
                .setTransactionalIdPrefix("stent-" + name + idSuffix)
                .build();
    }

    private static void runKafka(String programClass, String name, Map<String, String> opts) throws Exception {
        int parallelism = Integer.parseInt(opts.getOrDefault("parallelism", "1"));
        if (parallelism >= 2) {
            ParallelJob.runKafka(programClass, name, opts, parallelism);
            return;
        }
        StreamExecutionEnvironment env = environment(opts);
        DataStream<String> requests = env.fromSource(kafkaSource(name, opts), WatermarkStrategy.noWatermarks(), "requests")
                .uid("requests");
        pipeline(requests, programClass, false, opts)
                .filter(rec -> rec.startsWith("R"))
                .map(rec -> rec.substring(1), Types.STRING)
                .sinkTo(kafkaSink(name, opts, required(opts, "out-topic"), ""))
                .uid("results");
        env.execute("stent " + name);
    }

    static String required(Map<String, String> opts, String name) throws IOException {
        String v = opts.get(name);
        if (v == null) throw new IllegalArgumentException("missing --" + name);
        return v;
    }
}
