package stent.runtime;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns one workload line into one result line (contract section 3, semantics.md sections 1-4):
 * validation in the documented order, then the request as one transaction over a
 * {@link StateStore}. Engine-agnostic: the Flink operator calls it with its keyed state.
 */
public final class RequestProcessor {
    private final Spec.Program program;
    private final Consumer<String> log;

    public RequestProcessor(Spec.Program program, Consumer<String> log) {
        this.program = program;
        this.log = log;
    }

    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    /** A workload line parsed as a request object with a valid id, or the BadRequest result line. */
    private record Envelope(PyDict request, Object rid, String error) {}

    private static Envelope envelope(String line, long lineNo) {
        String where = "line " + lineNo + ": ";
        Object req;
        try {
            // The oracle parses the line with its newline: error positions must match.
            req = Json.parse(line + "\n");
        } catch (Json.ParseError | NumberFormatException e) {
            return new Envelope(null, null, error(null, "BadRequest", where + "invalid JSON: " + e.getMessage()));
        }
        if (!(req instanceof PyDict d)) {
            return new Envelope(null, null, error(null, "BadRequest", where + "a request must be a JSON object"));
        }
        Object rid = d.get("id");
        if (!(rid instanceof String || rid instanceof Long || rid instanceof BigInteger)) {
            return new Envelope(null, null, error(null, "BadRequest", where + "missing or invalid request id"));
        }
        return new Envelope(d, rid, null);
    }

    /** The result line for workload line {@code lineNo} (1-based), or null for a blank line. */
    public String process(String line, long lineNo, StateStore store) throws Exception {
        if (line.isBlank()) return null;
        Envelope env = envelope(line, lineNo);
        if (env.error != null) return env.error;
        PyDict d = env.request;
        Object rid = env.rid;
        Transaction txn = new Transaction(program, store, log);
        Object result;
        try {
            result = execute(d, txn);
            Json.toJson(result); // the result must be encodable before we commit
        } catch (RuntimeException | StackOverflowError e) {
            String failed = failure(rid, e);
            if (failed == null) throw e;
            return failed;
        }
        txn.commit();
        return resultLine(Json.toJson(ridValue(rid)), result);
    }

    /** The error line for what a request raised; null for what is stent's bug, not the request's. */
    private static String failure(Object rid, Throwable e) {
        if (e instanceof BadRequest) return error(rid, "BadRequest", e.getMessage());
        PyException py = PyException.fromJava(e);
        return py == null ? null : error(rid, py.type, py.getMessage());
    }

    /** A request id as written back: big ints keep their digits. */
    private static Object ridValue(Object rid) {
        return rid instanceof BigInteger b ? b.toString() : rid;
    }

    // ------------------------------------------------------------------ parallel mode

    /**
     * A validated request for an engine that runs the call chain itself (the Flink parallel
     * mode): the checks that need no entity state, in {@link #process}'s order. {@code kind} is
     * "call", "get" or "create"; for a create, {@code created} is the constructed state (the
     * constructor already ran, with no access to other entities) and {@code key} its key.
     */
    public record Prepared(Object rid, String kind, Spec.Entity spec, Object key, String method, PyList args,
            EntityState created) {
        /** The request id as a JSON value. */
        public String ridJson() {
            return Json.toJson(ridValue(rid));
        }
    }

    /**
     * Validates workload line {@code lineNo}: null for a blank line, a result line (String) for a
     * request that fails before it touches an entity, else a {@link Prepared}.
     */
    public Object prepare(String line, long lineNo) throws Exception {
        if (line.isBlank()) return null;
        Envelope env = envelope(line, lineNo);
        if (env.error != null) return env.error;
        PyDict d = env.request;
        Object rid = env.rid;
        try {
            Target t = target(d);
            if (!t.kind.equals("create")) return new Prepared(rid, t.kind, t.spec, t.key, t.method, t.args, null);
            EntityState created = construct(t.spec, t.args, new Transaction(program, NO_REMOTE_STATE, log));
            return new Prepared(rid, t.kind, t.spec, created.key, null, t.args, created);
        } catch (RuntimeException | StackOverflowError e) {
            String failed = failure(rid, e);
            if (failed == null) throw e;
            return failed;
        }
    }

