package stent.runtime;

/** A reference to an entity: its type and key. Never copied (a copy is the same reference). */
public record EntityRef(String type, Object key) {
    @Override
    public String toString() {
        return type + "(" + PyFormat.repr(key) + ")";
    }
}
