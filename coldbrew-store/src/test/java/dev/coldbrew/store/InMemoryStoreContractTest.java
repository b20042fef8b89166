package dev.coldbrew.store;

/** The {@link Store} contract on the in-memory store. */
class InMemoryStoreContractTest extends StoreContractTest {
  @Override
  protected Store openStore() {
    return new InMemoryStore();
  }
}
