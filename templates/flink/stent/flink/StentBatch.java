package stent.flink;

import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.flink.client.deployment.executors.LocalExecutor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.rpc.RpcSystem;
import org.apache.flink.util.Reference;

/**
 * Runs many stent programs' local jobs one after another in this JVM (the conformance corpus in
 * CI): the JVM start and the class loading of Flink and the runtime are paid once, not per case.
 *
 * <pre>
 * --manifest M.tsv --report R.tsv [common job options of {@link StentJob}, e.g.
 *                                  --checkpoint-interval-ms N]
 * </pre>
 *
 * <p>Each manifest line is {@code name TAB programClass TAB workload TAB out TAB stateOut} (an
 * empty {@code stateOut}: no dump). Every case's program classes live in their own Java package
 * (e.g. {@code stent.generated.b017.StentProgram}), so all of them share one class path. Each job
 * runs exactly as {@code Main --workload W --out R --state-out S} would (its own embedded
 * MiniCluster, same options), sequentially. A case that fails is reported and the next one runs.
 *
 * <p>The report gets one line per case as soon as it ends, {@code name TAB ok|error TAB millis TAB
 * message} (message on one line: tabs and newlines replaced by spaces).
 */
public final class StentBatch {
    private StentBatch() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = StentJob.parseArgs(args);
        Path manifest = Path.of(StentJob.required(opts, "manifest"));
        Path report = Path.of(StentJob.required(opts, "report"));
        opts.remove("manifest");
        opts.remove("report");
        List<String> lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        int failed = 0;
        SharedMiniCluster[] shared = Boolean.parseBoolean(opts.getOrDefault("share-minicluster", "true"))
                ? new SharedMiniCluster[1] : null;
        opts.remove("share-minicluster");
        try (RpcSystem rpc = RpcSystem.load(new Configuration());
                BufferedWriter w = Files.newBufferedWriter(report, StandardCharsets.UTF_8)) {
            for (String line : lines) {
                if (line.isBlank()) continue;
                String[] f = line.split("\t", -1);
                if (f.length != 5) throw new IllegalArgumentException("bad manifest line: " + line);
                Map<String, String> caseOpts = new HashMap<>(opts);
                caseOpts.put("workload", f[2]);
                caseOpts.put("out", f[3]);
                if (!f[4].isEmpty()) caseOpts.put("state-out", f[4]);
                long t0 = System.nanoTime();
                String status = "ok", message = "";
                try {
                    StentJob.runLocal(f[1], f[0], caseOpts, executors(rpc, shared));
                } catch (Throwable e) {
                    status = "error";
                    message = oneLine(e);
                    failed++;
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.err.println("stent batch: " + f[0] + " " + status + " " + ms + " ms");
                w.write(f[0] + "\t" + status + "\t" + ms + "\t" + message + "\n");
                w.flush();
            }
            if (shared != null && shared[0] != null) shared[0].shutdown();
        }
        if (failed > 0) System.err.println("stent batch: " + failed + " case(s) failed");
    }

    /**
     * Flink's local executor (a MiniCluster per job, as {@code Main} uses), except that every
     * MiniCluster borrows one RPC system: loading it (Pekko and Scala in their own class loader,
     * unpacked from a jar) is most of a MiniCluster's start in a warm JVM.
     */
    static PipelineExecutorServiceLoader executors(RpcSystem rpc, SharedMiniCluster[] shared) {
        PipelineExecutorFactory factory = new PipelineExecutorFactory() {
            @Override
            public String getName() {
                return "local";
            }

            @Override
            public boolean isCompatibleWith(Configuration conf) {
                return true;
            }

            @Override
            public PipelineExecutor getExecutor(Configuration conf) {
                return LocalExecutor.createWithFactory(conf, mc -> {
                    if (shared == null) return new MiniCluster(mc, () -> Reference.borrowed(rpc));
                    if (shared[0] == null) shared[0] = new SharedMiniCluster(mc, rpc);
                    return shared[0];
                });
            }
        };
        return new PipelineExecutorServiceLoader() {
            @Override
            public PipelineExecutorFactory getExecutorFactory(Configuration conf) {
                return factory;
            }

            @Override
            public Stream<String> getExecutorNames() {
                return Stream.of(factory.getName());
            }
        };
    }

    /**
     * One MiniCluster for every job of the batch, like a session cluster: the first job's
     * configuration starts it, later jobs are submitted to it; Flink's per-job start and shutdown
     * calls are no-ops, {@link #shutdown} ends it.
     */
    static final class SharedMiniCluster extends MiniCluster {
        private boolean started;

        SharedMiniCluster(org.apache.flink.runtime.minicluster.MiniClusterConfiguration conf, RpcSystem rpc) {
            super(conf, () -> Reference.borrowed(rpc));
        }

        @Override
        public synchronized void start() throws Exception {
            if (!started) {
                super.start();
                started = true;
            }
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> closeAsync() {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        void shutdown() throws Exception {
            if (started) super.closeAsync().get();
        }
    }

    private static String oneLine(Throwable e) {
        StringWriter sw = new StringWriter();
        e.printStackTrace(new PrintWriter(sw));
        String trace = sw.toString();
        // The root cause first: Flink wraps job failures several levels deep.
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String text = root + " | " + (trace.length() > 4000 ? trace.substring(0, 4000) : trace);
        return text.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
