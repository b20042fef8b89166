package dev.coldbrew.api.runtime;

import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.Revision;
import java.util.Locale;
import java.util.Map;

/**
 * What runs a Revision's instances on one machine: an OS process ({@code command} + {@code args})
 * or a container of its {@code image}. The choice, in order: the revision's {@value #ANNOTATION}
 * annotation; the platform's default ({@code engine} in the config file's {@code coldbrew:}
 * section) unless that is {@code auto}; otherwise a container with a {@code command} runs as a
 * process and one with only an {@code image} runs as a container. Immutable.
 */
public enum Engine {
  PROCESS,
  CONTAINER;

  /**
   * The per-revision annotation that forces an engine: {@code process} or {@code container}; in a
   * revision's status annotations, the engine that runs it.
   */
  public static final String ANNOTATION = "coldbrew.dev/engine";

  /** The status annotation that names a revision's containers, comma-separated. */
  public static final String CONTAINERS_ANNOTATION = "coldbrew.dev/containers";

  /** What the annotation and the config key accept. */
  public static final String EXPECTED = "process or container";

  /** Its name in manifests, config and output: {@code process}, {@code container}. */
  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The engine named {@code v} ({@code process}, {@code container}), or null. */
  public static Engine parse(String v) {
    for (Engine e : values()) {
      if (e.value().equals(v)) {
        return e;
      }
    }
    return null;
  }

  /**
   * The engine of a revision (or revision template) with these annotations and this container.
   *
   * @param platformDefault the platform's default, or null for {@code auto}
   */
  public static Engine of(Map<String, String> annotations, Container c, Engine platformDefault) {
    Engine forced = annotations == null ? null : parse(annotations.get(ANNOTATION));
    if (forced != null) {
      return forced;
    }
    if (platformDefault != null) {
      return platformDefault;
    }
    return c != null && c.command != null && !c.command.isEmpty() ? PROCESS : CONTAINER;
  }

  /** {@link #of(Map, Container, Engine)} of a Revision. */
  public static Engine of(Revision r, Engine platformDefault) {
    return of(
        r.metadata == null ? null : r.metadata.annotations,
        r.spec == null ? null : r.spec.container(),
        platformDefault);
  }
}
