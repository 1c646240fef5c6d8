package stent.flink;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A record of the parallel mode ({@code --parallelism N}, N >= 2): one step of a transaction,
 * addressed to one entity ({@link #target}: {@code "Type/encodedKey"}), a Flink POJO.
 *
 * <p>{@link #stack} is the continuation stack: the entities whose suspended frames wait for the
 * answer, innermost last (joined by {@code \u0001}); the frames themselves stay in the memory
 * of the operator that hosts their entity (see {@link EntityOperator}). {@link #touched} is the
 * set of entities the transaction has locked so far, {@link #maxStamp} the largest last-commit
 * Lamport stamp among them.
 */
public class LoopMsg {
    /** A request's first step at its target entity: call, get or create. */
    public static final int REQUEST = 0;
    /** A remote method call. */
    public static final int INVOKE = 1;
    /** A remote field read. */
    public static final int GET = 2;
    /** The answer to INVOKE/GET, for the innermost suspended frame at the target. */
    public static final int REPLY = 3;
    /** The transaction committed: the private copy becomes state, the lock is released. */
    public static final int COMMIT = 4;
    /** The transaction raised: the copy is dropped, the lock released (stamped: it is in the history). */
    public static final int ABORT = 5;
    /** The transaction died (wait-die): copy dropped, lock released, no stamp; it is re-submitted. */
    public static final int DIE = 6;
    /** A request that failed validation before touching an entity: {@link #payload} is its result line. */
    public static final int DONE = 7;
    /** The end of a bounded Kafka input: {@link #txn} is the number of requests (termination). */
    public static final int END = 8;

    public int kind;
    /** The transaction id: the request's line number in the workload, i.e. its age. */
    public long txn;
    /** The attempt: incremented each time the transaction dies and is re-submitted. */
    public int attempt;
    public String target = "";
    /** The request id, as a JSON value. */
    public String rid = "null";
    /** The workload line (to re-submit after a die). */
    public String line = "";
    /** Method or field name; for REQUEST: "call", "get" or "create". */
    public String name = "";
    /** For REQUEST call: the method name. */
    public String method = "";
    /** Arguments, a reply value or a created state, in the lossless tagged JSON encoding. */
    public String payload = "";
    public String stack = "";
    public String touched = "";
    public long maxStamp;
    /** Frames on the call stack below this step (RecursionError at 1000). */
    public int depth;
    /** Came around the loop (counted in the in-flight counter). */
    public boolean looped;

    public LoopMsg() {}

    LoopMsg copyFor(int kind, String target) {
        LoopMsg m = new LoopMsg();
        m.kind = kind;
        m.txn = txn;
        m.attempt = attempt;
        m.target = target;
        m.rid = rid;
        m.line = line;
        m.touched = touched;
        m.maxStamp = maxStamp;
        return m;
    }

    static String[] split(String joined) {
        return joined.isEmpty() ? new String[0] : joined.split("\u0001", -1);
    }

    static String join(String[] parts, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append('\u0001');
            sb.append(parts[i]);
        }
        return sb.toString();
    }

    static String push(String joined, String item) {
        return joined.isEmpty() ? item : joined + '\u0001' + item;
    }

    // ------------------------------------------------------------------ snapshots of the loop

    static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    void write(DataOutputStream out) throws IOException {
        out.writeInt(kind);
        out.writeLong(txn);
        out.writeInt(attempt);
        for (String s : new String[] {target, rid, line, name, method, payload, stack, touched}) writeString(out, s);
        out.writeLong(maxStamp);
        out.writeInt(depth);
        out.writeBoolean(looped);
    }

    static LoopMsg read(DataInputStream in) throws IOException {
        LoopMsg m = new LoopMsg();
        m.kind = in.readInt();
        m.txn = in.readLong();
        m.attempt = in.readInt();
        m.target = readString(in);
        m.rid = readString(in);
        m.line = readString(in);
        m.name = readString(in);
        m.method = readString(in);
        m.payload = readString(in);
        m.stack = readString(in);
        m.touched = readString(in);
        m.maxStamp = in.readLong();
        m.depth = in.readInt();
        m.looped = in.readBoolean();
        return m;
    }

    /** A list of messages as bytes (the loop head's and tail's checkpointed state). */
    static byte[] encodeAll(List<LoopMsg> msgs) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(msgs.size());
            for (LoopMsg m : msgs) m.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static List<LoopMsg> decodeAll(byte[] data) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            int n = in.readInt();
            List<LoopMsg> msgs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) msgs.add(read(in));
            return msgs;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "LoopMsg{kind=" + kind + ", txn=" + txn + "." + attempt + ", target=" + target + ", name=" + name + "}";
    }
}
