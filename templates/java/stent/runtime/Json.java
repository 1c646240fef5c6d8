package stent.runtime;

import java.math.BigInteger;
import java.util.Map;

/**
 * JSON for the wire formats: parsing workload lines, writing results and state dumps exactly as
 * the oracle does ({@code json.dumps(..., ensure_ascii=False)}), and a lossless tagged encoding
 * of entity state for the engines' state backends.
 */
public final class Json {
    private Json() {}

    /** Raised for text that is not JSON. */
    public static final class ParseError extends RuntimeException {
        public ParseError(String message) {
            super(message, null, false, false);
        }
    }

    /** Integers outside int64 are returned as {@link BigInteger}; objects as {@link PyDict} with str keys. */
    public static Object parse(String text) {
        Parser p = new Parser(text);
        p.ws();
        Object v = p.value();
        p.ws();
        if (p.i != text.length()) throw new ParseError(position(text, "Extra data", p.i));
        return v;
    }

    static String position(String doc, String what, int pos) {
        int line = 1;
        int lastNewline = -1;
        for (int k = 0; k < pos && k < doc.length(); k++) {
            if (doc.charAt(k) == '\n') {
                line++;
                lastNewline = k;
            }
        }
        return what + ": line " + line + " column " + (pos - lastNewline) + " (char " + pos + ")";
    }

    private static final class Parser {
        final String s;
        int i;

        Parser(String s) {
            this.s = s;
        }

        void ws() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
        }

        /** Python's json.JSONDecodeError text: {@code MSG: line L column C (char N)}. */
        ParseError err(String what) {
            return new ParseError(position(s, what, i));
        }

