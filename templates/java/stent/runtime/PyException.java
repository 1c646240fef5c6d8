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

    /** Keys in exact messages: str keys in single quotes verbatim, int keys in decimal. */
    public static String formatKey(Object key) {
        return key instanceof String s ? "'" + s + "'" : String.valueOf(key);
    }
}
