package stent.runtime;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One request's execution: runs the call chain to completion over an explicit stack of
 * continuation frames, reading entities from a {@link StateStore} into private copies. Nothing
 * reaches the store until {@link #commit()}: an exception that leaves the top-level call simply
 * discards the copies, which is the full cross-entity rollback the contract asks for.
 */
public final class Transaction {
    /** CPython's default recursion limit. */
    static final int MAX_DEPTH = 1000;

    private final Spec.Program program;
    private final StateStore store;
    private final Consumer<String> log;
    private final Map<String, EntityState> touched = new LinkedHashMap<>();
    private final Map<String, String> loaded = new LinkedHashMap<>();

    public Transaction(Spec.Program program, StateStore store, Consumer<String> log) {
        this.program = program;
        this.store = store;
        this.log = log;
    }

    public static String encodeKey(Object key) {
        StringBuilder sb = new StringBuilder();
        Json.writeTagged(sb, key);
        return sb.toString();
    }

    private static String id(String entity, String encodedKey) {
        return entity + '\u0000' + encodedKey;
    }

    /** The entity as this transaction sees it, or null when it does not exist. */
    public EntityState load(String entity, Object key) throws Exception {
        Spec.Entity spec = program.entities.get(entity);
        if (spec == null) return null;
        String k = encodeKey(key);
        String id = id(entity, k);
        EntityState s = touched.get(id);
        if (s != null) return s;
        String enc = store.get(entity, k);
        if (enc == null) return null;
        s = EntityState.decode(spec, key, enc);
        touched.put(id, s);
        loaded.put(id, enc);
        return s;
    }

    public EntityState require(String entity, Object key) throws Exception {
        EntityState s = load(entity, key);
        if (s == null) throw PyException.notFound(entity, key);
        return s;
    }

    /** Registers an entity created by this transaction (its key already checked as free). */
    public void created(EntityState s) {
        touched.put(id(s.spec.name, encodeKey(s.key)), s);
    }

    /** Writes every entity whose state changed. */
    public void commit() throws Exception {
        for (Map.Entry<String, EntityState> e : touched.entrySet()) {
            EntityState s = e.getValue();
            String enc = s.encode();
            if (!enc.equals(loaded.get(e.getKey()))) store.put(s.spec.name, encodeKey(s.key), enc);
        }
    }

    public void print(String line) {
        log.accept(line);
    }

    /** Runs {@code method} on {@code self} and every call it makes; returns its result. */
    public Object run(EntityState self, Spec.Method method, Object[] args) throws Exception {
        ArrayDeque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(self, method, args, false));
        Frame.CURRENT_TXN.set(this);
        try {
            while (true) {
                Frame f = stack.peek();
                Step step = f.method.body.run(f);
                switch (step.kind) {
                    case RETURN -> {
                        stack.pop();
                        Object v = f.remote ? Py.deepCopy(step.value) : step.value;
                        if (stack.isEmpty()) return v;
                        Frame caller = stack.peek();
                        caller.slots[caller.resultSlot] = v;
                    }
                    case CALL -> {
                        if (stack.size() >= MAX_DEPTH) {
                            throw PyException.of("RecursionError", "maximum recursion depth exceeded");
                        }
                        if (step.target == null) {
                            Spec.Method m = f.self.spec.methods.get(step.name);
                            stack.push(new Frame(f.self, m, step.args, false));
                        } else {
                            EntityState callee = resolve(step.target, step.name);
                            Spec.Method m = callee.spec.methods.get(step.name);
                            if (m == null || step.name.startsWith("__")) {
                                throw PyException.of("AttributeError",
                                        "'" + callee.spec.name + "' object has no attribute '" + step.name + "'");
                            }
                            if (m.params.length != step.args.length) {
                                throw PyException.typeError(callee.spec.name + "." + m.name + "() takes "
                                        + m.params.length + " positional arguments but " + step.args.length + " were given");
                            }
                            Object[] copied = new Object[step.args.length];
                            for (int i = 0; i < copied.length; i++) copied[i] = Py.deepCopy(step.args[i]);
                            stack.push(new Frame(callee, m, copied, true));
                        }
                    }
                    case GET -> {
                        EntityState other = resolve(step.target, step.name);
                        int idx = java.util.Arrays.asList(other.spec.fields).indexOf(step.name);
                        if (idx < 0) {
                            throw PyException.of("AttributeError",
                                    "'" + other.spec.name + "' object has no attribute '" + step.name + "'");
                        }
                        f.slots[f.resultSlot] = Py.deepCopy(other.get(idx));
                    }
                }
            }
        } finally {
            Frame.CURRENT_TXN.remove();
        }
    }

    private EntityState resolve(Object target, String attr) throws Exception {
        if (!(target instanceof EntityRef ref)) {
            throw PyException.of("AttributeError", "'" + Py.typeName(target) + "' object has no attribute '" + attr + "'");
        }
        return require(ref.type(), ref.key());
    }
}
