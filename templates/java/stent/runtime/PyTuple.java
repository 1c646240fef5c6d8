package stent.runtime;

import java.util.Arrays;
import java.util.List;

/** A Python {@code tuple}: immutable, hashable when its items are. */
public final class PyTuple {
    public final Object[] items;

    public PyTuple(Object... items) {
        this.items = items;
    }

    public static PyTuple fromList(List<?> items) {
        return new PyTuple(items.toArray());
    }

    public int size() {
        return items.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PyTuple t && Py.eq(this, t);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(items);
    }
}