    /** The store of a constructor run outside any engine state: it may not touch other entities. */
    private static final StateStore NO_REMOTE_STATE = new StateStore() {
        @Override
        public String get(String entity, String k) {
            throw PyException.of("NotSupportedError",
                    "a constructor that reads or calls other entities is not supported in parallel mode");
        }

        @Override
        public void put(String entity, String k, String state) {
            throw new IllegalStateException("put");
        }
    };

    /** A request's arguments checked against {@code m}'s parameters (public for engines). */
    public static Object[] conformArgs(Spec.Entity spec, Spec.Method m, String name, PyList args) {
        return typedArgs(spec, m, name, args);
    }

    /** The result line of request {@code ridJson} (a JSON value) with {@code result}. */
    public static String resultLine(String ridJson, Object result) {
        StringBuilder sb = new StringBuilder("{\"id\": ").append(ridJson).append(", \"result\": ");
        Json.write(sb, result);
        return sb.append('}').toString();
    }

    /** The error line of request {@code ridJson} (a JSON value). */
    public static String errorLine(String ridJson, String type, String message) {
        StringBuilder sb = new StringBuilder("{\"id\": ").append(ridJson).append(", \"error\": {\"type\": ");
        Json.quote(sb, type);
        sb.append(", \"message\": ");
        Json.quote(sb, message);
        return sb.append("}}").toString();
    }

    private static String error(Object rid, String type, String message) {
        return errorLine(Json.toJson(rid == null ? Py.NONE : ridValue(rid)), type, message);
    }

    private static boolean validKey(Object k) {
        return k instanceof String || k instanceof Long;
    }

    /** What a request asks of which entity, its shape checked (BadRequest) in the documented order. */
    private record Target(String kind, Spec.Entity spec, Object key, String method, PyList args) {}

    private Target target(PyDict req) {
        List<String> kinds = new ArrayList<>();
        for (String k : new String[] {"create", "call", "get"}) if (req.containsKey(k)) kinds.add(k);
        if (kinds.size() != 1) throw new BadRequest("a request needs exactly one of 'create', 'call', 'get'");
        String kind = kinds.get(0);
        Object typeName = req.get(kind);
        Spec.Entity spec = typeName instanceof String s ? program.entities.get(s) : null;
        if (spec == null) throw new BadRequest("unknown entity type " + PyFormat.repr(jsonToPy(typeName)));
        Object key = null;
        if (!kind.equals("create")) {
            key = req.get("key");
            if (!validKey(key)) throw new BadRequest("'key' must be a string or an integer");
        }
        if (kind.equals("get")) return new Target(kind, spec, key, null, null);
        Object rawArgs = req.containsKey("args") ? req.get("args") : new PyList();
        if (!(rawArgs instanceof PyList)) throw new BadRequest("'args' must be an array");
        PyList args = (PyList) decodeArgs(rawArgs);
        if (kind.equals("create")) return new Target(kind, spec, null, null, args);
        if (!(req.get("method") instanceof String method)) throw new BadRequest("'method' must be a string");
        return new Target(kind, spec, key, method, args);
    }

    private Object execute(PyDict req, Transaction txn) throws Exception {
        Target t = target(req);
        if (t.kind.equals("get")) return txn.require(t.spec.name, t.key).asDict();
        if (t.kind.equals("create")) return create(t.spec, t.args, txn);
        EntityState self = txn.require(t.spec.name, t.key);
        Spec.Method m = t.method.startsWith("__") ? null : t.spec.methods.get(t.method);
        if (m == null) throw PyException.of("AttributeError", t.spec.name + " has no method '" + t.method + "'");
        return txn.run(self, m, typedArgs(t.spec, m, t.method, t.args));
    }

    private Object create(Spec.Entity spec, PyList args, Transaction txn) throws Exception {
        EntityState s = construct(spec, args, txn);
        if (txn.load(spec.name, s.key) != null) throw PyException.exists(spec.name, s.key);
        txn.created(s);
        return s.ref();
    }