        Object value() {
            if (i >= s.length()) throw err("Expecting value");
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    PyDict d = new PyDict();
                    ws();
                    if (i < s.length() && s.charAt(i) == '}') {
                        i++;
                        return d;
                    }
                    while (true) {
                        ws();
                        if (i >= s.length() || s.charAt(i) != '"') throw err("Expecting property name enclosed in double quotes");
                        String k = string();
                        ws();
                        if (i >= s.length() || s.charAt(i) != ':') throw err("Expecting ':' delimiter");
                        i++;
                        ws();
                        d.put(k, value());
                        ws();
                        if (i < s.length() && s.charAt(i) == ',') {
                            i++;
                        } else if (i < s.length() && s.charAt(i) == '}') {
                            i++;
                            return d;
                        } else {
                            throw err("Expecting ',' delimiter");
                        }
                    }
                }
                case '[': {
                    i++;
                    PyList l = new PyList();
                    ws();
                    if (i < s.length() && s.charAt(i) == ']') {
                        i++;
                        return l;
                    }
                    while (true) {
                        ws();
                        l.add(value());
                        ws();
                        if (i < s.length() && s.charAt(i) == ',') {
                            i++;
                        } else if (i < s.length() && s.charAt(i) == ']') {
                            i++;
                            return l;
                        } else {
                            throw err("Expecting ',' delimiter");
                        }
                    }
                }
                case '"':
                    return string();
                case 't':
                    return literal("true", Boolean.TRUE);
                case 'f':
                    return literal("false", Boolean.FALSE);
                case 'n':
                    return literal("null", Py.NONE);
                case 'N':
                    return literal("NaN", Double.NaN);
                case 'I':
                    return literal("Infinity", Double.POSITIVE_INFINITY);
                default:
                    if (c == '-' && s.startsWith("-Infinity", i)) return literal("-Infinity", Double.NEGATIVE_INFINITY);
                    return number();
            }
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, i)) throw err("Expecting value");
            i += word.length();
            return v;
        }

        Object number() {
            int start = i;
            if (i < s.length() && s.charAt(i) == '-') i++;
            int digits = i;
            while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            if (i == digits) throw err("Expecting value");
            boolean isFloat = false;
            if (i < s.length() && s.charAt(i) == '.') {
                isFloat = true;
                i++;
                while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            }
            if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                isFloat = true;
                i++;
                if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
                while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            }
            String t = s.substring(start, i);
            if (isFloat) return Double.parseDouble(t);
            BigInteger b = new BigInteger(t);
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }

        String string() {
            i++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (i >= s.length()) throw err("Unterminated string starting at");
                char c = s.charAt(i++);
                if (c == '"') return sb.toString();
                if (c == '\\') {
                    if (i >= s.length()) throw err("Unterminated string starting at");
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> sb.append('\n');
                        case 't' -> sb.append('\t');
                        case 'r' -> sb.append('\r');
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'u' -> {
                            if (i + 4 > s.length()) throw err("Invalid \\uXXXX escape");
                            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        case '"', '\\', '/' -> sb.append(e);
                        default -> throw err("Invalid \\escape");
                    }
                } else if (c < 0x20) {
                    throw err("Invalid control character at");
                } else {
                    sb.append(c);
                }
            }
        }
    }

    // ------------------------------------------------------------------ writing (wire format)

    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    /** A value in the results / state-dump encoding (semantics.md section 6). */
    public static void write(StringBuilder sb, Object v) {
        if (v == Py.NONE || v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Long l) {
            sb.append(l);
        } else if (v instanceof Double d) {
            if (d.isNaN()) sb.append("{\"$float\": \"NaN\"}");
            else if (d.isInfinite()) sb.append(d > 0 ? "{\"$float\": \"Infinity\"}" : "{\"$float\": \"-Infinity\"}");
            else sb.append(PyFormat.floatRepr(d));
        } else if (v instanceof String s) {
            quote(sb, s);
        } else if (v instanceof PyList l) {
            writeArray(sb, l.toArray());
        } else if (v instanceof PyTuple t) {
            writeArray(sb, t.items);
        } else if (v instanceof PyDict d) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<Object, Object> e : d.entrySet()) {
                if (!first) sb.append(", ");
                first = false;
                quote(sb, keyString(e.getKey()));
                sb.append(": ");
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof EntityRef r) {
            sb.append("{\"$entity\": ");
            quote(sb, r.type());
            sb.append(", \"key\": ");
            write(sb, r.key());
            sb.append('}');
        } else {
            throw PyException.typeError("cannot encode value of type " + Py.typeName(v));
        }
    }

    private static String keyString(Object k) {
        if (k instanceof String s) return s;
        if (k instanceof Boolean b) return b ? "true" : "false";
        if (k instanceof Double d) return PyFormat.floatRepr(d);
        if (k == Py.NONE) return "null";
        if (k instanceof Long l) return l.toString();
        throw PyException.typeError("cannot encode dict key of type " + Py.typeName(k));
    }

    private static void writeArray(StringBuilder sb, Object[] items) {
        sb.append('[');
        for (int k = 0; k < items.length; k++) {
            if (k > 0) sb.append(", ");
            write(sb, items[k]);
        }
        sb.append(']');
    }

    public static String toJson(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v);
        return sb.toString();
    }

    // ------------------------------------------------------------------ tagged (lossless) encoding

    /**
     * Lossless encoding of a value for state backends: floats always carry '.', 'e' or a tag,
     * tuples are {@code {"$t": [...]}}, dicts {@code {"$d": [k, v, ...]}} (keys keep their type).
     */
    public static void writeTagged(StringBuilder sb, Object v) {
        if (v instanceof PyList l) {
            sb.append('[');
            for (int k = 0; k < l.size(); k++) {
                if (k > 0) sb.append(',');
                writeTagged(sb, l.get(k));
            }
            sb.append(']');
        } else if (v instanceof PyTuple t) {
            sb.append("{\"$t\":");
            writeTagged(sb, new PyList(java.util.Arrays.asList(t.items)));
            sb.append('}');
        } else if (v instanceof PyDict d) {
            sb.append("{\"$d\":[");
            boolean first = true;
            for (Map.Entry<Object, Object> e : d.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                writeTagged(sb, e.getKey());
                sb.append(',');
                writeTagged(sb, e.getValue());
            }
            sb.append("]}");
        } else if (v instanceof EntityRef r) {
            sb.append("{\"$e\":");
            quote(sb, r.type());
            sb.append(",\"k\":");
            writeTagged(sb, r.key());
            sb.append('}');
        } else if (v instanceof Double d && (d.isNaN() || d.isInfinite())) {
            sb.append(d.isNaN() ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        } else {
            write(sb, v);
        }
    }

    public static Object readTagged(Object parsed) {
        if (parsed instanceof PyList l) {
            PyList r = new PyList(l.size());
            for (Object o : l) r.add(readTagged(o));
            return r;
        }
        if (parsed instanceof PyDict d) {
            if (d.containsKey("$t")) return PyTuple.fromList((PyList) readTagged(d.get("$t")));
            if (d.containsKey("$e")) return new EntityRef((String) d.get("$e"), d.get("k"));
            PyList kv = (PyList) d.get("$d");
            PyDict r = new PyDict();
            for (int k = 0; k < kv.size(); k += 2) r.put(readTagged(kv.get(k)), readTagged(kv.get(k + 1)));
            return r;
        }
        return parsed;
    }
}
