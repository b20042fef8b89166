package dev.coldbrew.store;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.store.StoreException.Reason;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A {@link Store} in memory, for tests: the same {@link WriteRules} as {@link SqliteStore} over
 * maps instead of tables, and the same watch fan-out ({@link EventHistory}), so resourceVersions
 * are dense from 1, conflicts, generations, the status subresource, generated names and cascading
 * deletes behave exactly as on SQLite, and reads always see the last write. Nothing is durable.
 * Writes run on the caller's thread under one lock, so a write has happened when its method
 * returns; the async methods do the same and return a future that is already complete, so their
 * dependent stages run at once on the caller's thread. Watch listeners run on the history's
 * delivery threads, as on SQLite. Objects returned are new (decoded from the stored JSON).
 * Thread-safe.
 */
public final class InMemoryStore implements Store {
  private static final int HISTORY_EVENTS = 10_000;

  private final WriteRules rules;
  private final Rows rows = new Rows();
  private final EventHistory history;
  private volatile boolean closed;

  /** An empty store on the system clock, keeping 10 000 events for watches. */
  public InMemoryStore() {
    this(Clock.systemUTC(), HISTORY_EVENTS);
  }

  /**
   * An empty store.
   *
   * @param clock the source of creationTimestamp
   * @param historyEvents how many recent events are kept for watches (how far a watcher may fall
   *     behind before it is RESET)
   */
  public InMemoryStore(Clock clock, int historyEvents) {
    if (historyEvents < 1) {
      throw new IllegalArgumentException("historyEvents: " + historyEvents + " (expected: >= 1)");
    }
    this.rules = new WriteRules(clock);
    this.history = new EventHistory(historyEvents, 0, rows::lastAssigned);
  }

  @Override
  public Optional<Resource> get(Kind kind, String namespace, String name) {
    RowStorage.Row row;
    synchronized (rows) {
      checkOpen();
      row = rows.read(kind, namespace, name);
    }
    return row == null ? Optional.empty() : Optional.of(ResourceCodec.fromStoredJson(row.json()));
  }

  @Override
  public ListResult list(Kind kind, String namespace) {
    List<RowStorage.Row> found;
    long rv;
    synchronized (rows) {
      checkOpen();
      found = rows.list(kind, namespace);
      rv = rows.lastAssigned();
    }
    List<Resource> items = new ArrayList<>(found.size());
    for (RowStorage.Row row : found) {
      items.add(ResourceCodec.fromStoredJson(row.json()));
    }
    return new ListResult(items, rv);
  }

  @Override
  public Resource create(Resource resource) {
    return write(rules.create(resource));
  }

  @Override
  public Resource update(Resource resource) {
    return write(rules.update(resource));
  }

  @Override
  public Resource updateStatus(Resource resource) {
    return write(rules.updateStatus(resource));
  }

  @Override
  public void delete(Kind kind, String namespace, String name) {
    write(rules.delete(kind, namespace, name));
  }

  @Override
  public CompletableFuture<Resource> createAsync(Resource resource) {
    return completed(() -> create(resource));
  }

  @Override
  public CompletableFuture<Resource> updateAsync(Resource resource) {
    return completed(() -> update(resource));
  }

  @Override
  public CompletableFuture<Resource> updateStatusAsync(Resource resource) {
    return completed(() -> updateStatus(resource));
  }

  @Override
  public CompletableFuture<Void> deleteAsync(Kind kind, String namespace, String name) {
    return completed(
        () -> {
          delete(kind, namespace, name);
          return null;
        });
  }

  @Override
  public Watch watch(long fromResourceVersion, WatchListener listener) {
    checkOpen();
    return history.watch(fromResourceVersion, listener);
  }

  /** Refuses further calls and ends every watch. */
  @Override
  public void close() {
    synchronized (rows) {
      closed = true;
    }
    history.close();
  }

