package dev.coldbrew.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.store.StoreException.Reason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded {@link Store}: one SQLite file, {@code <dataDir>/coldbrew.db}, in WAL mode with
 * {@code synchronous=FULL}, so a write is on disk before its call returns.
 *
 * <p>Writes use group commit: callers enqueue a write and wait; one writer thread takes every write
 * waiting at that moment (up to {@link Options#maxBatchWrites}), applies each inside its own
 * savepoint of one transaction (so a conflict fails only that write), commits once, and then
 * answers all of them. Many concurrent writers thus share one fsync. The writer thread owns the
 * resourceVersion sequence (persisted in the same transaction), so versions are dense and in commit
 * order, and it publishes each batch's events to the watch history after the commit. Reads use a
 * small pool of separate connections and see only committed data.
 *
 * <p>Opening never repairs or resets a database: a file that is not a readable Coldbrew database,
 * or one written by a newer schema, stops {@link #open} with a message naming the file, which is
 * left untouched. A lock file keeps a second process from opening the same data directory.
 * Thread-safe.
 */
public final class SqliteStore implements Store {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteStore.class);

  /** The schema this build writes; {@code PRAGMA user_version}. */
  static final int SCHEMA_VERSION = 1;

  /** The database file's name inside the data directory. */
  public static final String DB_FILE = "coldbrew.db";

  private static final String LOCK_FILE = "coldbrew.lock";
  private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final int NAME_SUFFIX_LENGTH = 5;
  private static final int READ_CONNECTIONS = 3;

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

  private final Path dbFile;
  private final Options options;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Connection writeConn;
  private final BlockingQueue<Connection> readers;
  private final BlockingQueue<WriteOp> writes = new LinkedBlockingQueue<>();
  private final EventHistory history;

  /**
   * Completes the async methods' futures, so callers' dependent stages never run on (and stall) the
   * writer thread. One thread: the measured optimum here (the common pool was 3x slower).
   */
  private final ExecutorService completions =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "coldbrew-store-complete");
            t.setDaemon(true);
            return t;
          });

  private final Thread writer;
  private final SecureRandom random = new SecureRandom();
  private volatile boolean closed;

  /** Queued by {@link #close}: the writer commits what is ahead of it, then stops. */
  private final WriteOp stop =
      new WriteOp(null, null, null) {
        @Override
        String apply(Tx tx) {
          throw new IllegalStateException("never applied");
        }
      };

  /** The last resourceVersion assigned; written only by the writer thread. */
  private volatile long resourceVersion;

  private SqliteStore(
      Path dbFile, Options options, FileChannel lockChannel, FileLock lock, Connection writeConn)
      throws SQLException {
    this.dbFile = dbFile;
    this.options = options;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.writeConn = writeConn;
    this.resourceVersion = readResourceVersion(writeConn);
    this.readers = new ArrayBlockingQueue<>(READ_CONNECTIONS);
    for (int i = 0; i < READ_CONNECTIONS; i++) {
      Connection c = connect(dbFile);
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout=10000");
      }
      readers.add(c);
    }
    this.history =
        new EventHistory(options.historyEvents(), resourceVersion, () -> resourceVersion);
    this.writer = new Thread(this::writeLoop, "coldbrew-store-writer");
    writer.setDaemon(true);
    writer.start();
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
    Path dbFile = dataDir.resolve(DB_FILE).toAbsolutePath();
    FileChannel lockChannel = null;
    Connection conn = null;
    try {
      createPrivateDirectory(dataDir);
      lockChannel =
          FileChannel.open(
              dataDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException sameProcess) {
        lock = null;
      }
      if (lock == null) {
        throw new StoreException(
            Reason.UNAVAILABLE,
            dbFile
                + " is in use by another Coldbrew process (lock "
                + dataDir.resolve(LOCK_FILE)
                + "); stop it or use another data directory");
      }
      if (!Files.exists(dbFile)) {
        initialize(dbFile);
      }
      conn = connect(dbFile);
      checkAndMigrate(conn, dbFile);
      return new SqliteStore(dbFile, options, lockChannel, lock, conn);
    } catch (StoreException e) {
      closeQuietly(conn, lockChannel);
      throw e;
    } catch (IOException | SQLException e) {
      closeQuietly(conn, lockChannel);
      throw new StoreException(
          Reason.UNAVAILABLE, "cannot open the store " + dbFile + ": " + e.getMessage(), e);
    }
  }

  private static void closeQuietly(Connection conn, FileChannel lockChannel) {
    try {
      if (conn != null) {
        conn.close();
      }
    } catch (SQLException ignored) {
      // already failing
    }
    try {
      if (lockChannel != null) {
        lockChannel.close();
      }
    } catch (IOException ignored) {
      // already failing
    }
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static void createPrivateDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (posix(dir)) {
      Path parent = dir.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.createDirectory(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(dir);
    }
  }

  private static void createPrivateFile(Path file) throws IOException {
    try {
      if (posix(file)) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(file);
      }
    } catch (FileAlreadyExistsException exists) {
      // an existing store
    }
  }

  private static Connection connect(Path dbFile) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + dbFile, new Properties());
  }

  /**
   * Reads the schema version and checks every page before writing anything (WAL mode is only
   * switched on after this), so a damaged file stays exactly as it was.
   */
  private static void checkAndMigrate(Connection conn, Path dbFile) throws SQLException {
    String what = "restore it from a backup, or move it away to start with an empty store";
    int version;
    int tables;
    try (Statement s = conn.createStatement()) {
      try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
        rs.next();
        version = rs.getInt(1);
      }
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
        rs.next();
        tables = rs.getInt(1);
      }
      try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
        List<String> problems = new ArrayList<>();
        while (rs.next()) {
          problems.add(rs.getString(1));
        }
        if (!problems.equals(List.of("ok"))) {
          throw new StoreException(
              Reason.CORRUPT,
              dbFile
                  + " is damaged ("
                  + String.join("; ", problems.subList(0, Math.min(3, problems.size())))
                  + "); it was left untouched: "
                  + what);
        }
      }
    } catch (SQLException e) {
      throw new StoreException(
          Reason.CORRUPT,
          dbFile
              + " is not a readable Coldbrew database ("
              + e.getMessage()
              + "); it was left untouched: "
              + what,
          e);
    }
    if (version > SCHEMA_VERSION) {
      throw new StoreException(
          Reason.CORRUPT,
          dbFile
              + " has schema version "
              + version
              + ", written by a newer Coldbrew (this one reads up to "
              + SCHEMA_VERSION
              + "); use that version or newer, or move the file away to start empty");
    }
    if (version == 0) {
      throw new StoreException(
          Reason.CORRUPT,
          dbFile
              + (tables == 0 ? " is empty" : " is an SQLite database but not a Coldbrew store")
              + "; it was left untouched: "
              + what);
    }
    try (Statement s = conn.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=10000");
    }
  }

  /**
   * Creates a new store file: the schema is written to a temporary file that is then renamed, so
   * {@code coldbrew.db} either does not exist or has a schema, and an empty one means damage.
   */
  private static void initialize(Path dbFile) throws IOException, SQLException {
    if (Files.exists(dbFile.resolveSibling(DB_FILE + "-wal"))) {
      throw new StoreException(
          Reason.CORRUPT,
          dbFile
              + " is missing but its write-ahead log "
              + DB_FILE
              + "-wal is there; restore the database from a backup, or move the log away to"
              + " start with an empty store");
    }
    Path tmp = dbFile.resolveSibling(DB_FILE + ".init");
    Files.deleteIfExists(tmp);
    createPrivateFile(tmp);
    try (Connection c = connect(tmp);
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute(
          "CREATE TABLE resources (kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT"
              + " NULL, uid TEXT NOT NULL, resource_version INTEGER NOT NULL, json TEXT NOT"
              + " NULL, PRIMARY KEY (kind, namespace, name)) WITHOUT ROWID");
      s.execute(
          "CREATE TABLE owner_refs (owner_uid TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT"
              + " NOT NULL, name TEXT NOT NULL, PRIMARY KEY (owner_uid, kind, namespace, name))"
              + " WITHOUT ROWID");
      s.execute("CREATE INDEX owner_refs_child ON owner_refs (kind, namespace, name)");
      s.execute("CREATE TABLE sequence (id INTEGER PRIMARY KEY, resource_version INTEGER)");
      s.execute("INSERT INTO sequence VALUES (1, 0)");
      s.execute("PRAGMA user_version=" + SCHEMA_VERSION);
      c.commit();
    }
    Files.move(tmp, dbFile, StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel dir = FileChannel.open(dbFile.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException notSupported) {
      // directories cannot be opened for sync on every platform; the rename is still atomic
    }
  }

  private static long readResourceVersion(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT resource_version FROM sequence WHERE id = 1")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The database file. */
  public Path file() {
    return dbFile;
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Optional<Resource> get(Kind kind, String namespace, String name) {
    return read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT json FROM resources WHERE kind = ? AND namespace = ? AND name = ?")) {
            ps.setString(1, kind.kindName());
            ps.setString(2, namespace);
            ps.setString(3, name);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? Optional.of(ResourceCodec.fromStoredJson(rs.getString(1)))
                  : Optional.empty();
            }
          }
        });
  }

  @Override
  public ListResult list(Kind kind, String namespace) {
    return read(
        c -> {
          List<String> rows = new ArrayList<>();
          long rv;
          c.setAutoCommit(false);
          try {
            rv = readResourceVersion(c);
            String sql =
                namespace == null
                    ? "SELECT json FROM resources WHERE kind = ? ORDER BY namespace, name"
                    : "SELECT json FROM resources WHERE kind = ? AND namespace = ? ORDER BY name";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
              ps.setString(1, kind.kindName());
              if (namespace != null) {
                ps.setString(2, namespace);
              }
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  rows.add(rs.getString(1));
                }
              }
            }
          } finally {
            c.commit();
            c.setAutoCommit(true);
          }
          List<Resource> items = new ArrayList<>(rows.size());
          for (String json : rows) {
            items.add(ResourceCodec.fromStoredJson(json));
          }
          return new ListResult(items, rv);
        });
  }

  private interface ReadAction<T> {
    T apply(Connection c) throws SQLException;
  }

  private <T> T read(ReadAction<T> action) {
    checkOpen();
    Connection c;
    try {
      c = readers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(Reason.UNAVAILABLE, "interrupted while reading " + dbFile, e);
    }
    try {
      checkOpen();
      return action.apply(c);
    } catch (SQLException e) {
      throw new StoreException(
          Reason.UNAVAILABLE, "cannot read the store " + dbFile + ": " + e.getMessage(), e);
    } finally {
      readers.add(c);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException(Reason.UNAVAILABLE, "the store " + dbFile + " is closed");
    }
  }

  // ---------------------------------------------------------------- writes

  private WriteOp createOp(Resource resource) {
    Kind kind = resource.resourceKind();
    String ns = resource.metadata.namespace;
    String name = resource.metadata.name;
    String generateName = resource.metadata.generateName;
    boolean generate = name == null || name.isEmpty();
    if (isEmpty(ns)) {
      throw invalid(kind, ns, name, "metadata.namespace: empty (expected: a namespace)");
    }
    if (generate && isEmpty(generateName)) {
      throw invalid(
          kind, ns, name, "metadata.name: empty (expected: a name, or metadata.generateName)");
    }
    ObjectNode tree = ResourceCodec.toTree(resource);
    tree.remove("status");
    return new WriteOp(kind, ns, name) {
      @Override
      String apply(Tx tx) throws SQLException {
        String actual = name;
        if (generate) {
          for (int attempt = 0; ; attempt++) {
            actual = generateName + randomSuffix();
            if (tx.read(kind, ns, actual) == null) {
              break;
            }
            if (attempt == 8) {
              throw new StoreException(
                  Reason.ALREADY_EXISTS,
                  describe(kind, ns, actual) + " already exists; no free generated name");
            }
          }
        } else if (tx.read(kind, ns, actual) != null) {
          throw new StoreException(
              Reason.ALREADY_EXISTS,
              describe(kind, ns, actual) + " already exists; update it instead");
        }
        long rv = tx.nextResourceVersion();
        normalize(tree, kind);
        ObjectNode meta = meta(tree);
        meta.put("name", actual);
        meta.put("namespace", ns);
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("generation", 1L);
        meta.put("resourceVersion", Long.toString(rv));
        meta.put(
            "creationTimestamp",
            Instant.now(options.clock()).truncatedTo(ChronoUnit.SECONDS).toString());
        return tx.insert(kind, ns, actual, tree, rv);
      }
    };
  }

  private WriteOp updateOp(Resource resource) {
    Kind kind = resource.resourceKind();
    String ns = resource.metadata.namespace;
    String name = resource.metadata.name;
    long expected = expectedVersion(resource);
    ObjectNode tree = ResourceCodec.toTree(resource);
    return new WriteOp(kind, ns, name) {
      @Override
      String apply(Tx tx) throws SQLException {
        Stored stored = tx.readForWrite(this, expected);
        ObjectNode oldTree = stored.tree();
        normalize(tree, kind);
        ObjectNode oldMeta = meta(oldTree);
        ObjectNode meta = meta(tree);
        for (String f : List.of("name", "namespace", "uid", "creationTimestamp")) {
          meta.set(f, oldMeta.get(f));
        }
        tree.remove("status");
        if (oldTree.has("status")) {
          tree.set("status", oldTree.get("status"));
        }
        long generation = oldMeta.path("generation").asLong(1);
        if (!sameJson(specOf(tree), specOf(oldTree))) {
          generation++;
        }
        meta.put("generation", generation);
        meta.put("resourceVersion", Long.toString(stored.resourceVersion()));
        if (sameJson(tree, oldTree)) {
          return stored.json();
        }
        long rv = tx.nextResourceVersion();
        meta.put("resourceVersion", Long.toString(rv));
        return tx.replace(kind, ns, name, tree, rv, true);
      }
    };
  }

  private WriteOp updateStatusOp(Resource resource) {
    Kind kind = resource.resourceKind();
    String ns = resource.metadata.namespace;
    String name = resource.metadata.name;
    if (kind == Kind.ENDPOINTS) {
      throw invalid(kind, ns, name, "Endpoints have no status");
    }
    long expected = expectedVersion(resource);
    JsonNode status = ResourceCodec.toTree(resource).get("status");
    return new WriteOp(kind, ns, name) {
      @Override
      String apply(Tx tx) throws SQLException {
        Stored stored = tx.readForWrite(this, expected);
        ObjectNode oldTree = stored.tree();
        ObjectNode tree = oldTree.deepCopy();
        tree.remove("status");
        if (status != null && !status.isNull()) {
          tree.set("status", status);
        }
        if (sameJson(tree, oldTree)) {
          return stored.json();
        }
        long rv = tx.nextResourceVersion();
        meta(tree).put("resourceVersion", Long.toString(rv));
        return tx.replace(kind, ns, name, tree, rv, false);
      }
    };
  }

  private WriteOp deleteOp(Kind kind, String namespace, String name) {
    return new WriteOp(kind, namespace, name) {
      @Override
      String apply(Tx tx) throws SQLException {
        Stored root = tx.read(kind, namespace, name);
        if (root == null) {
          throw notFound(kind, namespace, name);
        }
        ArrayDeque<Stored> pending = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        pending.add(root);
        while (!pending.isEmpty()) {
          Stored s = pending.poll();
          if (!seen.add(s.uid())) {
            continue;
          }
          tx.remove(s);
          pending.addAll(tx.ownedBy(s.uid()));
        }
        return root.json();
      }
    };
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }

  private static long expectedVersion(Resource r) {
    String rv = r.metadata.resourceVersion;
    Kind kind = r.resourceKind();
    if (isEmpty(r.metadata.namespace) || isEmpty(r.metadata.name)) {
      throw invalid(
          kind,
          r.metadata.namespace,
          r.metadata.name,
          "metadata.namespace and metadata.name are required");
    }
    if (isEmpty(rv)) {
      throw invalid(
          kind,
          r.metadata.namespace,
          r.metadata.name,
          "metadata.resourceVersion: empty (expected: the resourceVersion last read)");
    }
    try {
      return Long.parseLong(rv);
    } catch (NumberFormatException e) {
      throw invalid(
          kind,
          r.metadata.namespace,
          r.metadata.name,
          "metadata.resourceVersion: \"" + rv + "\" (expected: a resourceVersion from this store)");
    }
  }

  private static StoreException invalid(Kind kind, String ns, String name, String message) {
    return new StoreException(Reason.INVALID, describe(kind, ns, name) + ": " + message);
  }

  static StoreException notFound(Kind kind, String ns, String name) {
    return new StoreException(Reason.NOT_FOUND, describe(kind, ns, name) + " not found");
  }

  static String describe(Kind kind, String ns, String name) {
    return kind.kindName() + " " + ns + "/" + name;
  }

  private static Kind kindNamed(String kindName) {
    for (Kind k : Kind.values()) {
      if (k.kindName().equals(kindName)) {
        return k;
      }
    }
    throw new StoreException(Reason.CORRUPT, "unknown kind \"" + kindName + "\" stored");
  }

  private static ObjectNode meta(ObjectNode tree) {
    JsonNode m = tree.get("metadata");
    if (m instanceof ObjectNode o) {
      return o;
    }
    return tree.putObject("metadata");
  }

  private static void normalize(ObjectNode tree, Kind kind) {
    tree.put("apiVersion", kind.apiVersion());
    tree.put("kind", kind.kindName());
  }

  /** Everything but identity, metadata and status: what {@code generation} counts changes of. */
  private static ObjectNode specOf(ObjectNode tree) {
    ObjectNode spec = tree.deepCopy();
    spec.remove(List.of("apiVersion", "kind", "metadata", "status"));
    return spec;
  }

  /** Equal as JSON: key order does not matter, and 1 as an int equals 1 as a long. */
  private static boolean sameJson(JsonNode a, JsonNode b) {
    return a.equals(SqliteStore::compareLeaves, b);
  }

  private static int compareLeaves(JsonNode a, JsonNode b) {
    if (a.equals(b)) {
      return 0;
    }
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue());
    }
    return 1;
  }

  private String randomSuffix() {
    StringBuilder sb = new StringBuilder(NAME_SUFFIX_LENGTH);
    for (int i = 0; i < NAME_SUFFIX_LENGTH; i++) {
      sb.append(NAME_ALPHABET.charAt(random.nextInt(NAME_ALPHABET.length())));
    }
    return sb.toString();
  }

  @Override
  public Resource create(Resource resource) {
    return await(enqueue(createOp(resource)));
  }

  @Override
  public Resource update(Resource resource) {
    return await(enqueue(updateOp(resource)));
  }

  @Override
  public Resource updateStatus(Resource resource) {
    return await(enqueue(updateStatusOp(resource)));
  }

  @Override
  public void delete(Kind kind, String namespace, String name) {
    await(enqueue(deleteOp(kind, namespace, name)));
  }

  @Override
  public CompletableFuture<Resource> createAsync(Resource resource) {
    return async(() -> createOp(resource));
  }

  @Override
  public CompletableFuture<Resource> updateAsync(Resource resource) {
    return async(() -> updateOp(resource));
  }

  @Override
  public CompletableFuture<Resource> updateStatusAsync(Resource resource) {
    return async(() -> updateStatusOp(resource));
  }

  @Override
  public CompletableFuture<Void> deleteAsync(Kind kind, String namespace, String name) {
    return async(() -> deleteOp(kind, namespace, name)).thenApply(r -> null);
  }

  private WriteOp enqueue(WriteOp op) {
    checkOpen();
    writes.add(op);
    if (closed && writes.remove(op)) {
      // close() drained the queue before this write arrived
      op.done.completeExceptionally(
          new StoreException(Reason.UNAVAILABLE, "the store " + dbFile + " is closed"));
    }
    return op;
  }

  /** Waits for the write in the caller's thread and decodes the result there. */
  private Resource await(WriteOp op) {
    try {
      String json = op.done.get();
      return ResourceCodec.fromStoredJson(json);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(
          Reason.UNAVAILABLE,
          "interrupted while writing "
              + describe(op.kind, op.namespace, op.name)
              + "; the write may or may not have been committed",
          e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StoreException se) {
        // rethrown in the caller's thread, with its stack
        throw new StoreException(se.reason(), se.getMessage(), se);
      }
      throw new IllegalStateException(
          "writing " + describe(op.kind, op.namespace, op.name) + " failed", e.getCause());
    }
  }

  /**
   * Completes off the writer thread, so that callers' dependent stages never run on (and stall) the
   * writer.
   */
  private CompletableFuture<Resource> async(Supplier<WriteOp> write) {
    CompletableFuture<Resource> out = new CompletableFuture<>();
    WriteOp op;
    try {
      op = enqueue(write.get());
    } catch (RuntimeException e) {
      out.completeExceptionally(e);
      return out;
    }
    op.done.whenCompleteAsync(
        (json, error) -> {
          if (error != null) {
            out.completeExceptionally(error);
            return;
          }
          try {
            out.complete(json == null ? null : ResourceCodec.fromStoredJson(json));
          } catch (RuntimeException e) {
            out.completeExceptionally(e);
          }
        },
        completions);
    return out;
  }

  /** One caller's write: applied by the writer thread inside the batch transaction. */
  private abstract static class WriteOp {
    final Kind kind;
    final String namespace;
    final String name;
    final CompletableFuture<String> done = new CompletableFuture<>();

    WriteOp(Kind kind, String namespace, String name) {
      this.kind = kind;
      this.namespace = namespace;
      this.name = name;
    }

    /** Applies the write and returns the stored JSON the caller gets back. */
    abstract String apply(Tx tx) throws SQLException;
  }

  /** A stored row. */
  private record Stored(
      Kind kind, String namespace, String name, String uid, long resourceVersion, String json) {
    ObjectNode tree() {
      try {
        return (ObjectNode) ResourceCodec.json().readTree(json);
      } catch (IOException e) {
        throw new StoreException(
            Reason.CORRUPT, describe(kind, namespace, name) + " is stored unreadable", e);
      }
    }
  }

  // ---------------------------------------------------------------- the writer thread

  private void writeLoop() {
    List<WriteOp> batch = new ArrayList<>();
    Tx tx;
    try {
      tx = new Tx(writeConn);
      writeConn.setAutoCommit(false);
    } catch (SQLException e) {
      LOG.error("store writer cannot start on {}", dbFile, e);
      closed = true;
      failAll(new StoreException(Reason.UNAVAILABLE, "the store " + dbFile + " cannot write", e));
      return;
    }
    boolean stopping = false;
    while (!stopping) {
      batch.clear();
      try {
        batch.add(writes.take());
      } catch (InterruptedException e) {
        break;
      }
      writes.drainTo(batch, options.maxBatchWrites() - 1);
      int at = batch.indexOf(stop);
      if (at >= 0) {
        // writes queued before close() are committed; any that raced past it are refused
        stopping = true;
        StoreException closedError =
            new StoreException(Reason.UNAVAILABLE, "the store " + dbFile + " is closed");
        for (WriteOp late : batch.subList(at + 1, batch.size())) {
          late.done.completeExceptionally(closedError);
        }
        batch.subList(at, batch.size()).clear();
      }
      if (!batch.isEmpty()) {
        commitBatch(tx, batch);
      }
    }
    tx.closeStatements();
  }

  private void commitBatch(Tx tx, List<WriteOp> batch) {
    long startVersion = resourceVersion;
    List<String> results = new ArrayList<>(batch.size());
    List<Throwable> failures = new ArrayList<>(batch.size());
    tx.events.clear();
    try {
      for (WriteOp op : batch) {
        long opVersion = resourceVersion;
        int opEvents = tx.events.size();
        tx.savepoint.execute();
        try {
          results.add(op.apply(tx));
          failures.add(null);
          tx.release.execute();
        } catch (SQLException | RuntimeException e) {
          tx.rollbackToSavepoint.execute();
          tx.release.execute();
          resourceVersion = opVersion;
          tx.events.subList(opEvents, tx.events.size()).clear();
          results.add(null);
          failures.add(
              e instanceof SQLException
                  ? new StoreException(
                      Reason.UNAVAILABLE,
                      "writing " + describe(op.kind, op.namespace, op.name) + ": " + e.getMessage(),
                      e)
                  : e);
        }
      }
      if (resourceVersion != startVersion) {
        tx.setSequence.setLong(1, resourceVersion);
        tx.setSequence.executeUpdate();
      }
      writeConn.commit();
    } catch (SQLException e) {
      try {
        writeConn.rollback();
      } catch (SQLException ignored) {
        // the commit's own failure is what we report
      }
      resourceVersion = startVersion;
      LOG.error("store commit failed on {}", dbFile, e);
      for (WriteOp op : batch) {
        op.done.completeExceptionally(
            new StoreException(
                Reason.UNAVAILABLE,
                "writing "
                    + describe(op.kind, op.namespace, op.name)
                    + " to "
                    + dbFile
                    + " failed: "
                    + e.getMessage(),
                e));
      }
      return;
    }
    history.publish(List.copyOf(tx.events));
    for (int i = 0; i < batch.size(); i++) {
      if (failures.get(i) != null) {
        batch.get(i).done.completeExceptionally(failures.get(i));
      } else {
        batch.get(i).done.complete(results.get(i));
      }
    }
  }

  private void failAll(StoreException e) {
    WriteOp op;
    while ((op = writes.poll()) != null) {
      op.done.completeExceptionally(e);
    }
  }

  /** The writer's prepared statements and the events of the batch in progress. */
  private final class Tx {
    final List<WatchEvent> events = new ArrayList<>();
    final PreparedStatement select;
    final PreparedStatement insert;
    final PreparedStatement update;
    final PreparedStatement delete;
    final PreparedStatement insertOwner;
    final PreparedStatement deleteOwners;
    final PreparedStatement selectOwned;
    final PreparedStatement setSequence;
    final PreparedStatement savepoint;
    final PreparedStatement release;
    final PreparedStatement rollbackToSavepoint;

    Tx(Connection c) throws SQLException {
      select =
          c.prepareStatement(
              "SELECT uid, resource_version, json FROM resources WHERE kind = ? AND namespace = ?"
                  + " AND name = ?");
      insert = c.prepareStatement("INSERT INTO resources VALUES (?, ?, ?, ?, ?, ?)");
      update =
          c.prepareStatement(
              "UPDATE resources SET resource_version = ?, json = ? WHERE kind = ? AND namespace ="
                  + " ? AND name = ?");
      delete =
          c.prepareStatement("DELETE FROM resources WHERE kind = ? AND namespace = ? AND name = ?");
      insertOwner = c.prepareStatement("INSERT OR IGNORE INTO owner_refs VALUES (?, ?, ?, ?)");
      deleteOwners =
          c.prepareStatement(
              "DELETE FROM owner_refs WHERE kind = ? AND namespace = ? AND name = ?");
      selectOwned =
          c.prepareStatement(
              "SELECT r.kind, r.namespace, r.name, r.uid, r.resource_version, r.json FROM"
                  + " owner_refs o JOIN resources r ON r.kind = o.kind AND r.namespace ="
                  + " o.namespace AND r.name = o.name WHERE o.owner_uid = ? ORDER BY r.kind,"
                  + " r.namespace, r.name");
      setSequence = c.prepareStatement("UPDATE sequence SET resource_version = ? WHERE id = 1");
      savepoint = c.prepareStatement("SAVEPOINT op");
      release = c.prepareStatement("RELEASE op");
      rollbackToSavepoint = c.prepareStatement("ROLLBACK TO op");
    }

    long nextResourceVersion() {
      long rv = resourceVersion + 1;
      resourceVersion = rv;
      return rv;
    }

    Stored read(Kind kind, String ns, String name) throws SQLException {
      select.setString(1, kind.kindName());
      select.setString(2, ns);
      select.setString(3, name);
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        return new Stored(kind, ns, name, rs.getString(1), rs.getLong(2), rs.getString(3));
      }
    }

    /** The stored row, after the resourceVersion check of an update. */
    Stored readForWrite(WriteOp op, long expected) throws SQLException {
      Stored s = read(op.kind, op.namespace, op.name);
      if (s == null) {
        throw notFound(op.kind, op.namespace, op.name);
      }
      if (s.resourceVersion() != expected) {
        throw new StoreException(
            Reason.CONFLICT,
            describe(op.kind, op.namespace, op.name)
                + " was changed since it was read (resourceVersion "
                + expected
                + ", now "
                + s.resourceVersion()
                + "); read it again and retry");
      }
      return s;
    }

    String insert(Kind kind, String ns, String name, ObjectNode tree, long rv) throws SQLException {
      String json = ResourceCodec.toJson(tree);
      insert.setString(1, kind.kindName());
      insert.setString(2, ns);
      insert.setString(3, name);
      insert.setString(4, meta(tree).path("uid").asText());
      insert.setLong(5, rv);
      insert.setString(6, json);
      insert.executeUpdate();
      insertOwners(kind, ns, name, tree);
      events.add(new WatchEvent(WatchEvent.Type.ADDED, rv, kind, ns, name, json));
      return json;
    }

    String replace(Kind kind, String ns, String name, ObjectNode tree, long rv, boolean owners)
        throws SQLException {
      String json = ResourceCodec.toJson(tree);
      update.setLong(1, rv);
      update.setString(2, json);
      update.setString(3, kind.kindName());
      update.setString(4, ns);
      update.setString(5, name);
      update.executeUpdate();
      if (owners) {
        deleteOwners(kind, ns, name);
        insertOwners(kind, ns, name, tree);
      }
      events.add(new WatchEvent(WatchEvent.Type.MODIFIED, rv, kind, ns, name, json));
      return json;
    }

    void remove(Stored s) throws SQLException {
      delete.setString(1, s.kind().kindName());
      delete.setString(2, s.namespace());
      delete.setString(3, s.name());
      delete.executeUpdate();
      deleteOwners(s.kind(), s.namespace(), s.name());
      long rv = nextResourceVersion();
      ObjectNode tree = s.tree();
      meta(tree).put("resourceVersion", Long.toString(rv));
      events.add(
          new WatchEvent(
              WatchEvent.Type.DELETED,
              rv,
              s.kind(),
              s.namespace(),
              s.name(),
              ResourceCodec.toJson(tree)));
    }

    List<Stored> ownedBy(String uid) throws SQLException {
      List<Stored> out = new ArrayList<>();
      selectOwned.setString(1, uid);
      try (ResultSet rs = selectOwned.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Stored(
                  kindNamed(rs.getString(1)),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getLong(5),
                  rs.getString(6)));
        }
      }
      return out;
    }

    private void insertOwners(Kind kind, String ns, String name, ObjectNode tree)
        throws SQLException {
      JsonNode refs = meta(tree).get("ownerReferences");
      if (refs == null || !refs.isArray()) {
        return;
      }
      for (JsonNode ref : refs) {
        String uid = ref.path("uid").asText("");
        if (uid.isEmpty()) {
          continue;
        }
        insertOwner.setString(1, uid);
        insertOwner.setString(2, kind.kindName());
        insertOwner.setString(3, ns);
        insertOwner.setString(4, name);
        insertOwner.executeUpdate();
      }
    }

    private void deleteOwners(Kind kind, String ns, String name) throws SQLException {
      deleteOwners.setString(1, kind.kindName());
      deleteOwners.setString(2, ns);
      deleteOwners.setString(3, name);
      deleteOwners.executeUpdate();
    }

    void closeStatements() {
      for (PreparedStatement ps :
          List.of(
              select,
              insert,
              update,
              delete,
              insertOwner,
              deleteOwners,
              selectOwned,
              setSequence,
              savepoint,
              release,
              rollbackToSavepoint)) {
        try {
          ps.close();
        } catch (SQLException ignored) {
          // closing
        }
      }
    }
  }

  // ---------------------------------------------------------------- watch and close

  @Override
  public Watch watch(long fromResourceVersion, WatchListener listener) {
    checkOpen();
    return history.watch(fromResourceVersion, listener);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    writes.add(stop);
    try {
      writer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    failAll(new StoreException(Reason.UNAVAILABLE, "the store " + dbFile + " is closed"));
    completions.shutdown();
    history.close();
    List<Connection> all = new ArrayList<>();
    for (int i = 0; i < READ_CONNECTIONS; i++) {
      try {
        Connection c = readers.poll(10, TimeUnit.SECONDS);
        if (c != null) {
          all.add(c);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    all.add(writeConn);
    for (Connection c : all) {
      try {
        c.close();
      } catch (SQLException e) {
        LOG.warn("closing {}: {}", dbFile, e.getMessage());
      }
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("releasing {}: {}", LOCK_FILE, e.getMessage());
    }
  }
}
