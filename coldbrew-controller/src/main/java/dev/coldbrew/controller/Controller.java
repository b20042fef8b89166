package dev.coldbrew.controller;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Reconciler} over a {@link WorkQueue} with a few worker threads: a conflict
 * re-runs the key at once (it read a stale object), any other failure backs off per key, and a
 * requested requeue is honoured. Thread-safe.
 */
public final class Controller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

  private final String name;
  private final Reconciler reconciler;
  private final WorkQueue<NamespacedName> queue;
  private final List<Thread> workers = new ArrayList<>();

  Controller(String name, Reconciler reconciler, ScheduledExecutorService timer, int workers) {
    this.name = name;
    this.reconciler = reconciler;
    this.queue = new WorkQueue<>(timer, Duration.ofMillis(5), Duration.ofSeconds(30));
    for (int i = 0; i < workers; i++) {
      Thread t = new Thread(this::work, "reconcile-" + name + "-" + i);
      t.setDaemon(true);
      this.workers.add(t);
    }
  }

  void start() {
    workers.forEach(Thread::start);
  }

  /** Queues a key (de-duplicated). */
  public void enqueue(NamespacedName key) {
    queue.add(key);
  }

  /** Queues a key after a delay. */
  public void enqueueAfter(NamespacedName key, Duration delay) {
    queue.addAfter(key, delay);
  }

  private void work() {
    while (true) {
      NamespacedName key;
      try {
        key = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (key == null) {
        return;
      }
      try {
        Duration again = reconciler.reconcile(key);
        queue.forget(key);
        if (again != null) {
          queue.addAfter(key, again);
        }
      } catch (StoreException e) {
        if (e.reason() == StoreException.Reason.CONFLICT
            || e.reason() == StoreException.Reason.ALREADY_EXISTS
            || e.reason() == StoreException.Reason.NOT_FOUND) {
          LOG.debug("{} {}: {}; retrying", name, key, e.getMessage());
          queue.addRateLimited(key);
        } else {
          LOG.warn("{} {}: {}", name, key, e.getMessage());
          queue.addRateLimited(key);
        }
      } catch (Exception | Error e) {
        LOG.error("{} {} failed; retrying with backoff", name, key, e);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  }

  @Override
  public void close() {
    queue.shutdown();
    for (Thread t : workers) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
