package dev.coldbrew.api.runtime;

import java.util.Locale;
import java.util.Map;

/**
 * How the platform reaches a container instance. {@link #BRIDGE} (the default) is Knative's
 * contract: the container has its own network namespace, {@code PORT} is its {@code containerPort}
 * (8080 unless declared), and the platform reaches it through a port mapping on {@code 127.0.0.1},
 * so two instances of one image can both listen on 8080. {@link #HOST} shares the machine's
 * network: {@code PORT} is a free port, like a process's, which saves the mapping's cost for apps
 * that honour {@code PORT}. Chosen by the revision's {@value #ANNOTATION} annotation, else the
 * config file's {@code container-network}. Immutable.
 */
public enum ContainerNetwork {
  BRIDGE,
  HOST;

  /** The per-revision annotation: {@code bridge} or {@code host}. */
  public static final String ANNOTATION = "coldbrew.dev/container-network";

  /** What the annotation and the config key accept. */
  public static final String EXPECTED = "bridge or host";

  /** Its name in manifests and config: {@code bridge}, {@code host}. */
  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The mode named {@code v}, or null. */
  public static ContainerNetwork parse(String v) {
    for (ContainerNetwork n : values()) {
      if (n.value().equals(v)) {
        return n;
      }
    }
    return null;
  }

  /** The annotation's mode if set and valid, else {@code platformDefault}. */
  public static ContainerNetwork of(Map<String, String> annotations, ContainerNetwork dflt) {
    ContainerNetwork n = annotations == null ? null : parse(annotations.get(ANNOTATION));
    return n != null ? n : dflt;
  }
}
