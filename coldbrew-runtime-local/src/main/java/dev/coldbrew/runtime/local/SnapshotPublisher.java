package dev.coldbrew.runtime.local;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.runtime.InstanceListener;
import dev.coldbrew.api.runtime.RevisionInstances;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each Revision's latest {@link RevisionInstances}, readable without a lock, and the listeners told
 * of every change, in order, on one notifier thread ({@code coldbrew-runtime-notify-1}) with
 * immutable snapshots. Work queued with {@link #afterListeners} runs on that thread after the
 * listener calls queued before it (a stopping instance is drained only once listeners know it left
 * the ready set). Thread-safe; the runtime publishes under its lock, so snapshots go out in the
 * order the state changed, and {@link #publish} only enqueues — except to the inline listeners
 * ({@link #subscribeInline}), called by {@link #publish} itself, before it returns.
 */
final class SnapshotPublisher {
  private static final Logger log = LoggerFactory.getLogger(SnapshotPublisher.class);

  private final ExecutorService notifier =
      Executors.newSingleThreadExecutor(RuntimeScheduler.daemonThreads("coldbrew-runtime-notify"));
  private final List<InstanceListener> listeners = new CopyOnWriteArrayList<>();
  private final List<InstanceListener> inline = new CopyOnWriteArrayList<>();
  private final Map<NamespacedName, RevisionInstances> latest = new ConcurrentHashMap<>();

  void subscribe(InstanceListener listener) {
    listeners.add(listener);
  }

  /** A listener called on the publishing thread, under the runtime's lock: see LocalRuntime. */
  void subscribeInline(InstanceListener listener) {
    inline.add(listener);
  }

  /** The latest snapshot of the revision, or none. */
  RevisionInstances get(NamespacedName revision) {
    RevisionInstances s = latest.get(revision);
    return s != null ? s : RevisionInstances.none(revision);
  }

  /** Makes {@code snap} the latest and queues the listener calls. */
  void publish(RevisionInstances snap) {
    latest.put(snap.revision(), snap);
    for (InstanceListener l : inline) {
      tell(l, snap);
    }
    try {
      notifier.execute(
          () -> {
            for (InstanceListener l : listeners) {
              tell(l, snap);
            }
          });
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private static void tell(InstanceListener l, RevisionInstances snap) {
    try {
      l.onChange(snap);
    } catch (RuntimeException e) {
      log.warn("instance listener failed on {}", snap, e);
    }
  }

  /** Forgets the revision's snapshot (it was removed); listeners are not told. */
  void forget(NamespacedName revision) {
    latest.remove(revision);
  }

  /** Runs {@code r} on the notifier thread after the calls queued so far; inline once closed. */
  void afterListeners(Runnable r) {
    try {
      notifier.execute(r);
    } catch (RejectedExecutionException e) {
      r.run();
    }
  }

  /** Delivers what is queued (waiting up to 5 s), then stops the notifier thread. */
  void close() {
    notifier.shutdown();
    try {
      notifier.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
