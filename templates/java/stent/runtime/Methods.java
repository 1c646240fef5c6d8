package stent.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Methods of builtin values ({@code xs.append(v)}, {@code s.upper()}, {@code d.get(k)}), by receiver type. */
public final class Methods {
    private Methods() {}

    public static Object call(Object recv, String name, Object... args) {
        if (recv instanceof String s) return str(s, name, args);
        if (recv instanceof PyList l) return list(l, name, args);
        if (recv instanceof PyDict d) return dict(d, name, args);
        if (recv instanceof PyTuple t) {
            if (name.equals("count")) return count(List.of(t.items), arg(args, 0, name));
            if (name.equals("index")) return indexOf(List.of(t.items), arg(args, 0, name), "tuple.index(x): x not in tuple");
        }
        throw noAttr(recv, name);
    }

    private static PyException noAttr(Object recv, String name) {
        return PyException.of("AttributeError", "'" + Py.typeName(recv) + "' object has no attribute '" + name + "'");
    }

    private static Object arg(Object[] args, int i, String name) {
        if (i >= args.length) throw PyException.typeError(name + "() missing required argument");
        return args[i];
    }

    private static Object opt(Object[] args, int i, Object dflt) {
        return i < args.length ? args[i] : dflt;
    }

    private static String strArg(Object[] args, int i, String name) {
        Object o = arg(args, i, name);
        if (o instanceof String s) return s;
        throw PyException.typeError("must be str, not " + Py.typeName(o));
    }

    private static long count(List<Object> items, Object x) {
        long n = 0;
        for (Object o : items) if (Py.eq(o, x)) n++;
        return n;
    }

    private static long indexOf(List<Object> items, Object x, String msg) {
        for (int i = 0; i < items.size(); i++) if (Py.eq(items.get(i), x)) return i;
        throw PyException.valueError(msg);
    }

    // ------------------------------------------------------------------ str

