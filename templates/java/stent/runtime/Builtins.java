package stent.runtime;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/** Python builtin functions. Every function takes its positional arguments as varargs. */
public final class Builtins {
    private Builtins() {}

    private static void arity(String name, Object[] a, int min, int max) {
        if (a.length < min || a.length > max) {
            throw PyException.typeError(name + "() takes " + (min == max ? "exactly " + min : "from " + min + " to " + max)
                    + " arguments (" + a.length + " given)");
        }
    }

    public static Object len(Object... a) {
        arity("len", a, 1, 1);
        return (long) Seq.len(a[0]);
    }

    public static Object abs(Object... a) {
        arity("abs", a, 1, 1);
        Object x = a[0];
        if (x instanceof Double d) return Math.abs(d);
        long l = Py.asLong(x);
        if (l == Long.MIN_VALUE) throw PyException.overflow();
        return Math.abs(l);
    }

    private static Object extreme(String name, Object[] a, boolean max) {
        if (a.length == 0) throw PyException.typeError(name + " expected at least 1 argument, got 0");
        List<Object> items = a.length == 1 ? Seq.toList(a[0]) : List.of(a);
        if (items.isEmpty()) throw PyException.valueError(name + "() arg is an empty sequence");
        Object best = items.get(0);
        for (int i = 1; i < items.size(); i++) {
            Object x = items.get(i);
            if (max ? Py.gt(x, best) : Py.lt(x, best)) best = x;
        }
        return best;
    }

    public static Object min(Object... a) {
        return extreme("min", a, false);
    }

    public static Object max(Object... a) {
        return extreme("max", a, true);
    }

    public static Object sum(Object... a) {
        arity("sum", a, 1, 2);
        Object acc = a.length > 1 ? a[1] : (Object) 0L;
        for (Object x : Seq.toList(a[0])) acc = Py.add(acc, x);
        return acc;
    }

    static List<Object> sortedList(List<Object> items, boolean reverse) {
        List<Object> r = new ArrayList<>(items);
        if (reverse) {
            // A stable sort on the reversed order keeps equal items in input order, as Python does.
            r.sort((x, y) -> Py.lt(y, x) ? -1 : Py.lt(x, y) ? 1 : 0);
            return r;
        }
        r.sort((x, y) -> Py.lt(x, y) ? -1 : Py.lt(y, x) ? 1 : 0);
        return r;
    }

    public static Object sorted(Object... a) {
        arity("sorted", a, 1, 2);
        return new PyList(sortedList(Seq.toList(a[0]), a.length > 1 && Py.truthy(a[1])));
    }

    public static Object str(Object... a) {
        arity("str", a, 0, 1);
        return a.length == 0 ? "" : PyFormat.str(a[0]);
    }

    public static Object repr(Object... a) {
        arity("repr", a, 1, 1);
        return PyFormat.repr(a[0]);
    }

    public static Object int_(Object... a) {
        arity("int", a, 0, 2);
        if (a.length == 0) return 0L;
        Object x = a[0];
        if (x instanceof Double d) {
            if (d.isNaN()) throw PyException.valueError("cannot convert float NaN to integer");
            if (d.isInfinite()) throw PyException.of("OverflowError", "cannot convert float infinity to integer");
            if (Math.abs(d) >= 9.223372036854775807E18) throw PyException.overflow();
            return (long) (double) d;
        }
        if (x instanceof String s) {
            int base = a.length > 1 ? (int) Py.asLong(a[1]) : 10;
            String t = s.strip().replace("_", "");
            try {
                if (t.startsWith("+")) t = t.substring(1);
                return Long.parseLong(t, base);
            } catch (NumberFormatException e) {
                if (t.matches("[+-]?[0-9]+")) throw PyException.overflow();
                throw PyException.valueError("invalid literal for int() with base " + base + ": " + PyFormat.repr(s));
            }
        }
        if (Py.isInt(x)) return Py.asLong(x);
        throw PyException.typeError("int() argument must be a string, a bytes-like object or a real number, not '"
                + Py.typeName(x) + "'");
    }

    public static Object float_(Object... a) {
        arity("float", a, 0, 1);
        if (a.length == 0) return 0.0;
        Object x = a[0];
        if (x instanceof String s) {
            String t = s.strip().toLowerCase().replace("_", "");
            switch (t) {
                case "inf", "+inf", "infinity", "+infinity": return Double.POSITIVE_INFINITY;
                case "-inf", "-infinity": return Double.NEGATIVE_INFINITY;
                case "nan", "+nan", "-nan": return Double.NaN;
                default:
            }
            if (!t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?")) {
                throw PyException.valueError("could not convert string to float: " + PyFormat.repr(s));
            }
            return Double.parseDouble(t);
        }
        if (Py.isNumber(x)) return Py.asDouble(x);
        throw PyException.typeError("float() argument must be a string or a real number, not '" + Py.typeName(x) + "'");
    }

