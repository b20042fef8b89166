package dev.coldbrew.store;

import static dev.coldbrew.store.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.store.StoreException.Reason;
import org.junit.jupiter.api.Test;

class LaggingStoreTest {

  @Test
  void readsSeeWritesOnlyAfterCatchUp() {
    try (LaggingStore store = new LaggingStore(new InMemoryStore())) {
      Resource created = store.create(service("hello"));

      assertThat(store.get(Kind.SERVICE, "default", "hello")).isEmpty();
      assertThat(store.list(Kind.SERVICE, null).items()).isEmpty();
      assertThat(store.list(Kind.SERVICE, null).resourceVersion()).isZero();

      store.catchUp();
      assertThat(store.get(Kind.SERVICE, "default", "hello"))
          .get()
          .extracting(r -> r.metadata.resourceVersion)
          .isEqualTo(created.metadata.resourceVersion);
      assertThat(store.list(Kind.SERVICE, "default").resourceVersion()).isEqualTo(1);
      assertThat(store.list(Kind.SERVICE, "other").items()).isEmpty();
    }
  }

  @Test
  void anUpdateBuiltFromALaggingReadConflicts() {
    try (LaggingStore store = new LaggingStore(new InMemoryStore())) {
      store.create(service("hello"));
      store.catchUp();
      Service read = (Service) store.get(Kind.SERVICE, "default", "hello").orElseThrow();
      read.metadata.labels().put("step", "1");
      store.update(read);

      Service reread = (Service) store.get(Kind.SERVICE, "default", "hello").orElseThrow();
      reread.metadata.labels().put("step", "2");

      assertThat(reread.metadata.label("step")).isEqualTo("2");
      assertThatThrownBy(() -> store.update(reread))
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CONFLICT));
    }
  }

  @Test
  void catchUpEveryNthReadAndCopiesOut() {
    try (LaggingStore store = new LaggingStore(new InMemoryStore(), 3)) {
      store.create(service("hello"));

      assertThat(store.get(Kind.SERVICE, "default", "hello")).isEmpty();
      assertThat(store.get(Kind.SERVICE, "default", "hello")).isEmpty();
      Service third = (Service) store.get(Kind.SERVICE, "default", "hello").orElseThrow();
      third.spec.template.spec.container().image = "changed-by-the-caller";
      Service fourth = (Service) store.get(Kind.SERVICE, "default", "hello").orElseThrow();
      assertThat(fourth.spec.template.spec.container().image).isEqualTo("example/hello:1");
    }
  }

  @Test
  void negativeCatchUpIsRefusedAndClosedStoreRefusesReads() {
    assertThatThrownBy(() -> new LaggingStore(new InMemoryStore(), -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("catchUpEvery: -1 (expected: >= 0)");
    LaggingStore store = new LaggingStore(new InMemoryStore());
    store.close();
    assertThatThrownBy(() -> store.get(Kind.SERVICE, "default", "hello"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("closed");
  }
}
