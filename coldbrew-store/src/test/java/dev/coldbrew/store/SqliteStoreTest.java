package dev.coldbrew.store;

import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link EmbeddedStoreTest} rules on the SQLite store (its files, group commit and watches are
 * tested by {@link SqliteStoreFileTest} and {@link SqliteStoreWatchTest}).
 */
class SqliteStoreTest extends EmbeddedStoreTest {
  @TempDir Path dir;

  @Override
  protected Store openStore(Clock clock) {
    return SqliteStore.open(dir.resolve("data"), SqliteStore.Options.defaults().withClock(clock));
  }
}
