import stent.runtime.*;

/** Unit tests of the Java runtime support: run by tests/runtime.rs (plain java, no JUnit). */
public final class RuntimeSelfTest {
    static int failures = 0;

    static void check(String what, Object actual, Object expected) {
        if (!String.valueOf(actual).equals(String.valueOf(expected))) {
            failures++;
            System.out.println("FAIL " + what + ": expected <" + expected + "> got <" + actual + ">");
        }
    }

    static void raises(String what, Runnable r, String type, String message) {
        try {
            r.run();
            failures++;
            System.out.println("FAIL " + what + ": no exception");
        } catch (PyException e) {
            check(what + " type", e.type, type);
            if (message != null) check(what + " message", e.getMessage(), message);
        }
    }

    public static void main(String[] args) {
        // CPython float repr
        check("repr 1e16", PyFormat.floatRepr(1e16), "1e+16");
        check("repr 1e15", PyFormat.floatRepr(1e15), "1000000000000000.0");
        check("repr 0.1", PyFormat.floatRepr(0.1), "0.1");
        check("repr 6.0", PyFormat.floatRepr(6.0), "6.0");
        check("repr -0.0", PyFormat.floatRepr(-0.0), "-0.0");
        check("repr inf", PyFormat.floatRepr(Double.POSITIVE_INFINITY), "inf");
        check("repr nan", PyFormat.floatRepr(Double.NaN), "nan");
        check("repr 1e-05", PyFormat.floatRepr(1e-5), "1e-05");
        check("repr 0.0001", PyFormat.floatRepr(0.0001), "0.0001");
        check("repr 0.1+0.2", PyFormat.floatRepr(0.1 + 0.2), "0.30000000000000004");
        check("repr 1/3", PyFormat.floatRepr(1.0 / 3), "0.3333333333333333");
        check("repr 2**63", PyFormat.floatRepr(9.223372036854775807E18), "9.223372036854776e+18");
        check("repr 5e-324", PyFormat.floatRepr(Double.MIN_VALUE), "5e-324");
        check("repr 1.5e300", PyFormat.floatRepr(1.5e300), "1.5e+300");
        check("repr 123.456", PyFormat.floatRepr(123.456), "123.456");
        // floor division and modulo
        check("-7 // 2", Py.floordiv(-7L, 2L), -4);
        check("7 // -2", Py.floordiv(7L, -2L), -4);
        check("-7 % 2", Py.mod(-7L, 2L), 1);
        check("7 % -2", Py.mod(7L, -2L), -1);
        check("-7.5 // 2", Py.floordiv(-7.5, 2L), "-4.0");
        check("-7.5 % 2", PyFormat.repr(Py.mod(-7.5, 2L)), "0.5");
        check("7.5 % -2", PyFormat.repr(Py.mod(7.5, -2L)), "-0.5");
        check("-0.0 % 1", PyFormat.repr(Py.mod(-0.0, 1L)), "0.0");
        check("1 / 4", PyFormat.repr(Py.truediv(1L, 4L)), "0.25");
        check("2 ** -1", PyFormat.repr(Py.pow(2L, -1L)), "0.5");
        check("2 ** 62", Py.pow(2L, 62L), 4611686018427387904L);
        raises("1 // 0", () -> Py.floordiv(1L, 0L), "ZeroDivisionError", "integer division or modulo by zero");
        raises("1 % 0", () -> Py.mod(1L, 0L), "ZeroDivisionError", "integer modulo by zero");
        raises("1 / 0", () -> Py.truediv(1L, 0L), "ZeroDivisionError", "division by zero");
        raises("1.0 / 0", () -> Py.truediv(1.0, 0L), "ZeroDivisionError", "float division by zero");
        // int64 overflow
        raises("max + 1", () -> Py.add(Long.MAX_VALUE, 1L), "OverflowError", "int64 overflow");
        raises("min * -1", () -> Py.mul(Long.MIN_VALUE, -1L), "OverflowError", "int64 overflow");
        raises("2 ** 64", () -> Py.pow(2L, 64L), "OverflowError", "int64 overflow");
        raises("min // -1", () -> Py.floordiv(Long.MIN_VALUE, -1L), "OverflowError", "int64 overflow");
        raises("-min", () -> Py.neg(Long.MIN_VALUE), "OverflowError", "int64 overflow");
        raises("1 << 63", () -> Py.lshift(1L, 63L), "OverflowError", "int64 overflow");
        // str / repr
        check("repr list", PyFormat.repr(PyList.of(1L, "a", 2.0, Py.NONE, true)), "[1, 'a', 2.0, None, True]");
        check("repr tuple1", PyFormat.repr(new PyTuple(1L)), "(1,)");
        check("repr dict", PyFormat.repr(Py.dict("a", 1L, 2L, "b")), "{'a': 1, 2: 'b'}");
        check("repr quote", PyFormat.repr("it's"), "\"it's\"");
        check("repr ref", PyFormat.repr(new EntityRef("Item", "apple")), "Item('apple')");
        // format specs
        check("fmt .2f", PyFormat.format(3.14159, ".2f"), "3.14");
        check("fmt >5", PyFormat.format(42L, ">5"), "   42");
        check("fmt ^7", PyFormat.format("ab", "^7"), "  ab   ");
        check("fmt 05d", PyFormat.format(-42L, "05d"), "-0042");
        check("fmt +d", PyFormat.format(42L, "+d"), "+42");
        check("fmt .1%", PyFormat.format(0.256, ".1%"), "25.6%");
        check("fmt ,", PyFormat.format(1234567L, ","), "1,234,567");
        check("fmt 0.5 .0f", PyFormat.format(0.5, ".0f"), "0");
        check("fmt 2.5 .0f", PyFormat.format(2.5, ".0f"), "2");
        check("fmt g", PyFormat.format(0.000012345, "g"), "1.2345e-05");
        check("fmt g big", PyFormat.format(12345678.9, "g"), "1.23457e+07");
        check("fmt e", PyFormat.format(3.0, "e"), "3.000000e+00");
        check("fmt 1234.5 ,", PyFormat.format(1234.5, ","), "1,234.5");
        // sequences and methods
        check("slice", Seq.slice("hello", 1L, Py.NONE, Py.NONE), "ello");
        check("slice rev", Seq.slice("hello", Py.NONE, Py.NONE, -1L), "olleh");
        check("split", PyFormat.repr(Methods.call("a,b,,c", "split", ",")), "['a', 'b', '', 'c']");
        check("split ws", PyFormat.repr(Methods.call("  a  b ", "split")), "['a', 'b']");
        raises("[][0]", () -> Seq.getItem(new PyList(), 0L), "IndexError", "list index out of range");
        raises("{}['b']", () -> Seq.getItem(new PyDict(), "b"), "KeyError", "'b'");
        raises("int('x')", () -> Builtins.int_("x"), "ValueError", "invalid literal for int() with base 10: 'x'");
        check("round 2.5", Builtins.round(2.5), 2);
        check("round 2.675, 2", PyFormat.repr(Builtins.round(2.675, 2L)), "2.67");
        check("sorted", PyFormat.repr(Builtins.sorted(PyList.of(3L, 1.5, 2L))), "[1.5, 2, 3]");
        check("eq 1 1.0", Py.eq(1L, 1.0), true);
        // JSON round trip of the lossless state encoding
        Object v = PyList.of(1L, 2.0, new PyTuple("a", Py.NONE), Py.dict(1L, "x", "k", Double.NaN), new EntityRef("A", 3L));
        StringBuilder sb = new StringBuilder();
        Json.writeTagged(sb, v);
        check("tagged", PyFormat.repr(Json.readTagged(Json.parse(sb.toString()))), PyFormat.repr(v));
        check("json", Json.toJson(PyList.of(6.0, Double.POSITIVE_INFINITY, "é\n")), "[6.0, {\"$float\": \"Infinity\"}, \"é\\n\"]");
        if (failures > 0) {
            System.out.println(failures + " failures");
            System.exit(1);
        }
        System.out.println("ok");
    }
}
