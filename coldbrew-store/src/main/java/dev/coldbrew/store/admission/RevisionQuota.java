package dev.coldbrew.store.admission;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.store.ResourceCache;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The platform's limit on Revisions ({@code coldbrew: max-revisions}), what its memory grows with:
 * every Revision brings a PodAutoscaler, an SKS, two Endpoints, a decider and a set of meters. A
 * user write that would make a Revision — creating a Service, Configuration or Revision, or
 * changing the template of a Service or Configuration — is refused with {@link Exceeded} (403) when
 * the platform already holds the limit; other writes always pass, so an apply that leaves the
 * template as it is still works at the limit.
 *
 * <p>What counts as held: the Revisions in the controller's cache, plus every Service and
 * Configuration whose generation is ahead of its {@code observedGeneration} (its next Revision is
 * still to be made; a Service and its Configuration may both count while the change passes from one
 * to the other), plus the writes admitted here that the cache has not shown yet. So a burst of
 * creates stops at the limit even while the reconcilers lag behind. Checking and reserving is one
 * synchronized step, and so is bringing one resource's count in line with the cache (the cache's
 * handlers run on its watch thread). Thread-safe.
 */
public final class RevisionQuota {
  /** The config key. */
  public static final String KEY = "max-revisions";

  /** How long a reservation waits for the cache to show its write before it is dropped. */
  private static final long RESERVATION_NANOS = 60_000_000_000L;

  private static final RevisionQuota UNLIMITED = new RevisionQuota(null, Integer.MAX_VALUE);

  private record Key(Kind kind, String namespace, String name) {}

  /** A write admitted here: the resourceVersion it got (MAX until it returns) and its deadline. */
  private record Reservation(long resourceVersion, long deadlineNanos) {}

  private final ResourceCache cache;
  private final int limit;
  private final Set<Key> unreconciled = ConcurrentHashMap.newKeySet();
  private final Map<Key, Reservation> reserved = new ConcurrentHashMap<>();
  private final AtomicLong writes = new AtomicLong();

  private RevisionQuota(ResourceCache cache, int limit) {
    this.cache = cache;
    this.limit = limit;
  }

  /** No limit (tests and tools that write without a controller's cache). */
  public static RevisionQuota unlimited() {
    return UNLIMITED;
  }

  /**
   * A limit of {@code limit} Revisions over what {@code cache} holds; registers handlers on it
   * (started or not) and takes in what it holds already.
   */
  public static RevisionQuota watching(ResourceCache cache, int limit) {
    RevisionQuota q = new RevisionQuota(cache, limit);
    for (Kind k : new Kind[] {Kind.SERVICE, Kind.CONFIGURATION, Kind.REVISION}) {
      cache.onEvent(k, r -> q.refresh(k, r.metadata.namespace, r.metadata.name));
      for (Resource r : cache.list(k, null)) {
        q.refresh(k, r.metadata.namespace, r.metadata.name);
      }
    }
    return q;
  }

  /** The limit. */
  public int limit() {
    return limit;
  }

  /** Revisions held or about to be made, as counted for the limit. */
  public int used() {
    if (cache == null) {
      return 0;
    }
    long now = System.nanoTime();
    reserved.values().removeIf(r -> now - r.deadlineNanos() > 0);
    return cache.count(Kind.REVISION) + unreconciled.size() + reserved.size();
  }

  /**
   * Runs {@code write} for {@code r}; when {@code makesRevision}, only if the platform holds fewer
   * Revisions than the limit, counting this write as held until the cache shows it.
   *
   * @throws Exceeded when the limit is reached; nothing is written
   */
  <T extends Resource> T write(Resource r, boolean makesRevision, Supplier<T> write) {
    if (!makesRevision || cache == null) {
      return write.get();
    }
    // held under a key of its own until the write returns (the name may be generated)
    Key pending = new Key(r.resourceKind(), r.metadata.namespace, "\0" + writes.incrementAndGet());
    synchronized (this) {
      int used = used();
      if (used >= limit) {
        throw new Exceeded(r, used, limit);
      }
      reserved.put(pending, new Reservation(Long.MAX_VALUE, System.nanoTime() + RESERVATION_NANOS));
    }
    T stored;
    try {
      stored = write.get();
    } catch (RuntimeException | Error e) {
      reserved.remove(pending);
      throw e;
    }
    Key key = new Key(stored.resourceKind(), stored.metadata.namespace, stored.metadata.name);
    synchronized (this) {
      Reservation res = reserved.remove(pending);
      if (res != null) {
        reserved.put(key, new Reservation(version(stored), res.deadlineNanos()));
      }
    }
    refresh(key.kind(), key.namespace(), key.name()); // the cache may have shown it already
    return stored;
  }

  /**
   * Brings what is counted for one resource in line with the cache. Under the same monitor as the
   * check in {@link #write}: between its two steps a resource may be counted both as unreconciled
   * and as reserved, and a check in that moment would refuse a write the limit allows.
   */
  private synchronized void refresh(Kind kind, String namespace, String name) {
    Key key = new Key(kind, namespace, name);
    Resource now = cache.get(kind, namespace, name).orElse(null);
    if (now != null && kind != Kind.REVISION && behind(now)) {
      unreconciled.add(key);
    } else {
      unreconciled.remove(key);
    }
    if (now != null) {
      reserved.computeIfPresent(
          key, (k, res) -> version(now) >= res.resourceVersion() ? null : res);
    }
  }

  /** A Service or Configuration whose latest generation the controller has not reconciled. */
  private static boolean behind(Resource r) {
    Long generation = r.metadata.generation;
    Long observed = r.status() == null ? null : r.status().observedGeneration;
    return generation != null && (observed == null || observed < generation);
  }

  private static long version(Resource r) {
    try {
      return Long.parseLong(r.metadata.resourceVersion);
    } catch (NumberFormatException e) {
      return 0; // not from the store (which always sets one)
    }
  }

  /**
   * A write refused by the limit: 403 Forbidden, as a Kubernetes ResourceQuota refuses. An {@link
   * IllegalStateException}, so {@code serve -f} reports its message. Immutable.
   */
  public static final class Exceeded extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    Exceeded(Resource r, int used, int limit) {
      super(
          r.resourceKind().plural()
              + "."
              + r.resourceKind().group()
              + " \""
              + (r.metadata.name == null || r.metadata.name.isEmpty()
                  ? r.metadata.generateName
                  : r.metadata.name)
              + "\" is forbidden: exceeded quota: "
              + KEY
              + ", requested: 1 revision, used: "
              + used
              + " revisions (limit "
              + limit
              + ", set coldbrew: "
              + KEY
              + " in the config file or raise -Xmx)");
    }
  }
}
