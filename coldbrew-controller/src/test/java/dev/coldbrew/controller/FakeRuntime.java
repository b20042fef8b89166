package dev.coldbrew.controller;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.InstanceListener;
import dev.coldbrew.api.runtime.InstanceRuntime;
import dev.coldbrew.api.runtime.RevisionInstances;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A runtime with no processes: {@code scale} and {@code remove} are recorded in order ({@link
 * #calls}: {@code scale default/hello-00001 1}) and, when {@code autoReady}, {@code scale} reports
 * that many instances ready at once; tests set a revision's instances and health with {@link
 * #setReady}.
 */
final class FakeRuntime implements InstanceRuntime {
  final List<String> calls = new CopyOnWriteArrayList<>();
  final Map<NamespacedName, Integer> scaled = new ConcurrentHashMap<>();
  final List<NamespacedName> removed = new CopyOnWriteArrayList<>();
  private final Map<NamespacedName, RevisionInstances> state = new ConcurrentHashMap<>();
  private final List<InstanceListener> listeners = new CopyOnWriteArrayList<>();
  volatile boolean autoReady = true;

  @Override
  public void scale(Revision revision, int count) {
    NamespacedName key = NamespacedName.of(revision);
    calls.add("scale " + key + " " + count);
    scaled.put(key, count);
    if (autoReady) {
      setReady(key, count, ContainerHealth.HEALTHY);
    }
  }

  void setReady(NamespacedName key, int count, ContainerHealth health) {
    List<Instance> ready = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ready.add(new Instance(key.name() + "-" + i, "127.0.0.1", 20000 + i));
    }
    RevisionInstances inst = new RevisionInstances(key, ready, count, health);
    state.put(key, inst);
    listeners.forEach(l -> l.onChange(inst));
  }

  @Override
  public void remove(NamespacedName revision) {
    calls.add("remove " + revision);
    removed.add(revision);
    state.remove(revision);
  }

  @Override
  public RevisionInstances instances(NamespacedName revision) {
    return state.getOrDefault(revision, RevisionInstances.none(revision));
  }

  @Override
  public void subscribe(InstanceListener listener) {
    listeners.add(listener);
  }

  @Override
  public void close() {}
}
