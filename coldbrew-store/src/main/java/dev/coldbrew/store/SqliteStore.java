package dev.coldbrew.store;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.store.StoreException.Reason;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The embedded {@link Store}: one SQLite file, {@code <dataDir>/coldbrew.db}, in WAL mode with
 * {@code synchronous=FULL}, so a write is on disk before its call returns. It wires four units: the
 * files and schema ({@link SqliteFile}: lock, creation, checks, migration), the rows and their
 * statements ({@link SqliteStorage}), the Kubernetes write rules ({@link WriteRules}, shared with
 * {@link InMemoryStore}), and group commit ({@link GroupCommitWriter}: one writer thread, one fsync
 * per batch, events published after the commit); the watch fan-out is {@link EventHistory}.
 *
 * <p>Opening never repairs or resets a database: a file that is not a readable Coldbrew database,
 * or one written by a newer schema, stops {@link #open} with a message naming the file, which is
 * left untouched. A lock file keeps a second process from opening the same data directory.
 * Thread-safe.
 */
public final class SqliteStore implements Store {

  /** The database file's name inside the data directory. */
  public static final String DB_FILE = SqliteFile.DB_FILE;

  /**
   * Tuning of the store.
   *
   * @param historyEvents how many recent events are kept for watches, which is also how far a
   *     watcher may fall behind before it gets RESET (10 000: a full apply of a few thousand
   *     resources)
   * @param maxBatchWrites the most writes committed in one transaction (512: keeps a transaction
   *     short while sharing one fsync between many writers)
   * @param clock the source of creationTimestamp
   */
  public record Options(int historyEvents, int maxBatchWrites, Clock clock) {
    public Options {
      if (historyEvents < 1) {
        throw new IllegalArgumentException("historyEvents: " + historyEvents + " (expected: >= 1)");
      }
      if (maxBatchWrites < 1) {
        throw new IllegalArgumentException(
            "maxBatchWrites: " + maxBatchWrites + " (expected: >= 1)");
      }
    }

    public static Options defaults() {
      return new Options(10_000, 512, Clock.systemUTC());
    }

    public Options withHistoryEvents(int n) {
      return new Options(n, maxBatchWrites, clock);
    }

    public Options withClock(Clock c) {
      return new Options(historyEvents, maxBatchWrites, c);
    }
  }

  private final SqliteStorage storage;
  private final WriteRules rules;
  private final EventHistory history;
  private final GroupCommitWriter writer;
  private volatile boolean closed;

  private SqliteStore(SqliteStorage storage, Options options) {
    this.storage = storage;
    this.rules = new WriteRules(options.clock());
    SqliteStorage.Transaction tx = storage.transaction();
    this.history = new EventHistory(options.historyEvents(), tx.lastAssigned(), tx::lastAssigned);
    this.writer = new GroupCommitWriter(storage, options.maxBatchWrites(), history);
  }

  /** Opens (creating if needed) the store in {@code dataDir} with default options. */
  public static SqliteStore open(Path dataDir) {
    return open(dataDir, Options.defaults());
  }

  /**
   * Opens (creating if needed) the store in {@code dataDir}: the directory is created owner-only
   * (0700) and the database file 0600 on POSIX systems.
   *
   * @throws StoreException CORRUPT when the file is not a readable Coldbrew database or has a newer
   *     schema (the file is not changed), UNAVAILABLE when another process has it open or it cannot
   *     be created
   */
  public static SqliteStore open(Path dataDir, Options options) {
    return new SqliteStore(SqliteStorage.open(dataDir), options);
  }

  /** The database file. */
  public Path file() {
    return storage.path();
  }

  @Override
  public Optional<Resource> get(Kind kind, String namespace, String name) {
    checkOpen();
    return storage.get(kind, namespace, name);
  }

  @Override
  public ListResult list(Kind kind, String namespace) {
    checkOpen();
    return storage.list(kind, namespace);
  }

  @Override
  public Resource create(Resource resource) {
    return writer.write(rules.create(resource));
  }

  @Override
  public Resource update(Resource resource) {
    return writer.write(rules.update(resource));
  }

  @Override
  public Resource updateStatus(Resource resource) {
    return writer.write(rules.updateStatus(resource));
  }

  @Override
  public void delete(Kind kind, String namespace, String name) {
    writer.write(rules.delete(kind, namespace, name));
  }

  @Override
  public CompletableFuture<Resource> createAsync(Resource resource) {
    return writer.writeAsync(() -> rules.create(resource));
  }

  @Override
  public CompletableFuture<Resource> updateAsync(Resource resource) {
    return writer.writeAsync(() -> rules.update(resource));
  }

  @Override
  public CompletableFuture<Resource> updateStatusAsync(Resource resource) {
    return writer.writeAsync(() -> rules.updateStatus(resource));
  }

  @Override
  public CompletableFuture<Void> deleteAsync(Kind kind, String namespace, String name) {
    return writer.writeAsync(() -> rules.delete(kind, namespace, name)).thenApply(r -> null);
  }

  @Override
  public Watch watch(long fromResourceVersion, WatchListener listener) {
    checkOpen();
    return history.watch(fromResourceVersion, listener);
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException(Reason.UNAVAILABLE, "the store " + file() + " is closed");
    }
  }

  /**
   * Commits the writes already queued, then stops the writer, the watches and the connections and
   * releases the data directory's lock.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    writer.close();
    history.close();
    storage.close();
  }
}
