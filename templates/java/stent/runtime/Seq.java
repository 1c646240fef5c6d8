package stent.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Indexing, slicing and iteration over Python sequences and dicts. */
public final class Seq {
    private Seq() {}

    /** Code points of a string (Python indexes strings by code point). */
    static int[] codePoints(String s) {
        return s.codePoints().toArray();
    }

    static String fromCodePoints(int[] cps, int from, int to) {
        return new String(cps, from, to - from);
    }

    public static int len(Object o) {
        if (o instanceof String s) return s.codePointCount(0, s.length());
        if (o instanceof PyList l) return l.size();
        if (o instanceof PyDict d) return d.size();
        if (o instanceof PyTuple t) return t.items.length;
        throw PyException.typeError("object of type '" + Py.typeName(o) + "' has no len()");
    }

    /** The items a {@code for} loop or {@code list(x)} sees. Dicts yield their keys. */
    public static List<Object> toList(Object o) {
        if (o instanceof PyList l) return l;
        if (o instanceof PyTuple t) return Arrays.asList(t.items);
        if (o instanceof PyDict d) return new ArrayList<>(d.keySet());
        if (o instanceof String s) {
            List<Object> r = new ArrayList<>();
            s.codePoints().forEach(cp -> r.add(new String(Character.toChars(cp))));
            return r;
        }
        throw PyException.typeError("'" + Py.typeName(o) + "' object is not iterable");
    }

    private static int index(Object idx, int size, String what) {
        if (!Py.isInt(idx)) {
            throw PyException.typeError(what + " indices must be integers or slices, not " + Py.typeName(idx));
        }
        long i = Py.asLong(idx);
        if (i < 0) i += size;
        if (i < 0 || i >= size) throw PyException.of("IndexError", what + " index out of range");
        return (int) i;
    }

    public static Object getItem(Object c, Object idx) {
        if (c instanceof PyList l) return l.get(index(idx, l.size(), "list"));
        if (c instanceof PyTuple t) return t.items[index(idx, t.items.length, "tuple")];
        if (c instanceof String s) {
            int[] cps = codePoints(s);
            int i = index(idx, cps.length, "string");
            return fromCodePoints(cps, i, i + 1);
        }
        if (c instanceof PyDict d) {
            Object k = Py.dictKey(idx);
            Object v = d.get(k);
            if (v == null) throw PyException.of("KeyError", PyFormat.repr(idx));
            return v;
        }
        throw PyException.typeError("'" + Py.typeName(c) + "' object is not subscriptable");
    }

    public static void setItem(Object c, Object idx, Object value) {
        if (c instanceof PyList l) {
            if (!Py.isInt(idx)) throw PyException.typeError("list indices must be integers or slices, not " + Py.typeName(idx));
            long i = Py.asLong(idx);
            if (i < 0) i += l.size();
            if (i < 0 || i >= l.size()) throw PyException.of("IndexError", "list assignment index out of range");
            l.set((int) i, value);
            return;
        }
        if (c instanceof PyDict d) {
            d.put(Py.dictKey(idx), value);
            return;
        }
        throw PyException.typeError("'" + Py.typeName(c) + "' object does not support item assignment");
    }

    public static void delItem(Object c, Object idx) {
        if (c instanceof PyList l) {
            if (!Py.isInt(idx)) throw PyException.typeError("list indices must be integers or slices, not " + Py.typeName(idx));
            long i = Py.asLong(idx);
            if (i < 0) i += l.size();
            if (i < 0 || i >= l.size()) throw PyException.of("IndexError", "list assignment index out of range");
            l.remove((int) i);
            return;
        }
        if (c instanceof PyDict d) {
            Object k = Py.dictKey(idx);
            if (!d.containsKey(k)) throw PyException.of("KeyError", PyFormat.repr(idx));
            d.remove(k);
            return;
        }
        throw PyException.typeError("'" + Py.typeName(c) + "' object doesn't support item deletion");
    }

    /** {@code value[lower:upper:step]}; absent bounds are None. */
    public static Object slice(Object c, Object lower, Object upper, Object step) {
        long st = step == Py.NONE ? 1 : Py.asLong(step);
        if (st == 0) throw PyException.valueError("slice step cannot be zero");
        List<Object> items;
        int[] cps = null;
        if (c instanceof String s) {
            cps = codePoints(s);
            items = null;
        } else if (c instanceof PyList || c instanceof PyTuple) {
            items = toList(c);
        } else {
            throw PyException.typeError("'" + Py.typeName(c) + "' object is not subscriptable");
        }
        int n = cps != null ? cps.length : items.size();
        long lo, hi;
        if (st > 0) {
            lo = bound(lower, n, 0, 0, n);
            hi = bound(upper, n, n, 0, n);
        } else {
            lo = bound(lower, n, n - 1, -1, n - 1);
            hi = bound(upper, n, -1, -1, n - 1);
        }
        StringBuilder sb = cps != null ? new StringBuilder() : null;
        PyList out = cps != null ? null : new PyList();
        for (long i = lo; st > 0 ? i < hi : i > hi; i += st) {
            if (sb != null) sb.appendCodePoint(cps[(int) i]);
            else out.add(items.get((int) i));
        }
        if (sb != null) return sb.toString();
        return c instanceof PyTuple ? PyTuple.fromList(out) : out;
    }

    private static long bound(Object b, int n, long dflt, long min, long max) {
        if (b == Py.NONE) return dflt;
        long v = Py.asLong(b);
        if (v < 0) v += n;
        return Math.max(min, Math.min(max, v));
    }

    /** {@code range(...)} as a list. */
    public static PyList range(long start, long stop, long step) {
        if (step == 0) throw PyException.valueError("range() arg 3 must not be zero");
        PyList r = new PyList();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) r.add(i);
        return r;
    }

    static List<Object> dictItems(PyDict d) {
        List<Object> r = new ArrayList<>(d.size());
        for (Map.Entry<Object, Object> e : d.entrySet()) r.add(new PyTuple(e.getKey(), e.getValue()));
        return r;
    }
}
