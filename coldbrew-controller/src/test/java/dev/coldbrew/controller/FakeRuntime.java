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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A runtime with no processes: {@code scale} records what was asked (the last count per revision,
 * and every call in order with the calling thread) and, when {@code autoReady}, reports that many
 * instances ready at once; tests can also fail a revision, or hold {@code scale} until they open a
 * gate.
 */
final class FakeRuntime implements InstanceRuntime {
  final Map<NamespacedName, Integer> scaled = new ConcurrentHashMap<>();
  final List<NamespacedName> removed = new CopyOnWriteArrayList<>();
  private final Map<NamespacedName, RevisionInstances> state = new ConcurrentHashMap<>();
  private final List<InstanceListener> listeners = new CopyOnWriteArrayList<>();

  /** Every {@code scale} call, {@code name=count}, in order. */
  final List<String> scaleCalls = new CopyOnWriteArrayList<>();

  /** The thread of every {@code scale} call, in order. */
  final List<Thread> scaleThreads = new CopyOnWriteArrayList<>();

  volatile boolean autoReady = true;

  /** When set, {@code scale} counts {@link #scaleEntered} down, then waits for this gate. */
  volatile CountDownLatch scaleGate;

  final CountDownLatch scaleEntered = new CountDownLatch(1);

  @Override
  public void scale(Revision revision, int count) {
    NamespacedName key = NamespacedName.of(revision);
    scaleCalls.add(key.name() + "=" + count);
    scaleThreads.add(Thread.currentThread());
    CountDownLatch gate = scaleGate;
    if (gate != null) {
      scaleEntered.countDown();
      try {
        if (!gate.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never opened the scale gate");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
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
