package dev.coldbrew.store;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.Resource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An informer: an in-memory copy of every resource in a {@link Store}, kept current by list +
 * watch, that reconcilers read instead of the store. Resources are indexed by kind, namespace and
 * name, and by the uid of their controller owner reference, so a resource's children are found
 * without scanning.
 *
 * <p>{@link #start} lists every kind and watches from there; handlers registered with {@link
 * #onEvent} are called for each add, update and delete of their kind (with the last known object
 * for a delete), on the cache's single watch thread, after the cache reflects the change; they
 * should be quick (enqueue a key). When the watch is RESET the cache lists again and reports what
 * changed meanwhile to the handlers, as adds, updates and deletes.
 *
 * <p>Objects returned are shared with other readers and must not be changed: copy them ({@link
 * dev.coldbrew.api.codec.ResourceCodec#copy}) first. Reads are thread-safe and never block.
 */
public final class ResourceCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ResourceCache.class);

  private record Key(Kind kind, String namespace, String name) {}

  private final Store store;

  /** kind → namespace → name → resource. */
  private final Map<Kind, Map<String, Map<String, Resource>>> items = new EnumMap<>(Kind.class);

  /** controller owner uid → the keys of its children. */
  private final Map<String, Set<Key>> byOwner = new ConcurrentHashMap<>();

  private final Map<Kind, List<Consumer<Resource>>> handlers = new EnumMap<>(Kind.class);
  private final CountDownLatch synced = new CountDownLatch(1);
  private final AtomicBoolean started = new AtomicBoolean();
  private final Object watchLock = new Object();
  private Watch watch;
  private volatile boolean closed;

  /** Per kind, the resourceVersion of the last list; events at or below it are already applied. */
  private final Map<Kind, Long> listedAt = new EnumMap<>(Kind.class);

  /** Every change at or below this resourceVersion is reflected; guarded by itself for waits. */
  private final Object syncedTo = new Object();

  private volatile long lastSyncResourceVersion;

  private ResourceCache(Store store) {
    this.store = store;
    for (Kind k : Kind.values()) {
      items.put(k, new ConcurrentHashMap<>());
      handlers.put(k, new CopyOnWriteArrayList<>());
    }
  }

  /** A cache of {@code store}, not yet started: register handlers, then {@link #start()}. */
  public static ResourceCache of(Store store) {
    return new ResourceCache(store);
  }

  /**
   * Lists every kind and starts watching. Handlers registered before are called for every listed
   * resource (as adds); {@link #hasSynced} is true afterwards.
   *
   * @return this cache
   */
  public ResourceCache start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("this cache is already started");
    }
    relist();
    synced.countDown();
    return this;
  }

  /**
   * Calls {@code handler} with the resource of every add, update and delete of {@code kind}. For a
   * delete it gets the last known resource and {@link #get} no longer finds it.
   */
  public void onEvent(Kind kind, Consumer<Resource> handler) {
    handlers.get(kind).add(handler);
  }

  /** True once the first list has been loaded. */
  public boolean hasSynced() {
    return synced.getCount() == 0;
  }

  /** Waits until the first list has been loaded; false on timeout. */
  public boolean awaitSynced(Duration timeout) throws InterruptedException {
    return synced.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The resourceVersion up to which the cache reflects the store (client-go's {@code
   * LastSyncResourceVersion}): every change at or below it has been applied and its handlers have
   * run. 0 before {@link #start}.
   */
  public long lastSyncResourceVersion() {
    return lastSyncResourceVersion;
  }

  /**
   * Waits until the cache reflects every change up to {@code resourceVersion} — for a caller that
   * wrote to the store and must read its write back through the cache.
   *
   * @return false if that took longer than {@code timeout} or the cache was closed meanwhile
   */
  public boolean awaitResourceVersion(long resourceVersion, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (syncedTo) {
      while (lastSyncResourceVersion < resourceVersion && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(syncedTo, left);
      }
      return lastSyncResourceVersion >= resourceVersion;
    }
  }

  /** The cached resource, shared: copy before changing. */
  public Optional<Resource> get(Kind kind, String namespace, String name) {
    Map<String, Resource> ns = items.get(kind).get(namespace);
    return ns == null ? Optional.empty() : Optional.ofNullable(ns.get(name));
  }

  /** The cached resources of {@code kind} in {@code namespace} ({@code null}: all), shared. */
  public List<Resource> list(Kind kind, String namespace) {
    Map<String, Map<String, Resource>> byNs = items.get(kind);
    if (namespace != null) {
      Map<String, Resource> ns = byNs.get(namespace);
      return ns == null ? List.of() : List.copyOf(ns.values());
    }
    List<Resource> out = new ArrayList<>();
    for (Map<String, Resource> ns : byNs.values()) {
      out.addAll(ns.values());
    }
    return out;
  }

  /** How many resources of {@code kind} are cached, in all namespaces; without copying them. */
  public int count(Kind kind) {
    int n = 0;
    for (Map<String, Resource> ns : items.get(kind).values()) {
      n += ns.size();
    }
    return n;
  }

  /** The cached resources whose controller owner reference has this uid, shared. */
  public List<Resource> listOwnedBy(String ownerUid) {
    Set<Key> keys = byOwner.get(ownerUid);
    if (keys == null) {
      return List.of();
    }
    List<Resource> out = new ArrayList<>(keys.size());
    for (Key k : keys) {
      get(k.kind(), k.namespace(), k.name()).ifPresent(out::add);
    }
    return out;
  }

  /** The cached resources of {@code kind} whose controller owner reference has this uid. */
  public List<Resource> listOwnedBy(Kind kind, String ownerUid) {
    List<Resource> out = new ArrayList<>();
    for (Resource r : listOwnedBy(ownerUid)) {
      if (r.resourceKind() == kind) {
        out.add(r);
      }
    }
    return out;
  }

  @Override
  public void close() {
    closed = true;
    synchronized (syncedTo) {
      syncedTo.notifyAll();
    }
    synchronized (watchLock) {
      if (watch != null) {
        watch.close();
      }
    }
  }

  // ------------------------------------------------------------ list + watch

  /** Lists every kind, reports the differences to the handlers, and watches from there. */
  private void relist() {
    long from = Long.MAX_VALUE;
    for (Kind kind : Kind.values()) {
      ListResult result = store.list(kind, null);
      listedAt.put(kind, result.resourceVersion());
      from = Math.min(from, result.resourceVersion());
      Map<Key, Resource> previous = new HashMap<>();
      for (Resource r : list(kind, null)) {
        previous.put(key(r), r);
      }
      for (Resource r : result.items()) {
        Resource old = previous.remove(key(r));
        if (old == null
            || !Objects.equals(old.metadata.resourceVersion, r.metadata.resourceVersion)) {
          put(r, old);
          fire(kind, r);
        }
      }
      for (Resource gone : previous.values()) {
        remove(gone);
        fire(kind, gone);
      }
    }
    synced(from);
    synchronized (watchLock) {
      if (!closed) {
        watch = store.watch(from, this::apply);
      }
    }
  }

  private void synced(long resourceVersion) {
    synchronized (syncedTo) {
      if (resourceVersion > lastSyncResourceVersion) {
        lastSyncResourceVersion = resourceVersion;
        syncedTo.notifyAll();
      }
    }
  }

  /** Applies one watch event; called only on the watch's thread. */
  private void apply(WatchEvent e) {
    if (closed) {
      return;
    }
    if (e.type() == WatchEvent.Type.RESET) {
      LOG.info("watch reset at resourceVersion {}: listing again", e.resourceVersion());
      try {
        relist();
      } catch (StoreException ex) {
        LOG.error("relisting after a watch reset failed; the cache is stale", ex);
      }
      return;
    }
    if (e.resourceVersion() > listedAt.get(e.kind())) {
      Resource r = e.resource();
      if (e.type() == WatchEvent.Type.DELETED) {
        remove(r);
      } else {
        put(r, get(e.kind(), e.namespace(), e.name()).orElse(null));
      }
      fire(e.kind(), r);
    }
    synced(e.resourceVersion());
  }

  private void fire(Kind kind, Resource r) {
    for (Consumer<Resource> h : handlers.get(kind)) {
      try {
        h.accept(r);
      } catch (RuntimeException ex) {
        LOG.error("handler for {} failed on {}", kind.kindName(), r, ex);
      }
    }
  }

  private static Key key(Resource r) {
    return new Key(r.resourceKind(), r.metadata.namespace, r.metadata.name);
  }

  private void put(Resource r, Resource old) {
    items
        .get(r.resourceKind())
        .computeIfAbsent(r.metadata.namespace, ns -> new ConcurrentHashMap<>())
        .put(r.metadata.name, r);
    String oldOwner = ownerUid(old);
    String newOwner = ownerUid(r);
    Key key = key(r);
    if (oldOwner != null && !oldOwner.equals(newOwner)) {
      unindex(oldOwner, key);
    }
    if (newOwner != null) {
      byOwner.computeIfAbsent(newOwner, u -> ConcurrentHashMap.newKeySet()).add(key);
    }
  }

  private void remove(Resource r) {
    Map<String, Resource> ns = items.get(r.resourceKind()).get(r.metadata.namespace);
    Resource old = ns == null ? null : ns.remove(r.metadata.name);
    String owner = ownerUid(old != null ? old : r);
    if (owner != null) {
      unindex(owner, key(r));
    }
  }

  private void unindex(String ownerUid, Key key) {
    byOwner.computeIfPresent(
        ownerUid,
        (u, keys) -> {
          keys.remove(key);
          return keys.isEmpty() ? null : keys;
        });
  }

  private static String ownerUid(Resource r) {
    if (r == null) {
      return null;
    }
    OwnerReference ref = r.metadata.controllerRef();
    return ref == null ? null : ref.uid;
  }

  /** For tests: the number of cached resources of every kind. */
  int size() {
    int n = 0;
    for (Map<String, Map<String, Resource>> byNs : items.values()) {
      for (Map<String, Resource> ns : byNs.values()) {
        n += ns.size();
      }
    }
    return n;
  }
}
