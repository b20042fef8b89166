package dev.coldbrew.kubernetes;

import dev.coldbrew.store.Store;
import dev.coldbrew.store.StoreContractTest;
import org.junit.jupiter.api.AfterEach;

/**
 * The {@link Store} contract on the Kubernetes store, against fabric8's mock API server in CRUD
 * mode. What the mock cannot show (garbage collection, 410 Gone) is in {@link KubernetesStoreTest}
 * and {@link FakeClusterTest}.
 */
class KubernetesStoreContractTest extends StoreContractTest {
  private MockApiServer api;

  @Override
  protected Store openStore() {
    api = MockApiServer.start();
    return KubernetesStore.open(api.client("coldbrew-controller"));
  }

  /** Runs before the suite's own clean-up: the store stops before the server it watches. */
  @AfterEach
  void stopTheServer() {
    store.close();
    api.close();
  }
}
