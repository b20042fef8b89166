package dev.coldbrew.server.events;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happened on the platform, like Kubernetes events: scale-ups and downs, cold starts, SKS mode
 * changes, instances that started or exited. Each is also logged, one line per event. Kept in
 * memory, bounded by age and count (the oldest go first; across restarts through {@link
 * EventFile}), and streamed to watchers as they are recorded. Thread-safe; watchers are called on
 * the recording thread and must not block.
 */
public final class EventLog {
  private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);

  /** Kubernetes keeps events for an hour. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(1);

  public static final int DEFAULT_MAX_COUNT = 1000;

  /**
   * One event.
   *
   * @param time when it happened
   * @param namespace the namespace of the object
   * @param type {@code Normal} or {@code Warning}
   * @param reason one CamelCase word, e.g. {@code ScaledUp}
   * @param object {@code kind/name}, e.g. {@code revision/hello-00001}
   * @param message what happened, for people
   */
  public record Event(
      Instant time, String namespace, String type, String reason, String object, String message) {
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";
  }

  private final Clock clock;
  private final Duration maxAge;
  private final int maxCount;
  private final ArrayDeque<Event> events = new ArrayDeque<>();
  private final List<Consumer<Event>> watchers = new CopyOnWriteArrayList<>();

  public EventLog(Clock clock, Duration maxAge, int maxCount) {
    if (maxCount < 1) {
      throw new IllegalArgumentException("maxCount: " + maxCount + " (expected: >= 1)");
    }
    this.clock = clock;
    this.maxAge = Objects.requireNonNull(maxAge, "maxAge");
    this.maxCount = maxCount;
  }

  /** Records an event that happened now. */
  public void record(String namespace, String type, String reason, String object, String message) {
    Event e = new Event(clock.instant(), namespace, type, reason, object, message);
    if (Event.WARNING.equals(type)) {
      LOG.warn("{} {}/{}: {}", reason, namespace, object, message);
    } else {
      LOG.info("{} {}/{}: {}", reason, namespace, object, message);
    }
    synchronized (events) {
      events.addLast(e);
      while (events.size() > maxCount) {
        events.removeFirst();
      }
      expire(e.time());
    }
    for (Consumer<Event> w : watchers) {
      w.accept(e);
    }
  }

  /**
   * Puts back events recorded before a restart (oldest first), keeping what the age and count
   * bounds keep; they are not logged again nor sent to watchers.
   */
  public void restore(List<Event> earlier) {
    synchronized (events) {
      List<Event> now = new ArrayList<>(events);
      events.clear();
      earlier.forEach(events::addLast);
      now.forEach(events::addLast);
      while (events.size() > maxCount) {
        events.removeFirst();
      }
      expire(clock.instant());
    }
  }

  /** The events kept, oldest first; {@code namespace} null for every namespace. */
  public List<Event> list(String namespace) {
    List<Event> out = new ArrayList<>();
    synchronized (events) {
      expire(clock.instant());
      for (Event e : events) {
        if (namespace == null || namespace.equals(e.namespace())) {
          out.add(e);
        }
      }
    }
    return out;
  }

  /**
   * Calls {@code watcher} with every event recorded from now on, until the returned handle closes.
   */
  public AutoCloseable watch(Consumer<Event> watcher) {
    watchers.add(watcher);
    return () -> watchers.remove(watcher);
  }

  private void expire(Instant now) {
    Instant oldest = now.minus(maxAge);
    while (!events.isEmpty() && events.peekFirst().time().isBefore(oldest)) {
      events.removeFirst();
    }
  }
}