    static Object str(String s, String name, Object[] a) {
        switch (name) {
            case "upper": return s.toUpperCase();
            case "lower": return s.toLowerCase();
            case "strip": return a.length > 0 && a[0] != Py.NONE ? stripChars(s, strArg(a, 0, name), true, true) : s.strip();
            case "lstrip": return a.length > 0 && a[0] != Py.NONE ? stripChars(s, strArg(a, 0, name), true, false) : s.stripLeading();
            case "rstrip": return a.length > 0 && a[0] != Py.NONE ? stripChars(s, strArg(a, 0, name), false, true) : s.stripTrailing();
            case "split": return split(s, opt(a, 0, Py.NONE), a.length > 1 ? Py.asLong(a[1]) : -1);
            case "join": {
                StringBuilder sb = new StringBuilder();
                List<Object> items = Seq.toList(arg(a, 0, name));
                for (int i = 0; i < items.size(); i++) {
                    if (!(items.get(i) instanceof String part)) {
                        throw PyException.typeError("sequence item " + i + ": expected str instance, "
                                + Py.typeName(items.get(i)) + " found");
                    }
                    if (i > 0) sb.append(s);
                    sb.append(part);
                }
                return sb.toString();
            }
            case "replace": {
                String old = strArg(a, 0, name), neu = strArg(a, 1, name);
                long max = a.length > 2 ? Py.asLong(a[2]) : -1;
                if (max < 0) return old.isEmpty() ? insertEverywhere(s, neu) : s.replace(old, neu);
                StringBuilder sb = new StringBuilder();
                int from = 0;
                for (long n = 0; n < max; n++) {
                    int at = s.indexOf(old, from);
                    if (at < 0 || old.isEmpty()) break;
                    sb.append(s, from, at).append(neu);
                    from = at + old.length();
                }
                return sb.append(s.substring(from)).toString();
            }
            case "startswith": return startsEnds(s, arg(a, 0, name), true);
            case "endswith": return startsEnds(s, arg(a, 0, name), false);
            case "find": return (long) cpIndex(s, s.indexOf(strArg(a, 0, name)));
            case "rfind": return (long) cpIndex(s, s.lastIndexOf(strArg(a, 0, name)));
            case "index": {
                int at = s.indexOf(strArg(a, 0, name));
                if (at < 0) throw PyException.valueError("substring not found");
                return (long) cpIndex(s, at);
            }
            case "count": {
                String sub = strArg(a, 0, name);
                if (sub.isEmpty()) return (long) Seq.len(s) + 1;
                long n = 0;
                for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
                return n;
            }
            case "isdigit": return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isnumeric", "isdecimal": return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha": return !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum": return !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace": return !s.isEmpty() && s.codePoints().allMatch(Character::isWhitespace);
            case "isupper": return s.codePoints().anyMatch(Character::isUpperCase) && s.codePoints().noneMatch(Character::isLowerCase);
            case "islower": return s.codePoints().anyMatch(Character::isLowerCase) && s.codePoints().noneMatch(Character::isUpperCase);
            case "capitalize": return s.isEmpty() ? s : s.substring(0, 1).toUpperCase() + s.substring(1).toLowerCase();
            case "title": {
                StringBuilder sb = new StringBuilder();
                boolean prevCased = false;
                for (char c : s.toCharArray()) {
                    sb.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
                    prevCased = Character.isLetter(c);
                }
                return sb.toString();
            }
            case "zfill": {
                int width = (int) Py.asLong(arg(a, 0, name));
                int len = Seq.len(s);
                if (len >= width) return s;
                boolean signed = !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+');
                String zeros = "0".repeat(width - len);
                return signed ? s.charAt(0) + zeros + s.substring(1) : zeros + s;
            }
            case "center", "ljust", "rjust": {
                int width = (int) Py.asLong(arg(a, 0, name));
                String fill = a.length > 1 ? strArg(a, 1, name) : " ";
                int len = Seq.len(s);
                if (len >= width) return s;
                int total = width - len;
                if (name.equals("ljust")) return s + fill.repeat(total);
                if (name.equals("rjust")) return fill.repeat(total) + s;
                int left = total / 2 + (total & width & 1);
                return fill.repeat(left) + s + fill.repeat(total - left);
            }
            case "format": {
                return PyFormat.format(s, "");
            }
            default: throw noAttr(s, name);
        }
    }

    private static String insertEverywhere(String s, String neu) {
        StringBuilder sb = new StringBuilder(neu);
        s.codePoints().forEach(cp -> sb.appendCodePoint(cp).append(neu));
        return sb.toString();
    }

    private static int cpIndex(String s, int charIndex) {
        return charIndex < 0 ? -1 : s.codePointCount(0, charIndex);
    }

    private static boolean startsEnds(String s, Object prefix, boolean start) {
        if (prefix instanceof PyTuple t) {
            for (Object o : t.items) if (startsEnds(s, o, start)) return true;
            return false;
        }
        if (!(prefix instanceof String p)) {
            throw PyException.typeError((start ? "startswith" : "endswith")
                    + " first arg must be str or a tuple of str, not " + Py.typeName(prefix));
        }
        return start ? s.startsWith(p) : s.endsWith(p);
    }

    private static String stripChars(String s, String chars, boolean left, boolean right) {
        int b = 0, e = s.length();
        while (left && b < e && chars.indexOf(s.charAt(b)) >= 0) b++;
        while (right && e > b && chars.indexOf(s.charAt(e - 1)) >= 0) e--;
        return s.substring(b, e);
    }

    private static PyList split(String s, Object sep, long max) {
        PyList out = new PyList();
        if (sep == Py.NONE) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && Character.isWhitespace(s.charAt(i))) i++;
                if (i >= n) break;
                if (max >= 0 && out.size() >= max) {
                    out.add(s.substring(i).stripTrailing());
                    break;
                }
                int j = i;
                while (j < n && !Character.isWhitespace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        String sp = (String) sep;
        if (sp.isEmpty()) throw PyException.valueError("empty separator");
        int from = 0;
        while (max < 0 || out.size() < max) {
            int at = s.indexOf(sp, from);
            if (at < 0) break;
            out.add(s.substring(from, at));
            from = at + sp.length();
        }
        out.add(s.substring(from));
        return out;
    }

