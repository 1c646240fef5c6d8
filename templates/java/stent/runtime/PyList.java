package stent.runtime;

import java.util.ArrayList;
import java.util.Collection;

/** A Python {@code list}. Equality for Python purposes is {@link Py#eq}, not {@link #equals}. */
public final class PyList extends ArrayList<Object> {
    public PyList() {}

    public PyList(int capacity) {
        super(capacity);
    }

    public PyList(Collection<?> items) {
        super(items);
    }

    public static PyList of(Object... items) {
        PyList l = new PyList(items.length);
        for (Object o : items) l.add(o);
        return l;
    }
}
