package stent.runtime;

import java.util.LinkedHashMap;

/** A Python {@code dict}: insertion-ordered; keys are str, int (Long) or bool. */
public final class PyDict extends LinkedHashMap<Object, Object> {
    public PyDict() {}

    public PyDict(PyDict other) {
        super(other);
    }
}
