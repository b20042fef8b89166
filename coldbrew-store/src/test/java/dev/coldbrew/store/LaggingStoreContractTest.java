package dev.coldbrew.store;

/**
 * The {@link Store} contract holds for a store whose reads lag its writes: here every other read is
 * answered from an older snapshot, which the suite's waits must tolerate.
 */
class LaggingStoreContractTest extends StoreContractTest {
  @Override
  protected Store openStore() {
    return new LaggingStore(new InMemoryStore(), 2);
  }
}
