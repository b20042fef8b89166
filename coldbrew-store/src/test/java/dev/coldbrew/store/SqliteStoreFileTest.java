package dev.coldbrew.store;

import static dev.coldbrew.store.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.store.StoreException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreFileTest {
  @TempDir Path dir;

  private Path data() {
    return dir.resolve("data");
  }

  private Path db() {
    return data().resolve(SqliteStore.DB_FILE);
  }

  @Test
  void garbageFileStopsOpenAndIsLeftUntouched() throws Exception {
    Files.createDirectories(data());
    byte[] garbage = new byte[64 * 1024];
    new Random(1).nextBytes(garbage);
    Files.write(db(), garbage);

    assertThatThrownBy(() -> SqliteStore.open(data()))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT))
        .hasMessageContaining(db().toAbsolutePath().toString())
        .hasMessageContaining("not a readable Coldbrew database")
        .hasMessageContaining("restore it from a backup");
    assertThat(Files.readAllBytes(db())).isEqualTo(garbage);
  }

  @Test
  void truncatedFileStopsOpenAndIsLeftUntouched() throws Exception {
    try (SqliteStore store = SqliteStore.open(data())) {
      for (int i = 0; i < 300; i++) {
        store.create(service("service-with-a-long-enough-name-" + i));
      }
    }
    byte[] whole = Files.readAllBytes(db());
    assertThat(whole.length).isGreaterThan(16 * 4096);
    byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
    Files.write(db(), truncated);

    assertThatThrownBy(() -> SqliteStore.open(data()))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT))
        .hasMessageContaining(db().toAbsolutePath().toString());
    assertThat(Files.readAllBytes(db())).isEqualTo(truncated);
  }

  @Test
  void emptiedFileStopsOpenInsteadOfStartingEmpty() throws Exception {
    try (SqliteStore store = SqliteStore.open(data())) {
      store.create(service("hello"));
    }
    Files.write(db(), new byte[0]);

    assertThatThrownBy(() -> SqliteStore.open(data()))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT))
        .hasMessageContaining(db().toAbsolutePath() + " is empty");
    assertThat(Files.size(db())).isZero();
  }

  @Test
  void newerSchemaVersionStopsOpen() throws Exception {
    SqliteStore.open(data()).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version=99");
    }

    assertThatThrownBy(() -> SqliteStore.open(data()))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT))
        .hasMessageContaining("schema version 99")
        .hasMessageContaining("newer Coldbrew");
  }

  @Test
  void foreignSqliteDatabaseStopsOpen() throws Exception {
    Files.createDirectories(data());
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE notes (text TEXT)");
    }

    assertThatThrownBy(() -> SqliteStore.open(data()))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT))
        .hasMessageContaining("not a Coldbrew store");
  }

  @Test
  void secondOpenOfTheSameDirectoryIsUnavailable() {
    try (SqliteStore store = SqliteStore.open(data())) {
      assertThatThrownBy(() -> SqliteStore.open(data()))
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE))
          .hasMessageContaining("in use by another Coldbrew process");
      store.create(service("still-works"));
    }
    try (SqliteStore again = SqliteStore.open(data())) {
      assertThat(again.get(Kind.SERVICE, "default", "still-works")).isPresent();
    }
  }

  @Test
  void dataDirectoryAndDatabaseAreOwnerOnly() throws Exception {
    assumeThat(dir.getFileSystem().supportedFileAttributeViews()).contains("posix");
    Path nested = dir.resolve("a/b/data");
    try (SqliteStore store = SqliteStore.open(nested)) {
      store.create(service("x"));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(nested)))
          .isEqualTo("rwx------");
      for (String file : List.of(SqliteStore.DB_FILE, SqliteStore.DB_FILE + "-wal")) {
        assertThat(
                PosixFilePermissions.toString(Files.getPosixFilePermissions(nested.resolve(file))))
            .as(file)
            .isEqualTo("rw-------");
      }
    }
  }

  @Test
  void closedStoreRefusesCalls() {
    SqliteStore store = SqliteStore.open(data());
    store.close();

    assertThatThrownBy(() -> store.create(service("late")))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE))
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> store.get(Kind.SERVICE, "default", "late"))
        .isInstanceOf(StoreException.class);
  }
}
