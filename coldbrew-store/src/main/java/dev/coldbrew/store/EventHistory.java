package dev.coldbrew.store;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch fan-out: a ring of the last {@code capacity} committed events, indexed by
 * resourceVersion, and one delivery thread per watch reading it with its own cursor.
 *
 * <p>Resource versions are dense (every event has the next one), so the event for version {@code v}
 * lives in slot {@code v % capacity} until {@code capacity} newer events overwrite it. The writer
 * {@link #publish}es after each commit by filling slots and then advancing {@code published}; it
 * never waits for a watcher. A watcher whose next version was overwritten has fallen more than
 * {@code capacity} events behind (the bound of its queue): it gets RESET and ends. Watching from a
 * version before the retained window (or after the last assigned one) is also answered with RESET.
 * Public so that other {@link Store}s (the Kubernetes one numbers the changes its informers see)
 * fan out the same way. Thread-safe; {@link #publish} is called by one thread at a time.
 */
public final class EventHistory {
  private static final Logger LOG = LoggerFactory.getLogger(EventHistory.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final int capacity;
  private final AtomicReferenceArray<WatchEvent> ring;

  /** Versions at or below this were committed before this process started: not retained. */
  private final long baseResourceVersion;

  /** The highest version any write has been assigned (may be ahead of published). */
  private final LongSupplier assignedResourceVersion;

  private final Object lock = new Object();
  private volatile long published;
  private volatile boolean closed;

  /**
   * @param capacity how many events are retained
   * @param baseResourceVersion versions at or below it are not retained (watching from before it is
   *     RESET)
   * @param assignedResourceVersion the highest version assigned so far
   */
  public EventHistory(
      int capacity, long baseResourceVersion, LongSupplier assignedResourceVersion) {
    this.capacity = capacity;
    this.ring = new AtomicReferenceArray<>(capacity);
    this.baseResourceVersion = baseResourceVersion;
    this.published = baseResourceVersion;
    this.assignedResourceVersion = assignedResourceVersion;
  }

  /** Appends committed events, in order, with consecutive versions; called by the writer only. */
  public void publish(List<WatchEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    for (WatchEvent e : events) {
      ring.set(slot(e.resourceVersion()), e);
    }
    published = events.get(events.size() - 1).resourceVersion();
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  /** Delivers the events after {@code fromResourceVersion} on a thread of its own. */
  public Watch watch(long fromResourceVersion, WatchListener listener) {
    Watcher w = new Watcher(fromResourceVersion, listener);
    Thread t = new Thread(w::run, "coldbrew-store-watch-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    t.start();
    return w;
  }

  /** Ends every watch. */
  public void close() {
    closed = true;
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  private int slot(long resourceVersion) {
    return (int) Math.floorMod(resourceVersion, (long) capacity);
  }

  private final class Watcher implements Watch {
    private final WatchListener listener;
    private long next;
    private volatile boolean stopped;

    Watcher(long fromResourceVersion, WatchListener listener) {
      this.listener = listener;
      this.next = fromResourceVersion + 1;
    }

    void run() {
      long oldestRetained = Math.max(baseResourceVersion + 1, published - capacity + 1);
      if (next < oldestRetained || next - 1 > assignedResourceVersion.getAsLong()) {
        deliver(WatchEvent.reset(next - 1));
        return;
      }
      while (true) {
        try {
          synchronized (lock) {
            while (!stopped && !closed && published < next) {
              lock.wait();
            }
          }
        } catch (InterruptedException e) {
          return;
        }
        if (stopped || closed) {
          return;
        }
        long upTo = published;
        for (; next <= upTo; next++) {
          WatchEvent e = ring.get(slot(next));
          if (e == null || e.resourceVersion() != next) {
            deliver(WatchEvent.reset(next - 1));
            return;
          }
          deliver(e);
          if (stopped) {
            return;
          }
        }
      }
    }

    private void deliver(WatchEvent e) {
      try {
        listener.onEvent(e);
      } catch (RuntimeException ex) {
        LOG.error("watch listener failed on {}", e, ex);
      }
    }

    @Override
    public void close() {
      stopped = true;
      synchronized (lock) {
        lock.notifyAll();
      }
    }
  }
}
