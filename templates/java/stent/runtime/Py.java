package stent.runtime;

import java.util.Map;

/**
 * Python value semantics over plain Java objects: {@code Long} (int64), {@code Double},
 * {@code Boolean}, {@code String}, {@link PyNone}, {@link PyList}, {@link PyTuple}, {@link PyDict}
 * and {@link EntityRef}. Integer arithmetic is exact: leaving int64 raises
 * {@code OverflowError("int64 overflow")}.
 */
public final class Py {
    public static final PyNone NONE = PyNone.NONE;

    private Py() {}

    // ------------------------------------------------------------------ type tests

    public static boolean isInt(Object o) {
        return o instanceof Long || o instanceof Boolean;
    }

    public static boolean isNumber(Object o) {
        return o instanceof Long || o instanceof Double || o instanceof Boolean;
    }

    public static long asLong(Object o) {
        if (o instanceof Long l) return l;
        if (o instanceof Boolean b) return b ? 1L : 0L;
        throw PyException.typeError("'" + typeName(o) + "' object cannot be interpreted as an integer");
    }

    public static double asDouble(Object o) {
        if (o instanceof Double d) return d;
        if (o instanceof Long l) return l.doubleValue();
        if (o instanceof Boolean b) return b ? 1.0 : 0.0;
        throw PyException.typeError("must be real number, not " + typeName(o));
    }

    public static String typeName(Object o) {
        if (o instanceof Boolean) return "bool";
        if (o instanceof Long) return "int";
        if (o instanceof Double) return "float";
        if (o instanceof String) return "str";
        if (o instanceof PyList) return "list";
        if (o instanceof PyDict) return "dict";
        if (o instanceof PyTuple) return "tuple";
        if (o instanceof EntityRef r) return r.type();
        if (o == NONE) return "NoneType";
        return o == null ? "<unbound>" : o.getClass().getSimpleName();
    }

    /** Reads a Python local slot; an unassigned local raises UnboundLocalError. */
    public static Object local(Object value, String name) {
        if (value == null) {
            throw new PyException(
                    "UnboundLocalError",
                    "cannot access local variable '" + name + "' where it is not associated with a value");
        }
        return value;
    }

    /** Evaluates an expression statement. */
    public static void discard(Object ignored) {}

    // ------------------------------------------------------------------ truthiness / equality

    public static boolean truthy(Object o) {
        if (o instanceof Boolean b) return b;
        if (o instanceof Long l) return l != 0L;
        if (o instanceof Double d) return d != 0.0;
        if (o instanceof String s) return !s.isEmpty();
        if (o instanceof PyList l) return !l.isEmpty();
        if (o instanceof PyDict d) return !d.isEmpty();
        if (o instanceof PyTuple t) return t.items.length != 0;
        return o != NONE;
    }

