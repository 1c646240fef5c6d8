package stent.runtime;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Map;

/** {@code str()}, {@code repr()}, CPython's float repr and the format-spec mini-language. */
public final class PyFormat {
    private PyFormat() {}

    public static String str(Object o) {
        if (o instanceof String s) return s;
        return repr(o);
    }

    public static String repr(Object o) {
        if (o instanceof String s) return reprStr(s);
        if (o instanceof Boolean b) return b ? "True" : "False";
        if (o instanceof Long l) return l.toString();
        if (o instanceof Double d) return floatRepr(d);
        if (o == Py.NONE) return "None";
        if (o instanceof PyList l) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(", ");
                sb.append(repr(l.get(i)));
            }
            return sb.append(']').toString();
        }
        if (o instanceof PyTuple t) {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < t.items.length; i++) {
                if (i > 0) sb.append(", ");
                sb.append(repr(t.items[i]));
            }
            if (t.items.length == 1) sb.append(',');
            return sb.append(')').toString();
        }
        if (o instanceof PyDict d) {
            StringBuilder sb = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<Object, Object> e : d.entrySet()) {
                if (!first) sb.append(", ");
                first = false;
                sb.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
            }
            return sb.append('}').toString();
        }
        return String.valueOf(o);
    }

    static String reprStr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(quote);
        s.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') sb.append('\\').appendCodePoint(cp);
            else if (cp == '\n') sb.append("\\n");
            else if (cp == '\r') sb.append("\\r");
            else if (cp == '\t') sb.append("\\t");
            else if (cp < 0x20 || cp == 0x7f) sb.append(String.format("\\x%02x", cp));
            else if (cp >= 0x80 && cp < 0xa0) sb.append(String.format("\\x%02x", cp));
            else sb.appendCodePoint(cp);
        });
        return sb.append(quote).toString();
    }

    // ------------------------------------------------------------------ float repr

    /** Shortest digits that round-trip, and the decimal exponent: value = 0.DIGITS * 10^exp. */
    static String[] shortest(double d) {
        BigDecimal exact = new BigDecimal(Math.abs(d));
        for (int p = 1; p <= 17; p++) {
            BigDecimal r = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (r.doubleValue() == Math.abs(d)) {
                BigDecimal stripped = r.stripTrailingZeros();
                String digits = stripped.unscaledValue().toString();
                int exp = digits.length() - stripped.scale();
                return new String[] {digits, Integer.toString(exp)};
            }
        }
        throw new IllegalStateException("no round-trip repr for " + d);
    }

    /** CPython's {@code repr(float)}: shortest round-trip digits, {@code 1e+16}, {@code 1e-05}, {@code 6.0}. */
    public static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        String sign = (d < 0 || (d == 0.0 && 1.0 / d < 0)) ? "-" : "";
        if (d == 0.0) return sign + "0.0";
        String[] sh = shortest(d);
        String digits = sh[0];
        int exp = Integer.parseInt(sh[1]); // value = 0.digits * 10^exp
        int decpt = exp; // position of the decimal point within digits
        if (decpt > -4 && decpt <= 16) {
            StringBuilder sb = new StringBuilder(sign);
            if (decpt <= 0) {
                sb.append("0.").append("0".repeat(-decpt)).append(digits);
            } else if (decpt >= digits.length()) {
                sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
            } else {
                sb.append(digits, 0, decpt).append('.').append(digits.substring(decpt));
            }
            return sb.toString();
        }
        int e = decpt - 1;
        StringBuilder sb = new StringBuilder(sign).append(digits.charAt(0));
        if (digits.length() > 1) sb.append('.').append(digits.substring(1));
        sb.append('e').append(e < 0 ? '-' : '+');
        String es = Integer.toString(Math.abs(e));
        if (es.length() < 2) sb.append('0');
        return sb.append(es).toString();
    }

    // ------------------------------------------------------------------ format specs

    /** An f-string replacement field: conversion ('s', 'r', 'a' or 0) then {@code format(v, spec)}. */
    public static String formatValue(Object v, int conversion, String spec) {
        if (conversion == 'r' || conversion == 'a') v = repr(v);
        else if (conversion == 's') v = str(v);
        return format(v, spec);
    }

    public static String format(Object v, String spec) {
        if (spec.isEmpty()) return str(v);
        Spec s = Spec.parse(spec);
        String body;
        if (v instanceof String str) {
            if (s.type != 0 && s.type != 's') throw badCode(s.type, v);
            body = s.precision >= 0 ? new String(Seq.codePoints(str), 0, Math.min(s.precision, Seq.len(str))) : str;
            return pad(body, s, '<', "");
        }
        if (Py.isInt(v) && (s.type == 0 || "dboxXn".indexOf(s.type) >= 0)) {
            long l = Py.asLong(v);
            if (v instanceof Boolean && s.type == 0 && s.precision < 0 && s.grouping == 0 && s.sign == 0) {
                return pad(str(v), s, '<', "");
            }
            String digits = switch (s.type) {
                case 'b' -> Long.toBinaryString(Math.abs(l));
                case 'o' -> Long.toOctalString(Math.abs(l));
                case 'x' -> Long.toHexString(Math.abs(l));
                case 'X' -> Long.toHexString(Math.abs(l)).toUpperCase();
                default -> l == Long.MIN_VALUE ? "9223372036854775808" : Long.toString(Math.abs(l));
            };
            if (s.alternate && "box".indexOf(Character.toLowerCase(s.type)) >= 0) {
                digits = "0" + (char) s.type + digits;
            }
            return number(digits, l < 0, s);
        }
        if (Py.isNumber(v)) {
            double d = Py.asDouble(v);
            boolean neg = d < 0 || (d == 0.0 && 1.0 / d < 0);
            double a = Math.abs(d);
            String digits;
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                digits = Double.isNaN(d) ? "nan" : "inf";
                if (Character.isUpperCase(s.type)) digits = digits.toUpperCase();
                if (s.type == '%') digits += "%";
                if (Double.isNaN(d)) neg = false;
            } else {
                digits = switch (s.type) {
                    case 'f', 'F' -> fixed(a, s.precision < 0 ? 6 : s.precision);
                    case 'e', 'E' -> exponent(a, s.precision < 0 ? 6 : s.precision, s.type == 'E');
                    case 'g', 'G' -> general(a, s.precision < 0 ? 6 : s.precision, s.type == 'G', s.alternate);
                    case '%' -> fixed(a * 100, s.precision < 0 ? 6 : s.precision) + "%";
                    case 0 -> s.precision < 0 ? floatRepr(a) : generalNoType(a, s.precision);
                    case 'n' -> general(a, s.precision < 0 ? 6 : s.precision, false, false);
                    default -> throw badCode(s.type, v);
                };
            }
            return number(digits, neg, s);
        }
        if (s.type != 0 && s.type != 's') throw badCode(s.type, v);
        return pad(str(v), s, '<', "");
    }

    private static PyException badCode(int type, Object v) {
        return PyException.valueError("Unknown format code '" + (char) type + "' for object of type '"
                + Py.typeName(v) + "'");
    }

    static String fixed(double a, int precision) {
        return new BigDecimal(a).setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
    }

    static String exponent(double a, int precision, boolean upper) {
        String mant;
        int exp;
        if (a == 0.0) {
            mant = precision > 0 ? "0." + "0".repeat(precision) : "0";
            exp = 0;
        } else {
            BigDecimal r = new BigDecimal(a).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
            String digits = r.unscaledValue().toString();
            // unscaledValue may carry trailing zeros or be shorter than precision + 1
            exp = digits.length() - r.scale() - 1;
            digits = (digits + "0".repeat(precision + 1)).substring(0, precision + 1);
            mant = precision > 0 ? digits.charAt(0) + "." + digits.substring(1) : digits;
        }
        String es = Integer.toString(Math.abs(exp));
        return mant + (upper ? 'E' : 'e') + (exp < 0 ? '-' : '+') + (es.length() < 2 ? "0" : "") + es;
    }

    static String general(double a, int precision, boolean upper, boolean alternate) {
        int p = precision == 0 ? 1 : precision;
        if (a == 0.0) return alternate ? "0." + "0".repeat(p - 1) : "0";
        String e = exponent(a, p - 1, upper);
        int exp = Integer.parseInt(e.substring(e.indexOf(upper ? 'E' : 'e') + 1));
        String out;
        if (exp >= -4 && exp < p) {
            out = fixed(a, p - 1 - exp);
        } else {
            out = e;
        }
        if (!alternate) out = stripZeros(out, upper ? 'E' : 'e');
        return out;
    }

    /** Format with a precision but no type: like 'g', but always keeps a digit after the point. */
    static String generalNoType(double a, int precision) {
        String g = general(a, precision, false, false);
        if (g.indexOf('.') < 0 && g.indexOf('e') < 0 && !g.equals("inf") && !g.equals("nan")) g += ".0";
        return g;
    }

    private static String stripZeros(String s, char expChar) {
        int e = s.indexOf(expChar);
        String mant = e >= 0 ? s.substring(0, e) : s;
        String rest = e >= 0 ? s.substring(e) : "";
        if (mant.indexOf('.') >= 0) {
            mant = mant.replaceAll("0+$", "");
            if (mant.endsWith(".")) mant = mant.substring(0, mant.length() - 1);
        }
        return mant + rest;
    }

    private static String number(String digits, boolean negative, Spec s) {
        if (s.grouping != 0) digits = group(digits, (char) s.grouping);
        String sign = negative ? "-" : s.sign == '+' ? "+" : s.sign == ' ' ? " " : "";
        if (s.zeroPad && s.align == 0) {
            int width = s.width - sign.length();
            if (digits.length() < width) digits = "0".repeat(width - digits.length()) + digits;
            return sign + digits;
        }
        return pad(digits, s, '>', sign);
    }

    private static String group(String digits, char sep) {
        int end = 0;
        while (end < digits.length() && Character.isDigit(digits.charAt(end))) end++;
        String intPart = digits.substring(0, end);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < intPart.length(); i++) {
            if (i > 0 && (intPart.length() - i) % 3 == 0) sb.append(sep);
            sb.append(intPart.charAt(i));
        }
        return sb + digits.substring(end);
    }

    private static String pad(String body, Spec s, char defaultAlign, String sign) {
        int len = Seq.len(body) + sign.length();
        if (s.width <= len) return sign + body;
        int fill = s.width - len;
        String f = new String(Character.toChars(s.fill));
        char align = s.align != 0 ? (char) s.align : defaultAlign;
        return switch (align) {
            case '<' -> sign + body + f.repeat(fill);
            case '^' -> f.repeat(fill / 2) + sign + body + f.repeat(fill - fill / 2);
            case '=' -> sign + f.repeat(fill) + body;
            default -> f.repeat(fill) + sign + body;
        };
    }

    /** A parsed {@code [[fill]align][sign][#][0][width][grouping][.precision][type]}. */
    static final class Spec {
        int fill = ' ';
        int align;
        int sign;
        boolean alternate;
        boolean zeroPad;
        int width = -1;
        int grouping;
        int precision = -1;
        int type;

        static Spec parse(String spec) {
            Spec s = new Spec();
            int[] c = Seq.codePoints(spec);
            int i = 0;
            if (c.length >= 2 && "<>=^".indexOf(c[1]) >= 0) {
                s.fill = c[0];
                s.align = c[1];
                i = 2;
            } else if (c.length >= 1 && "<>=^".indexOf(c[0]) >= 0) {
                s.align = c[0];
                i = 1;
            }
            if (i < c.length && "+- ".indexOf(c[i]) >= 0) s.sign = c[i++];
            if (i < c.length && c[i] == '#') {
                s.alternate = true;
                i++;
            }
            if (i < c.length && c[i] == '0') {
                s.zeroPad = true;
                if (s.align == 0) s.fill = '0';
                i++;
            }
            int start = i;
            while (i < c.length && Character.isDigit(c[i])) i++;
            if (i > start) s.width = Integer.parseInt(new String(c, start, i - start));
            if (s.zeroPad && s.align == 0) s.width = Math.max(s.width, 0);
            if (i < c.length && (c[i] == ',' || c[i] == '_')) s.grouping = c[i++];
            if (i < c.length && c[i] == '.') {
                start = ++i;
                while (i < c.length && Character.isDigit(c[i])) i++;
                if (i == start) throw PyException.valueError("Format specifier missing precision");
                s.precision = Integer.parseInt(new String(c, start, i - start));
            }
            if (i < c.length) s.type = c[i++];
            if (i < c.length) throw PyException.valueError("Invalid format specifier '" + spec + "'");
            return s;
        }
    }
}
