package dev.coldbrew.runtime.local;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.RevisionInstances;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the runtime keeps per Revision: the template its instances start from, the desired count,
 * the instances that are not stopping (in start order), the container health, the last snapshot
 * published, and the start time the startup probe schedule learns from. Not thread-safe: guarded by
 * the runtime's lock.
 */
final class RevisionState {
  final NamespacedName key;
  RevisionTemplate template;
  int desired;
  boolean removed;

  /** Instances that are not stopping, in start order. */
  final List<LocalInstance> instances = new ArrayList<>();

  ContainerHealth health = ContainerHealth.HEALTHY;
  RevisionInstances published;

  /** How long the last instance that passed its startup probe took from launch; -1 before. */
  long lastStartNanos = -1;

  RevisionState(RevisionTemplate template) {
    this.key = template.revision();
    this.template = template;
  }

  /** The instances to stop to get down to {@link #desired}: not ready first, then the newest. */
  List<LocalInstance> surplus() {
    int extra = instances.size() - desired;
    if (extra <= 0) {
      return List.of();
    }
    List<LocalInstance> order = new ArrayList<>(instances);
    order.sort(
        Comparator.comparing((LocalInstance i) -> i.life.phase() == InstanceLife.Phase.READY)
            .thenComparing(i -> -instances.indexOf(i)));
    return List.copyOf(order.subList(0, extra));
  }

  /** The ready instances in start order, at the address their run is reached at, and the count. */
  RevisionInstances snapshot() {
    List<Instance> ready = new ArrayList<>();
    for (LocalInstance i : instances) {
      if (i.life.phase() == InstanceLife.Phase.READY) {
        ready.add(new Instance(i.id, i.run.host(), i.run.port()));
      }
    }
    return new RevisionInstances(key, ready, instances.size(), health);
  }
}
