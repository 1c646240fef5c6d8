package stent.runtime;

import java.util.Map;
import java.util.TreeMap;

/** The static description of a compiled program: entity types, fields and methods. */
public final class Spec {
    private Spec() {}

    /** A compiled method body: runs the frame from its current block until it returns or suspends. */
    @FunctionalInterface
    public interface Body {
        Step run(Frame f);
    }

    public static final class Method {
        public final String entity;
        public final String name;
        public final String[] params;
        public final PyType[] paramTypes;
        public final int slots;
        public final Body body;

        public Method(String entity, String name, String[] params, PyType[] paramTypes, int slots, Body body) {
            this.entity = entity;
            this.name = name;
            this.params = params;
            this.paramTypes = paramTypes;
            this.slots = slots;
            this.body = body;
        }
    }

    public static final class Entity {
        public final String name;
        public final String[] fields;
        public final int keyField;
        public final Method constructor;
        public final Map<String, Method> methods = new TreeMap<>();

        public Entity(String name, String[] fields, int keyField, Method constructor, Method... methods) {
            this.name = name;
            this.fields = fields;
            this.keyField = keyField;
            this.constructor = constructor;
            for (Method m : methods) this.methods.put(m.name, m);
        }
    }

    /** A whole program: entity types by name (sorted). */
    public static final class Program {
        public final String name;
        public final Map<String, Entity> entities = new TreeMap<>();

        public Program(String name, Entity... entities) {
            this.name = name;
            for (Entity e : entities) this.entities.put(e.name, e);
        }
    }
}
