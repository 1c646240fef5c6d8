package stent.runtime;

/** Python's {@code None}: a singleton, so {@code is None} is a reference comparison. */
public final class PyNone implements java.io.Serializable {
    public static final PyNone NONE = new PyNone();

    private PyNone() {}

    @Override
    public String toString() {
        return "None";
    }

    private Object readResolve() {
        return NONE;
    }
}
