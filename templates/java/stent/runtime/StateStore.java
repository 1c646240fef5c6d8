package stent.runtime;

/**
 * Where an engine keeps entity state: one encoded value per (entity type, encoded key). The Flink
 * backend implements it over keyed {@code MapState}; tests over a {@code HashMap}.
 */
public interface StateStore {
    /** The encoded state, or null when the entity does not exist. */
    String get(String entity, String key) throws Exception;

    void put(String entity, String key, String state) throws Exception;
}