  /**
   * Applies the write under the lock and publishes its events. The rules check everything before
   * they change a row, and these rows cannot fail, so a refused write leaves nothing behind.
   */
  private Resource write(WriteRules.Write write) {
    String json;
    synchronized (rows) {
      checkOpen();
      List<WatchEvent> events = new ArrayList<>(1);
      json = write.apply(rows, events);
      history.publish(events);
    }
    return ResourceCodec.fromStoredJson(json);
  }

  private static <T> CompletableFuture<T> completed(Supplier<T> write) {
    try {
      return CompletableFuture.completedFuture(write.get());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException(Reason.UNAVAILABLE, "the in-memory store is closed");
    }
  }

  /** The rows: per kind, ordered by namespace and name, with the owner index. Guarded by itself. */
  private static final class Rows implements RowStorage<RuntimeException> {
    private static final Comparator<Key> ORDER =
        Comparator.comparing(Key::kindName).thenComparing(Key::namespace).thenComparing(Key::name);

    private record Key(Kind kind, String namespace, String name) {
      String kindName() {
        return kind.kindName();
      }
    }

    private final Map<Kind, TreeMap<Key, Row>> byKind = new EnumMap<>(Kind.class);
    private final Map<String, TreeSet<Key>> byOwner = new HashMap<>();
    private final Map<Key, Collection<String>> ownersOf = new HashMap<>();
    private volatile long assigned;

    long lastAssigned() {
      return assigned;
    }

    List<Row> list(Kind kind, String namespace) {
      TreeMap<Key, Row> all = byKind.get(kind);
      if (all == null) {
        return List.of();
      }
      if (namespace == null) {
        return List.copyOf(all.values());
      }
      // every name sorts after "" and before a name of the next namespace
      return List.copyOf(
          all.subMap(new Key(kind, namespace, ""), new Key(kind, namespace + "\0", "")).values());
    }

    @Override
    public Row read(Kind kind, String namespace, String name) {
      TreeMap<Key, Row> all = byKind.get(kind);
      if (all == null || namespace == null || name == null) {
        return null;
      }
      return all.get(new Key(kind, namespace, name));
    }

    @Override
    public void insert(Row row, Collection<String> ownerUids) {
      Key key = key(row);
      byKind.computeIfAbsent(row.kind(), k -> new TreeMap<>(ORDER)).put(key, row);
      index(key, ownerUids);
    }

    @Override
    public void replace(Row row, Collection<String> ownerUids) {
      Key key = key(row);
      byKind.get(row.kind()).put(key, row);
      if (ownerUids != null) {
        unindex(key);
        index(key, ownerUids);
      }
    }

    @Override
    public void delete(Row row) {
      Key key = key(row);
      byKind.get(row.kind()).remove(key);
      unindex(key);
    }

    @Override
    public List<Row> ownedBy(String uid) {
      TreeSet<Key> keys = byOwner.get(uid);
      if (keys == null) {
        return List.of();
      }
      List<Row> out = new ArrayList<>(keys.size());
      for (Key k : keys) {
        out.add(byKind.get(k.kind()).get(k));
      }
      return out;
    }

    @Override
    public long nextResourceVersion() {
      return ++assigned;
    }

    private static Key key(Row row) {
      return new Key(row.kind(), row.namespace(), row.name());
    }

    private void index(Key key, Collection<String> ownerUids) {
      if (ownerUids.isEmpty()) {
        return;
      }
      Set<String> uids = Set.copyOf(ownerUids);
      ownersOf.put(key, uids);
      for (String uid : uids) {
        byOwner.computeIfAbsent(uid, u -> new TreeSet<>(ORDER)).add(key);
      }
    }

    private void unindex(Key key) {
      Collection<String> uids = ownersOf.remove(key);
      if (uids == null) {
        return;
      }
      for (String uid : uids) {
        TreeSet<Key> keys = byOwner.get(uid);
        keys.remove(key);
        if (keys.isEmpty()) {
          byOwner.remove(uid);
        }
      }
    }
  }
}
