package stent.runtime;

/** A Python exception: the class name and {@code str(exc)}. Aborts the request that raised it. */
public final class PyException extends RuntimeException {
    public final String type;

    public PyException(String type, String message) {
        super(message, null, false, false);
        this.type = type;
    }

    public static PyException of(String type, String message) {
        return new PyException(type, message);
    }

    public static PyException overflow() {
        return new PyException("OverflowError", "int64 overflow");
    }

    public static PyException typeError(String message) {
        return new PyException("TypeError", message);
    }

    public static PyException valueError(String message) {
        return new PyException("ValueError", message);
    }

    public static PyException zeroDivision(String message) {
        return new PyException("ZeroDivisionError", message);
    }

    public static PyException notFound(String type, Object key) {
        return new PyException("EntityNotFound", type + " " + formatKey(key) + " does not exist");
    }

    public static PyException exists(String type, Object key) {
        return new PyException("EntityExists", type + " " + formatKey(key) + " already exists");
    }

    /**
     * The Python exception a Java failure inside a request stands for: a PyException as it is;
     * Java's cast, argument and index errors as TypeError (the misuse CPython reports so);
     * stack overflow as RecursionError. Null for anything else (a bug of stent's, not the
     * request's), which callers rethrow.
     */
    public static PyException fromJava(Throwable e) {
        if (e instanceof PyException py) return py;
        if (e instanceof ClassCastException || e instanceof IllegalArgumentException
                || e instanceof IndexOutOfBoundsException) {
            return typeError(String.valueOf(e.getMessage()));
        }
        if (e instanceof StackOverflowError) return new PyException("RecursionError", "maximum recursion depth exceeded");
        return null;
    }

    /** Keys in exact messages: str keys in single quotes verbatim, int keys in decimal. */
    public static String formatKey(Object key) {
        return key instanceof String s ? "'" + s + "'" : String.valueOf(key);
    }
}