    public static Object bool_(Object... a) {
        arity("bool", a, 0, 1);
        return a.length > 0 && Py.truthy(a[0]);
    }

    public static Object range(Object... a) {
        arity("range", a, 1, 3);
        if (a.length == 1) return Seq.range(0, Py.asLong(a[0]), 1);
        return Seq.range(Py.asLong(a[0]), Py.asLong(a[1]), a.length > 2 ? Py.asLong(a[2]) : 1);
    }

    public static Object list(Object... a) {
        arity("list", a, 0, 1);
        return a.length == 0 ? new PyList() : new PyList(Seq.toList(a[0]));
    }

    public static Object tuple(Object... a) {
        arity("tuple", a, 0, 1);
        return a.length == 0 ? new PyTuple() : PyTuple.fromList(Seq.toList(a[0]));
    }

    public static Object dict(Object... a) {
        arity("dict", a, 0, 1);
        PyDict d = new PyDict();
        if (a.length == 1) Methods.dict(d, "update", a);
        return d;
    }

    public static Object round(Object... a) {
        arity("round", a, 1, 2);
        Object x = a[0];
        boolean noDigits = a.length == 1 || a[1] == Py.NONE;
        if (Py.isInt(x)) {
            long v = Py.asLong(x);
            if (noDigits || Py.asLong(a[1]) >= 0) return v;
            long p = (long) Py.pow(10L, -Py.asLong(a[1]));
            return new BigDecimal(v).divide(new BigDecimal(p)).setScale(0, RoundingMode.HALF_EVEN).longValue() * p;
        }
        double d = Py.asDouble(x);
        if (noDigits) {
            if (Double.isNaN(d)) throw PyException.valueError("cannot convert float NaN to integer");
            if (Double.isInfinite(d)) throw PyException.of("OverflowError", "cannot convert float infinity to integer");
            return (long) Math.rint(d);
        }
        if (Double.isNaN(d) || Double.isInfinite(d) || d == 0.0) return d;
        int digits = (int) Py.asLong(a[1]);
        double r = new BigDecimal(d).setScale(digits, RoundingMode.HALF_EVEN).doubleValue();
        return r == 0.0 ? Math.copySign(0.0, d) : r;
    }

    public static Object reversed(Object... a) {
        arity("reversed", a, 1, 1);
        PyList r = new PyList(Seq.toList(a[0]));
        java.util.Collections.reverse(r);
        return r;
    }

    public static Object enumerate(Object... a) {
        arity("enumerate", a, 1, 2);
        long start = a.length > 1 ? Py.asLong(a[1]) : 0;
        PyList r = new PyList();
        for (Object x : Seq.toList(a[0])) r.add(new PyTuple(start++, x));
        return r;
    }

    public static Object zip(Object... a) {
        List<List<Object>> lists = new ArrayList<>();
        int n = Integer.MAX_VALUE;
        for (Object x : a) {
            List<Object> l = Seq.toList(x);
            lists.add(l);
            n = Math.min(n, l.size());
        }
        PyList r = new PyList();
        if (lists.isEmpty()) return r;
        for (int i = 0; i < n; i++) {
            Object[] items = new Object[lists.size()];
            for (int j = 0; j < items.length; j++) items[j] = lists.get(j).get(i);
            r.add(new PyTuple(items));
        }
        return r;
    }

    public static Object any(Object... a) {
        arity("any", a, 1, 1);
        for (Object x : Seq.toList(a[0])) if (Py.truthy(x)) return true;
        return false;
    }

    public static Object all(Object... a) {
        arity("all", a, 1, 1);
        for (Object x : Seq.toList(a[0])) if (!Py.truthy(x)) return false;
        return true;
    }

    public static Object divmod(Object... a) {
        arity("divmod", a, 2, 2);
        if (Py.isInt(a[0]) && Py.isInt(a[1]) && Py.asLong(a[1]) == 0) {
            throw PyException.zeroDivision("integer division or modulo by zero");
        }
        if (Py.isNumber(a[0]) && Py.isNumber(a[1]) && !(Py.isInt(a[0]) && Py.isInt(a[1])) && Py.asDouble(a[1]) == 0.0) {
            throw PyException.zeroDivision("float divmod()");
        }
        return new PyTuple(Py.floordiv(a[0], a[1]), Py.mod(a[0], a[1]));
    }

    public static Object pow(Object... a) {
        arity("pow", a, 2, 3);
        if (a.length == 3 && a[2] != Py.NONE) {
            long base = Py.asLong(a[0]), exp = Py.asLong(a[1]), m = Py.asLong(a[2]);
            if (m == 0) throw PyException.valueError("pow() 3rd argument cannot be 0");
            return java.math.BigInteger.valueOf(base).modPow(java.math.BigInteger.valueOf(exp),
                    java.math.BigInteger.valueOf(m)).longValue() + (m < 0 ? 0 : 0);
        }
        return Py.pow(a[0], a[1]);
    }
}
