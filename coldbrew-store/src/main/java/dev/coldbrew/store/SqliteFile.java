package dev.coldbrew.store;

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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's files: the private data directory, the lock file that keeps a second process out, and
 * {@code coldbrew.db} with its schema. {@link #open} creates a missing database from a temporary
 * file renamed into place (so the file either does not exist or has a schema), and checks an
 * existing one — schema version and every page — before anything is written or WAL mode is switched
 * on, so a damaged, foreign or newer file stops the open and is left exactly as it was. Schema
 * migrations belong here. Thread-safe: {@link #connect} may be called from any thread; {@link
 * #close} releases the lock once.
 */
final class SqliteFile implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteFile.class);

  /** The schema this build writes; {@code PRAGMA user_version}. */
  static final int SCHEMA_VERSION = 1;

  /** The database file's name inside the data directory. */
  static final String DB_FILE = "coldbrew.db";

  private static final String LOCK_FILE = "coldbrew.lock";

  private final Path dbFile;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private SqliteFile(Path dbFile, FileChannel lockChannel, FileLock lock) {
    this.dbFile = dbFile;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** The database file, absolute. */
  Path path() {
    return dbFile;
  }

  /**
   * Locks {@code dataDir} (creating it owner-only, 0700), creates the database (0600) if it is
   * missing, checks it, and returns it with a first connection in WAL mode with {@code
   * synchronous=FULL}.
   *
   * @throws StoreException CORRUPT when the file is not a readable Coldbrew database or has a newer
   *     schema (the file is not changed), UNAVAILABLE when another process has it open or it cannot
   *     be created
   */
  static Opened open(Path dataDir) {
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
      return new Opened(new SqliteFile(dbFile, lockChannel, lock), conn);
    } catch (StoreException e) {
      closeQuietly(conn, lockChannel);
      throw e;
    } catch (IOException | SQLException e) {
      closeQuietly(conn, lockChannel);
      throw new StoreException(
          Reason.UNAVAILABLE, "cannot open the store " + dbFile + ": " + e.getMessage(), e);
    }
  }

  /** An opened, checked file and its first connection (in WAL mode), which the caller owns. */
  record Opened(SqliteFile file, Connection connection) {}

  /** A new connection to the database with a 10 s busy timeout. */
  Connection connect() throws SQLException {
    Connection c = connect(dbFile);
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout=10000");
    }
    return c;
  }

  /** Releases the lock on the data directory. */
  @Override
  public void close() {
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("releasing {}: {}", LOCK_FILE, e.getMessage());
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
}