    // ------------------------------------------------------------------ list

    static Object list(PyList l, String name, Object[] a) {
        switch (name) {
            case "append": l.add(arg(a, 0, name)); return Py.NONE;
            case "extend": l.addAll(new ArrayList<>(Seq.toList(arg(a, 0, name)))); return Py.NONE;
            case "insert": {
                long i = Py.asLong(arg(a, 0, name));
                if (i < 0) i = Math.max(0, i + l.size());
                l.add((int) Math.min(i, l.size()), arg(a, 1, name));
                return Py.NONE;
            }
            case "pop": {
                if (l.isEmpty()) throw PyException.of("IndexError", "pop from empty list");
                long i = a.length > 0 ? Py.asLong(a[0]) : -1;
                if (i < 0) i += l.size();
                if (i < 0 || i >= l.size()) throw PyException.of("IndexError", "pop index out of range");
                return l.remove((int) i);
            }
            case "remove": {
                Object x = arg(a, 0, name);
                for (int i = 0; i < l.size(); i++) {
                    if (Py.eq(l.get(i), x)) {
                        l.remove(i);
                        return Py.NONE;
                    }
                }
                throw PyException.valueError("list.remove(x): x not in list");
            }
            case "index": {
                Object x = arg(a, 0, name);
                for (int i = 0; i < l.size(); i++) if (Py.eq(l.get(i), x)) return (long) i;
                throw PyException.valueError(PyFormat.repr(x) + " is not in list");
            }
            case "count": return count(l, arg(a, 0, name));
            case "reverse": java.util.Collections.reverse(l); return Py.NONE;
            case "sort": {
                List<Object> sorted = Builtins.sortedList(l, a.length > 0 && Py.truthy(a[0]));
                l.clear();
                l.addAll(sorted);
                return Py.NONE;
            }
            case "copy": return new PyList(l);
            case "clear": l.clear(); return Py.NONE;
            default: throw noAttr(l, name);
        }
    }

    // ------------------------------------------------------------------ dict

    static Object dict(PyDict d, String name, Object[] a) {
        switch (name) {
            case "get": {
                Object v = d.get(Py.dictKey(arg(a, 0, name)));
                return v != null ? v : opt(a, 1, Py.NONE);
            }
            case "keys": return new PyList(d.keySet());
            case "values": return new PyList(d.values());
            case "items": return new PyList(Seq.dictItems(d));
            case "pop": {
                Object k = Py.dictKey(arg(a, 0, name));
                if (d.containsKey(k)) return d.remove(k);
                if (a.length > 1) return a[1];
                throw PyException.of("KeyError", PyFormat.repr(a[0]));
            }
            case "setdefault": {
                Object k = Py.dictKey(arg(a, 0, name));
                if (!d.containsKey(k)) d.put(k, opt(a, 1, Py.NONE));
                return d.get(k);
            }
            case "update": {
                Object other = arg(a, 0, name);
                if (other instanceof PyDict o) {
                    for (Map.Entry<Object, Object> e : new ArrayList<>(o.entrySet())) d.put(e.getKey(), e.getValue());
                } else {
                    for (Object pair : Seq.toList(other)) {
                        Object[] kv = Py.unpack(pair, 2);
                        d.put(Py.dictKey(kv[0]), kv[1]);
                    }
                }
                return Py.NONE;
            }
            case "copy": return new PyDict(d);
            case "clear": d.clear(); return Py.NONE;
            case "popitem": {
                if (d.isEmpty()) throw PyException.of("KeyError", "'popitem(): dictionary is empty'");
                Object last = null;
                for (Object k : d.keySet()) last = k;
                return new PyTuple(last, d.remove(last));
            }
            default: throw noAttr(d, name);
        }
    }
}