    public static boolean eq(Object a, Object b) {
        if (a == b) return true;
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return asDouble(a) == asDouble(b);
            return asLong(a) == asLong(b);
        }
        if (a instanceof PyList x && b instanceof PyList y) {
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!eq(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof PyTuple x && b instanceof PyTuple y) {
            if (x.items.length != y.items.length) return false;
            for (int i = 0; i < x.items.length; i++) if (!eq(x.items[i], y.items[i])) return false;
            return true;
        }
        if (a instanceof PyDict x && b instanceof PyDict y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<Object, Object> e : x.entrySet()) {
                Object k = dictKey(e.getKey());
                if (!y.containsKey(k) || !eq(e.getValue(), y.get(k))) return false;
            }
            return true;
        }
        return a != null && a.equals(b);
    }

    /** Normalises a dict key so that {@code True}/{@code 1} and {@code 1.0}/{@code 1} collide. */
    public static Object dictKey(Object k) {
        if (k instanceof Boolean b) return b ? 1L : 0L;
        if (k instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 9.2e18) {
            return (long) (double) d;
        }
        if (k instanceof PyList || k instanceof PyDict) {
            throw PyException.typeError("unhashable type: '" + typeName(k) + "'");
        }
        return k;
    }

    // ------------------------------------------------------------------ ordering

    public static int compare(Object a, Object b, String op) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return Double.compare(asDouble(a), asDouble(b)) == 0 ? 0 : (asDouble(a) < asDouble(b) ? -1 : 1);
            }
            return Long.compare(asLong(a), asLong(b));
        }
        if (a instanceof String x && b instanceof String y) return Integer.signum(x.compareTo(y));
        if (a instanceof PyList x && b instanceof PyList y) return compareSeq(x.toArray(), y.toArray(), op);
        if (a instanceof PyTuple x && b instanceof PyTuple y) return compareSeq(x.items, y.items, op);
        throw PyException.typeError("'" + op + "' not supported between instances of '" + typeName(a)
                + "' and '" + typeName(b) + "'");
    }

    private static int compareSeq(Object[] x, Object[] y, String op) {
        int n = Math.min(x.length, y.length);
        for (int i = 0; i < n; i++) {
            if (!eq(x[i], y[i])) return compare(x[i], y[i], op);
        }
        return Integer.compare(x.length, y.length);
    }

    private static boolean nanInvolved(Object a, Object b) {
        return (a instanceof Double d && d.isNaN()) || (b instanceof Double e && e.isNaN());
    }

    public static boolean lt(Object a, Object b) {
        return !nanInvolved(a, b) && compare(a, b, "<") < 0;
    }

    public static boolean le(Object a, Object b) {
        return !nanInvolved(a, b) && compare(a, b, "<=") <= 0;
    }

    public static boolean gt(Object a, Object b) {
        return !nanInvolved(a, b) && compare(a, b, ">") > 0;
    }

    public static boolean ge(Object a, Object b) {
        return !nanInvolved(a, b) && compare(a, b, ">=") >= 0;
    }

    public static boolean is(Object a, Object b) {
        if (a == b) return true;
        if (a instanceof Boolean || a instanceof Long || a instanceof String || a instanceof EntityRef) {
            return a.equals(b);
        }
        return false;
    }

    public static boolean contains(Object container, Object item) {
        if (container instanceof String s) {
            if (!(item instanceof String t)) {
                throw PyException.typeError("'in <string>' requires string as left operand, not " + typeName(item));
            }
            return s.contains(t);
        }
        if (container instanceof PyList l) {
            for (Object o : l) if (eq(o, item)) return true;
            return false;
        }
        if (container instanceof PyTuple t) {
            for (Object o : t.items) if (eq(o, item)) return true;
            return false;
        }
        if (container instanceof PyDict d) return d.containsKey(dictKey(item));
        throw PyException.typeError("argument of type '" + typeName(container) + "' is not iterable");
    }

    // ------------------------------------------------------------------ arithmetic

    private static PyException unsupported(String op, Object a, Object b) {
        return PyException.typeError("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    public static Object add(Object a, Object b) {
        if (isInt(a) && isInt(b)) {
            try {
                return Math.addExact(asLong(a), asLong(b));
            } catch (ArithmeticException e) {
                throw PyException.overflow();
            }
        }
        if (isNumber(a) && isNumber(b)) return asDouble(a) + asDouble(b);
        if (a instanceof String x && b instanceof String y) return x + y;
        if (a instanceof PyList x && b instanceof PyList y) {
            PyList r = new PyList(x);
            r.addAll(y);
            return r;
        }
        if (a instanceof PyTuple x && b instanceof PyTuple y) {
            Object[] r = new Object[x.items.length + y.items.length];
            System.arraycopy(x.items, 0, r, 0, x.items.length);
            System.arraycopy(y.items, 0, r, x.items.length, y.items.length);
            return new PyTuple(r);
        }
        if (a instanceof String && !(b instanceof String)) {
            throw PyException.typeError("can only concatenate str (not \"" + typeName(b) + "\") to str");
        }
        if (a instanceof PyList && !(b instanceof PyList)) {
            throw PyException.typeError("can only concatenate list (not \"" + typeName(b) + "\") to list");
        }
        throw unsupported("+", a, b);
    }

    public static Object sub(Object a, Object b) {
        if (isInt(a) && isInt(b)) {
            try {
                return Math.subtractExact(asLong(a), asLong(b));
            } catch (ArithmeticException e) {
                throw PyException.overflow();
            }
        }
        if (isNumber(a) && isNumber(b)) return asDouble(a) - asDouble(b);
        throw unsupported("-", a, b);
    }

    public static Object mul(Object a, Object b) {
        if (isInt(a) && isInt(b)) {
            try {
                return Math.multiplyExact(asLong(a), asLong(b));
            } catch (ArithmeticException e) {
                throw PyException.overflow();
            }
        }
        if (isNumber(a) && isNumber(b)) return asDouble(a) * asDouble(b);
        if (isInt(b) && (a instanceof String || a instanceof PyList || a instanceof PyTuple)) return repeat(a, asLong(b));
        if (isInt(a) && (b instanceof String || b instanceof PyList || b instanceof PyTuple)) return repeat(b, asLong(a));
        throw unsupported("*", a, b);
    }

    private static Object repeat(Object seq, long n) {
        int times = (int) Math.max(0, Math.min(n, Integer.MAX_VALUE));
        if (seq instanceof String s) return s.repeat(times);
        if (seq instanceof PyList l) {
            PyList r = new PyList();
            for (int i = 0; i < times; i++) r.addAll(l);
            return r;
        }
        PyTuple t = (PyTuple) seq;
        PyList r = new PyList();
        for (int i = 0; i < times; i++) r.addAll(java.util.Arrays.asList(t.items));
        return PyTuple.fromList(r);
    }

    public static Object truediv(Object a, Object b) {
        if (!isNumber(a) || !isNumber(b)) throw unsupported("/", a, b);
        double y = asDouble(b);
        if (y == 0.0) {
            throw PyException.zeroDivision(isInt(a) && isInt(b) ? "division by zero" : "float division by zero");
        }
        return asDouble(a) / y;
    }

    public static Object floordiv(Object a, Object b) {
        if (isInt(a) && isInt(b)) {
            long x = asLong(a), y = asLong(b);
            if (y == 0) throw PyException.zeroDivision("integer division or modulo by zero");
            if (x == Long.MIN_VALUE && y == -1) throw PyException.overflow();
            return Math.floorDiv(x, y);
        }
        if (isNumber(a) && isNumber(b)) {
            double x = asDouble(a), y = asDouble(b);
            if (y == 0.0) throw PyException.zeroDivision("float floor division by zero");
            return floatDivmod(x, y)[0];
        }
        throw unsupported("//", a, b);
    }

    public static Object mod(Object a, Object b) {
        if (isInt(a) && isInt(b)) {
            long x = asLong(a), y = asLong(b);
            if (y == 0) throw PyException.zeroDivision("integer modulo by zero");
            return Math.floorMod(x, y);
        }
        if (isNumber(a) && isNumber(b)) {
            double x = asDouble(a), y = asDouble(b);
            if (y == 0.0) throw PyException.zeroDivision("float modulo");
            return floatDivmod(x, y)[1];
        }
        if (a instanceof String) throw PyException.typeError("printf-style formatting is not supported");
        throw unsupported("%", a, b);
    }

    /** CPython's float_divmod. */
    public static double[] floatDivmod(double vx, double wx) {
        double mod = vx % wx;
        double div = (vx - mod) / wx;
        if (mod != 0.0) {
            if ((wx < 0) != (mod < 0)) {
                mod += wx;
                div -= 1.0;
            }
        } else {
            mod = Math.copySign(0.0, wx);
        }
        double floordiv;
        if (div != 0.0) {
            floordiv = Math.floor(div);
            if (div - floordiv > 0.5) floordiv += 1.0;
        } else {
            floordiv = Math.copySign(0.0, vx / wx);
        }
        return new double[] {floordiv, mod};
    }

    public static Object pow(Object a, Object b) {
        if (isInt(a) && isInt(b)) {
            long base = asLong(a), exp = asLong(b);
            if (exp < 0) {
                if (base == 0) throw PyException.zeroDivision("0.0 cannot be raised to a negative power");
                return Math.pow(base, exp);
            }
            long result = 1;
            try {
                while (exp > 0) {
                    if ((exp & 1) == 1) result = Math.multiplyExact(result, base);
                    exp >>= 1;
                    if (exp > 0) base = Math.multiplyExact(base, base);
                }
            } catch (ArithmeticException e) {
                throw PyException.overflow();
            }
            return result;
        }
        if (isNumber(a) && isNumber(b)) {
            double x = asDouble(a), y = asDouble(b);
            if (x == 0.0 && y < 0) throw PyException.zeroDivision("0.0 cannot be raised to a negative power");
            if (x < 0 && y != Math.rint(y) && !Double.isInfinite(y)) {
                throw PyException.valueError("math domain error");
            }
            double r = Math.pow(x, y);
            if (Double.isInfinite(r) && !Double.isInfinite(x) && !Double.isInfinite(y)) {
                throw PyException.of("OverflowError", "(34, 'Numerical result out of range')");
            }
            return r;
        }
        throw unsupported("** or pow()", a, b);
    }

    public static Object bitAnd(Object a, Object b) {
        if (a instanceof Boolean x && b instanceof Boolean y) return x & y;
        if (isInt(a) && isInt(b)) return asLong(a) & asLong(b);
        throw unsupported("&", a, b);
    }

    public static Object bitOr(Object a, Object b) {
        if (a instanceof Boolean x && b instanceof Boolean y) return x | y;
        if (isInt(a) && isInt(b)) return asLong(a) | asLong(b);
        if (a instanceof PyDict x && b instanceof PyDict y) {
            PyDict r = new PyDict(x);
            r.putAll(y);
            return r;
        }
        throw unsupported("|", a, b);
    }

    public static Object bitXor(Object a, Object b) {
        if (a instanceof Boolean x && b instanceof Boolean y) return x ^ y;
        if (isInt(a) && isInt(b)) return asLong(a) ^ asLong(b);
        throw unsupported("^", a, b);
    }

    public static Object lshift(Object a, Object b) {
        if (!isInt(a) || !isInt(b)) throw unsupported("<<", a, b);
        long x = asLong(a), n = asLong(b);
        if (n < 0) throw PyException.valueError("negative shift count");
        if (x == 0) return 0L;
        if (n >= 63 || ((x << n) >> n) != x) throw PyException.overflow();
        return x << n;
    }

    public static Object rshift(Object a, Object b) {
        if (!isInt(a) || !isInt(b)) throw unsupported(">>", a, b);
        long x = asLong(a), n = asLong(b);
        if (n < 0) throw PyException.valueError("negative shift count");
        return x >> Math.min(n, 63);
    }

    public static Object neg(Object a) {
        if (isInt(a)) {
            long x = asLong(a);
            if (x == Long.MIN_VALUE) throw PyException.overflow();
            return -x;
        }
        if (a instanceof Double d) return -d;
        throw PyException.typeError("bad operand type for unary -: '" + typeName(a) + "'");
    }

    public static Object pos(Object a) {
        if (isInt(a)) return asLong(a);
        if (a instanceof Double) return a;
        throw PyException.typeError("bad operand type for unary +: '" + typeName(a) + "'");
    }

    public static Object invert(Object a) {
        if (isInt(a)) return ~asLong(a);
        throw PyException.typeError("bad operand type for unary ~: '" + typeName(a) + "'");
    }

    public static Object not(Object a) {
        return !truthy(a);
    }

    /** Python's in-place operators: {@code +=} on a list extends it (aliases observe it). */
    public static Object inplace(String op, Object a, Object b) {
        if (a instanceof PyList l && op.equals("+")) {
            l.addAll(Seq.toList(b));
            return l;
        }
        if (a instanceof PyList l && op.equals("*") && isInt(b)) {
            PyList copy = new PyList(l);
            l.clear();
            for (long i = 0; i < asLong(b); i++) l.addAll(copy);
            return l;
        }
        if (a instanceof PyDict d && op.equals("|") && b instanceof PyDict e) {
            d.putAll(e);
            return d;
        }
        return binary(op, a, b);
    }

    public static Object binary(String op, Object a, Object b) {
        return switch (op) {
            case "+" -> add(a, b);
            case "-" -> sub(a, b);
            case "*" -> mul(a, b);
            case "/" -> truediv(a, b);
            case "//" -> floordiv(a, b);
            case "%" -> mod(a, b);
            case "**" -> pow(a, b);
            case "&" -> bitAnd(a, b);
            case "|" -> bitOr(a, b);
            case "^" -> bitXor(a, b);
            case "<<" -> lshift(a, b);
            case ">>" -> rshift(a, b);
            default -> throw new IllegalArgumentException(op);
        };
    }

    // ------------------------------------------------------------------ copies

    /** A copy as if the value crossed a network: containers copied, references kept. */
    public static Object deepCopy(Object v) {
        if (v instanceof PyList l) {
            PyList r = new PyList(l.size());
            for (Object o : l) r.add(deepCopy(o));
            return r;
        }
        if (v instanceof PyDict d) {
            PyDict r = new PyDict();
            for (Map.Entry<Object, Object> e : d.entrySet()) r.put(e.getKey(), deepCopy(e.getValue()));
            return r;
        }
        if (v instanceof PyTuple t) {
            Object[] r = new Object[t.items.length];
            for (int i = 0; i < r.length; i++) r[i] = deepCopy(t.items[i]);
            return new PyTuple(r);
        }
        return v;
    }

    /** {@code a, b = value}. */
    public static Object[] unpack(Object value, int n) {
        java.util.List<Object> items = Seq.toList(value);
        if (items.size() < n) {
            throw PyException.valueError("not enough values to unpack (expected " + n + ", got " + items.size() + ")");
        }
        if (items.size() > n) throw PyException.valueError("too many values to unpack (expected " + n + ")");
        return items.toArray();
    }

    // ------------------------------------------------------------------ compiled-code helpers

    /** One comparison of a (possibly chained) comparison expression. */
    public static boolean cmp(String op, Object a, Object b) {
        return switch (op) {
            case "==" -> eq(a, b);
            case "!=" -> !eq(a, b);
            case "<" -> lt(a, b);
            case "<=" -> le(a, b);
            case ">" -> gt(a, b);
            case ">=" -> ge(a, b);
            case "in" -> contains(b, a);
            case "not in" -> !contains(b, a);
            case "is" -> is(a, b);
            case "is not" -> !is(a, b);
            default -> throw new IllegalArgumentException(op);
        };
    }

    /** {@code a < b <= c}: each operand evaluated at most once, left to right, short-circuit. */
    @SafeVarargs
    public static Object chain(String[] ops, java.util.function.Supplier<Object>... operands) {
        Object left = operands[0].get();
        for (int i = 0; i < ops.length; i++) {
            Object right = operands[i + 1].get();
            if (!cmp(ops[i], left, right)) return Boolean.FALSE;
            left = right;
        }
        return Boolean.TRUE;
    }

    /** {@code a and b and c}: the first falsy operand, or the last. */
    @SafeVarargs
    public static Object and(java.util.function.Supplier<Object>... operands) {
        Object v = NONE;
        for (java.util.function.Supplier<Object> o : operands) {
            v = o.get();
            if (!truthy(v)) return v;
        }
        return v;
    }

    /** {@code a or b or c}: the first truthy operand, or the last. */
    @SafeVarargs
    public static Object or(java.util.function.Supplier<Object>... operands) {
        Object v = NONE;
        for (java.util.function.Supplier<Object> o : operands) {
            v = o.get();
            if (truthy(v)) return v;
        }
        return v;
    }

    /** A dict display {@code {k1: v1, k2: v2}}: alternating keys and values. */
    public static PyDict dict(Object... kv) {
        PyDict d = new PyDict();
        for (int i = 0; i < kv.length; i += 2) d.put(dictKey(kv[i]), kv[i + 1]);
        return d;
    }
}
