package dev.coldbrew.api.runtime;

import dev.coldbrew.api.model.NamespacedName;
import java.util.List;

/**
 * An immutable snapshot of one revision's instances.
 *
 * @param revision the revision
 * @param ready the instances that passed their readiness probe and are not draining, in start order
 * @param total every instance that exists and is not stopping (starting, ready, or restarting)
 * @param health whether the container keeps running; a crash loop shows here
 */
public record RevisionInstances(
    NamespacedName revision, List<Instance> ready, int total, ContainerHealth health) {

  public RevisionInstances {
    ready = List.copyOf(ready);
  }

  /** No instances, healthy. */
  public static RevisionInstances none(NamespacedName revision) {
    return new RevisionInstances(revision, List.of(), 0, ContainerHealth.HEALTHY);
  }
}
