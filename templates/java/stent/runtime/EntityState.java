package stent.runtime;

/** One entity's fields, as loaded into a transaction. An unassigned field is {@code null}. */
public final class EntityState {
    public final Spec.Entity spec;
    public Object key;
    public final Object[] fields;

    public EntityState(Spec.Entity spec, Object key, Object[] fields) {
        this.spec = spec;
        this.key = key;
        this.fields = fields;
    }

    /** {@code self.<field>}. */
    public Object get(int field) {
        Object v = fields[field];
        if (v == null) {
            throw PyException.of("AttributeError", "'" + spec.name + "' object has no attribute '" + spec.fields[field] + "'");
        }
        return v;
    }

    /** {@code self} as a value: a reference to this entity. */
    public EntityRef ref() {
        Object k = key != null ? key : fields[spec.keyField];
        return new EntityRef(spec.name, k);
    }

    public String encode() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) sb.append(',');
            if (fields[i] == null) sb.append("{\"$unset\":1}");
            else Json.writeTagged(sb, fields[i]);
        }
        return sb.append(']').toString();
    }

    public static EntityState decode(Spec.Entity spec, Object key, String encoded) {
        PyList items = (PyList) Json.parse(encoded);
        Object[] fields = new Object[spec.fields.length];
        for (int i = 0; i < fields.length; i++) {
            Object v = items.get(i);
            fields[i] = v instanceof PyDict d && d.containsKey("$unset") ? null : Json.readTagged(v);
        }
        return new EntityState(spec, key, fields);
    }

    /** The state as a dict of its assigned fields, in declaration order. */
    public PyDict asDict() {
        PyDict d = new PyDict();
        for (int i = 0; i < fields.length; i++) if (fields[i] != null) d.put(spec.fields[i], fields[i]);
        return d;
    }
}
