package stent.runtime;

/** What a method body does when it stops running: return, call a method, or read a remote field. */
public final class Step {
    public enum Kind { RETURN, CALL, GET }

    public final Kind kind;
    public final Object value;
    /** For CALL/GET: the reference value (null for a self call). */
    public final Object target;
    public final String entity;
    public final String name;
    public final Object[] args;

    private Step(Kind kind, Object value, Object target, String entity, String name, Object[] args) {
        this.kind = kind;
        this.value = value;
        this.target = target;
        this.entity = entity;
        this.name = name;
        this.args = args;
    }

    public static Step ret(Object value) {
        return new Step(Kind.RETURN, value, null, null, null, null);
    }

    public static Step selfCall(String entity, String method, Object... args) {
        return new Step(Kind.CALL, null, null, entity, method, args);
    }

    public static Step call(Object target, String entity, String method, Object... args) {
        if (target == null) throw new NullPointerException("target");
        return new Step(Kind.CALL, null, target, entity, method, args);
    }

    public static Step get(Object target, String entity, String field) {
        return new Step(Kind.GET, null, target, entity, field, null);
    }
}
