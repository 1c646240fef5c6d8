package stent.runtime;

/** A static type from the IR, used to check and convert request arguments (semantics.md section 4). */
public final class PyType {
    public enum Kind { INT, FLOAT, BOOL, STR, NONE, ANY, LIST, DICT, TUPLE, OPTIONAL, ENTITY }

    public static final PyType INT = new PyType(Kind.INT, null, null);
    public static final PyType FLOAT = new PyType(Kind.FLOAT, null, null);
    public static final PyType BOOL = new PyType(Kind.BOOL, null, null);
    public static final PyType STR = new PyType(Kind.STR, null, null);
    public static final PyType NONE = new PyType(Kind.NONE, null, null);
    public static final PyType ANY = new PyType(Kind.ANY, null, null);

    public final Kind kind;
    public final PyType[] args;
    public final String entity;

    private PyType(Kind kind, PyType[] args, String entity) {
        this.kind = kind;
        this.args = args;
        this.entity = entity;
    }

    public static PyType list(PyType element) {
        return new PyType(Kind.LIST, new PyType[] {element}, null);
    }

    public static PyType dict(PyType key, PyType value) {
        return new PyType(Kind.DICT, new PyType[] {key, value}, null);
    }

    public static PyType tuple(PyType... elements) {
        return new PyType(Kind.TUPLE, elements, null);
    }

    public static PyType optional(PyType inner) {
        return new PyType(Kind.OPTIONAL, new PyType[] {inner}, null);
    }

    public static PyType entity(String name) {
        return new PyType(Kind.ENTITY, null, name);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case INT -> "int";
            case FLOAT -> "float";
            case BOOL -> "bool";
            case STR -> "str";
            case NONE -> "None";
            case ANY -> "Any";
            case LIST -> "list[" + args[0] + "]";
            case DICT -> "dict[" + args[0] + ", " + args[1] + "]";
            case TUPLE -> {
                StringBuilder sb = new StringBuilder("tuple[");
                for (int i = 0; i < args.length; i++) sb.append(i > 0 ? ", " : "").append(args[i]);
                yield sb.append(']').toString();
            }
            case OPTIONAL -> "Optional[" + args[0] + "]";
            case ENTITY -> entity;
        };
    }

    /** How the oracle names an annotation in messages: {@code list}, not {@code list[int]}. */
    String hintName() {
        return switch (kind) {
            case LIST -> "list";
            case DICT -> "dict";
            case TUPLE -> "tuple";
            default -> toString();
        };
    }

    private static final class Mismatch extends RuntimeException {
        Mismatch() {
            super(null, null, false, false);
        }
    }

    /** Checks a decoded request argument, converting where JSON is less precise than Python. */
    public Object conform(Object v) {
        try {
            return go(v);
        } catch (Mismatch m) {
            throw PyException.typeError("expected " + hintName() + ", got " + Py.typeName(v));
        }
    }

    private Object go(Object v) {
        switch (kind) {
            case ANY:
                return v;
            case NONE:
                if (v == Py.NONE) return v;
                throw new Mismatch();
            case INT:
                if (v instanceof Long) return v;
                throw new Mismatch();
            case FLOAT:
                if (v instanceof Long l) return l.doubleValue();
                if (v instanceof Double) return v;
                throw new Mismatch();
            case BOOL:
                if (v instanceof Boolean) return v;
                throw new Mismatch();
            case STR:
                if (v instanceof String) return v;
                throw new Mismatch();
            case ENTITY:
                if (v instanceof EntityRef r && r.type().equals(entity)) return v;
                throw new Mismatch();
            case OPTIONAL:
                return v == Py.NONE ? v : args[0].go(v);
            case LIST: {
                if (!(v instanceof PyList l)) throw new Mismatch();
                PyList r = new PyList(l.size());
                for (Object o : l) r.add(args[0].go(o));
                return r;
            }
            case TUPLE: {
                java.util.List<Object> items;
                if (v instanceof PyList l) items = l;
                else if (v instanceof PyTuple t) items = java.util.Arrays.asList(t.items);
                else throw new Mismatch();
                if (args.length == 0) return PyTuple.fromList(items);
                if (args.length != items.size()) throw new Mismatch();
                Object[] r = new Object[args.length];
                for (int i = 0; i < r.length; i++) r[i] = args[i].go(items.get(i));
                return new PyTuple(r);
            }
            case DICT: {
                if (!(v instanceof PyDict d)) throw new Mismatch();
                PyDict r = new PyDict();
                for (java.util.Map.Entry<Object, Object> e : d.entrySet()) {
                    Object k = e.getKey();
                    if (args[0].kind == Kind.INT) {
                        if (!(k instanceof String s) || !s.matches("-?(0|[1-9][0-9]*)")) throw new Mismatch();
                        try {
                            k = Long.parseLong(s);
                        } catch (NumberFormatException x) {
                            throw new Mismatch();
                        }
                    }
                    r.put(k, args[1].go(e.getValue()));
                }
                return r;
            }
            default:
                throw new Mismatch();
        }
    }
}