    /** Runs the constructor in {@code txn}; the new state, keyed by its validated key. */
    private static EntityState construct(Spec.Entity spec, PyList args, Transaction txn) throws Exception {
        Spec.Method ctor = spec.constructor;
        EntityState s = new EntityState(spec, null, new Object[spec.fields.length]);
        txn.run(s, ctor, typedArgs(spec, ctor, "__init__", args));
        Object key = s.fields[spec.keyField];
        if (!validKey(key)) {
            throw PyException.typeError(spec.name + ".__key__() must return str or int, got " + Py.typeName(key));
        }
        s.key = key;
        return s;
    }

    private static Object[] typedArgs(Spec.Entity spec, Spec.Method m, String name, PyList args) {
        String label = spec.name + "." + name + "()";
        int n = m.params.length, given = args.size();
        if (n != given) {
            throw PyException.typeError(label + " takes " + n + " argument" + (n != 1 ? "s" : "") + " but " + given
                    + (given == 1 ? " was" : " were") + " given");
        }
        Object[] out = new Object[n];
        for (int i = 0; i < n; i++) {
            try {
                out[i] = m.paramTypes[i].conform(args.get(i));
            } catch (PyException e) {
                throw PyException.typeError(label + " argument '" + m.params[i] + "': " + e.getMessage());
            }
        }
        return out;
    }

    /** JSON -> Python value: tagged objects become references / special floats. */
    private Object decodeArgs(Object v) {
        if (v instanceof PyList l) {
            PyList r = new PyList(l.size());
            for (Object o : l) r.add(decodeArgs(o));
            return r;
        }
        if (v instanceof PyDict d) {
            if (d.containsKey("$entity")) {
                Object type = d.get("$entity"), key = d.get("key");
                if (d.size() != 2 || !d.containsKey("key") || !(type instanceof String t) || !program.entities.containsKey(t)) {
                    throw new BadRequest("bad entity reference " + PyFormat.repr(jsonToPy(d)));
                }
                if (!validKey(key)) {
                    throw new BadRequest("entity key must be a string or an integer, got " + PyFormat.repr(jsonToPy(key)));
                }
                return new EntityRef(t, key);
            }
            if (d.containsKey("$float") && d.size() == 1) {
                Object name = d.get("$float");
                if ("NaN".equals(name)) return Double.NaN;
                if ("Infinity".equals(name)) return Double.POSITIVE_INFINITY;
                if ("-Infinity".equals(name)) return Double.NEGATIVE_INFINITY;
                throw new BadRequest("bad $float value " + PyFormat.repr(jsonToPy(name)));
            }
            PyDict r = new PyDict();
            for (Map.Entry<Object, Object> e : d.entrySet()) r.put(e.getKey(), decodeArgs(e.getValue()));
            return r;
        }
        if (v instanceof BigInteger b) throw new BadRequest("integer " + b + " is outside the int64 range");
        return v;
    }

    private static Object jsonToPy(Object v) {
        return v instanceof BigInteger b ? b.toString() : v;
    }

    // ------------------------------------------------------------------ state dump

    /** One stored entity, as handed to {@link #stateDump}. */
    public record Stored(String entity, String key, String state) {}

    /** The state dump (semantics.md section 7): sorted by type, then key (ints before strs). */
    public String stateDump(List<Stored> entries) {
        List<Object[]> rows = new ArrayList<>();
        for (Stored e : entries) {
            Spec.Entity spec = program.entities.get(e.entity());
            Object key = Json.readTagged(Json.parse(e.key()));
            rows.add(new Object[] {e.entity(), key, EntityState.decode(spec, key, e.state())});
        }
        rows.sort(Comparator.<Object[], String>comparing(r -> (String) r[0]).thenComparing((a, b) -> {
            Object x = a[1], y = b[1];
            if (x instanceof Long p && y instanceof Long q) return Long.compare(p, q);
            if (x instanceof String p && y instanceof String q) return p.compareTo(q);
            return x instanceof Long ? -1 : 1;
        }));
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < rows.size(); i++) {
            Object[] r = rows.get(i);
            if (i > 0) sb.append(", ");
            sb.append("{\"entity\": ");
            Json.quote(sb, (String) r[0]);
            sb.append(", \"key\": ");
            Json.write(sb, r[1]);
            sb.append(", \"state\": ");
            Json.write(sb, ((EntityState) r[2]).asDict());
            sb.append('}');
        }
        return sb.append(']').toString();
    }
}
