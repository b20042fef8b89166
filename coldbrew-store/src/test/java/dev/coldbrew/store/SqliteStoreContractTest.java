package dev.coldbrew.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The {@link Store} contract on the embedded SQLite store. */
class SqliteStoreContractTest extends StoreContractTest {
  @TempDir Path dir;

  @Override
  protected Store openStore() {
    return SqliteStore.open(dir.resolve("data"));
  }
}
