package dev.coldbrew.store;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.store.StoreException.Reason;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rows in {@code coldbrew.db}: the {@code resources} table (kind, namespace, name, uid,
 * resourceVersion, JSON), the {@code owner_refs} index from an owner's uid to its children, and the
 * {@code sequence} row holding the last resourceVersion. Reads ({@link #get}, {@link #list}) use a
 * pool of three connections and see only committed data; {@code list} reads the sequence and the
 * rows in one read transaction, so its version matches its items. Writes go through the one {@link
 * Transaction} on the write connection, which is {@link WriteRules}' {@link RowStorage} with
 * savepoints: the sequence is kept in memory while a transaction is open and rolled back with it.
 * Thread-safe for reads; the transaction is used by one thread (the group-commit writer).
 */
final class SqliteStorage implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteStorage.class);
  private static final int READ_CONNECTIONS = 3;

  private final SqliteFile file;
  private final Connection writeConn;
  private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READ_CONNECTIONS);
  private final Transaction transaction;
  private volatile boolean closed;

  private SqliteStorage(SqliteFile file, Connection writeConn) throws SQLException {
    this.file = file;
    this.writeConn = writeConn;
    try {
      for (int i = 0; i < READ_CONNECTIONS; i++) {
        readers.add(file.connect());
      }
      long resourceVersion = readResourceVersion(writeConn);
      writeConn.setAutoCommit(false);
      this.transaction = new Transaction(resourceVersion);
    } catch (SQLException e) {
      closeAll(new ArrayList<>(readers), file.path());
      throw e;
    }
  }

  /**
   * Opens the store's file in {@code dataDir} ({@link SqliteFile#open}) and its connections.
   *
   * @throws StoreException CORRUPT or UNAVAILABLE, as {@link SqliteFile#open}
   */
  static SqliteStorage open(Path dataDir) {
    SqliteFile.Opened opened = SqliteFile.open(dataDir);
    try {
      return new SqliteStorage(opened.file(), opened.connection());
    } catch (SQLException e) {
      closeAll(List.of(opened.connection()), opened.file().path());
      opened.file().close();
      throw new StoreException(
          Reason.UNAVAILABLE,
          "cannot open the store " + opened.file().path() + ": " + e.getMessage(),
          e);
    }
  }

  /** The database file. */
  Path path() {
    return file.path();
  }

  /** The write side; for the writer thread only. */
  Transaction transaction() {
    return transaction;
  }

  // ---------------------------------------------------------------- reads

  Optional<Resource> get(Kind kind, String namespace, String name) {
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

  ListResult list(Kind kind, String namespace) {
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
    Connection c;
    try {
      c = readers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(Reason.UNAVAILABLE, "interrupted while reading " + path(), e);
    }
    try {
      if (closed) {
        throw new StoreException(Reason.UNAVAILABLE, "the store " + path() + " is closed");
      }
      return action.apply(c);
    } catch (SQLException e) {
      throw new StoreException(
          Reason.UNAVAILABLE, "cannot read the store " + path() + ": " + e.getMessage(), e);
    } finally {
      readers.add(c);
    }
  }

  private static long readResourceVersion(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT resource_version FROM sequence WHERE id = 1")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Kind kindNamed(String kindName) {
    for (Kind k : Kind.values()) {
      if (k.kindName().equals(kindName)) {
        return k;
      }
    }
    throw new StoreException(Reason.CORRUPT, "unknown kind \"" + kindName + "\" stored");
  }

  // ---------------------------------------------------------------- the write transaction

  /**
   * The write connection's open transaction, as a {@link RowStorage} with savepoints: one per
   * write, so a failing write is rolled back alone, and one commit per batch. Keeps the sequence in
   * memory ({@link #lastAssigned}) and persists it at {@link #commit}. Used by one thread.
   */
  final class Transaction implements RowStorage<SQLException> {
    private final PreparedStatement select;
    private final PreparedStatement insert;
    private final PreparedStatement update;
    private final PreparedStatement delete;
    private final PreparedStatement insertOwner;
    private final PreparedStatement deleteOwners;
    private final PreparedStatement selectOwned;
    private final PreparedStatement setSequence;
    private final PreparedStatement savepoint;
    private final PreparedStatement release;
    private final PreparedStatement rollbackToSavepoint;

    /** The last version assigned, committed or not; read by watchers' threads. */
    private volatile long assigned;

    private long committed;
    private long atSavepoint;

    private Transaction(long resourceVersion) throws SQLException {
      this.assigned = resourceVersion;
      this.committed = resourceVersion;
      Connection c = writeConn;
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

    /** The last resourceVersion assigned, including the open transaction's. Any thread. */
    long lastAssigned() {
      return assigned;
    }

    /** Starts one write's savepoint. */
    void savepoint() throws SQLException {
      atSavepoint = assigned;
      savepoint.execute();
    }

    /** Keeps the write since {@link #savepoint}. */
    void releaseSavepoint() throws SQLException {
      release.execute();
    }

    /** Undoes the write since {@link #savepoint}, its versions included. */
    void rollbackToSavepoint() throws SQLException {
      rollbackToSavepoint.execute();
      release.execute();
      assigned = atSavepoint;
    }

    /** Persists the sequence and commits: durable when this returns. */
    void commit() throws SQLException {
      if (assigned != committed) {
        setSequence.setLong(1, assigned);
        setSequence.executeUpdate();
      }
      writeConn.commit();
      committed = assigned;
    }

    /** Undoes the whole transaction, its versions included. */
    void rollback() throws SQLException {
      assigned = committed;
      writeConn.rollback();
    }

    @Override
    public long nextResourceVersion() {
      long rv = assigned + 1;
      assigned = rv;
      return rv;
    }

    @Override
    public Row read(Kind kind, String ns, String name) throws SQLException {
      select.setString(1, kind.kindName());
      select.setString(2, ns);
      select.setString(3, name);
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        return new Row(kind, ns, name, rs.getString(1), rs.getLong(2), rs.getString(3));
      }
    }

    @Override
    public void insert(Row row, Collection<String> ownerUids) throws SQLException {
      insert.setString(1, row.kind().kindName());
      insert.setString(2, row.namespace());
      insert.setString(3, row.name());
      insert.setString(4, row.uid());
      insert.setLong(5, row.resourceVersion());
      insert.setString(6, row.json());
      insert.executeUpdate();
      insertOwners(row, ownerUids);
    }

    @Override
    public void replace(Row row, Collection<String> ownerUids) throws SQLException {
      update.setLong(1, row.resourceVersion());
      update.setString(2, row.json());
      update.setString(3, row.kind().kindName());
      update.setString(4, row.namespace());
      update.setString(5, row.name());
      update.executeUpdate();
      if (ownerUids != null) {
        deleteOwners(row);
        insertOwners(row, ownerUids);
      }
    }

    @Override
    public void delete(Row row) throws SQLException {
      delete.setString(1, row.kind().kindName());
      delete.setString(2, row.namespace());
      delete.setString(3, row.name());
      delete.executeUpdate();
      deleteOwners(row);
    }

    @Override
    public List<Row> ownedBy(String uid) throws SQLException {
      List<Row> out = new ArrayList<>();
      selectOwned.setString(1, uid);
      try (ResultSet rs = selectOwned.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Row(
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

    private void insertOwners(Row row, Collection<String> ownerUids) throws SQLException {
      for (String uid : ownerUids) {
        insertOwner.setString(1, uid);
        insertOwner.setString(2, row.kind().kindName());
        insertOwner.setString(3, row.namespace());
        insertOwner.setString(4, row.name());
        insertOwner.executeUpdate();
      }
    }

    private void deleteOwners(Row row) throws SQLException {
      deleteOwners.setString(1, row.kind().kindName());
      deleteOwners.setString(2, row.namespace());
      deleteOwners.setString(3, row.name());
      deleteOwners.executeUpdate();
    }

    private void closeStatements() {
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

  // ---------------------------------------------------------------- close

  /**
   * Refuses further reads, waits (up to 10 s each) for the read connections in use, closes every
   * connection and releases the lock. Call after the writer has stopped.
   */
  @Override
  public void close() {
    closed = true;
    transaction.closeStatements();
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
    closeAll(all, path());
    file.close();
  }

  private static void closeAll(List<Connection> connections, Path path) {
    for (Connection c : connections) {
      try {
        c.close();
      } catch (SQLException e) {
        LOG.warn("closing {}: {}", path, e.getMessage());
      }
    }
  }
}
