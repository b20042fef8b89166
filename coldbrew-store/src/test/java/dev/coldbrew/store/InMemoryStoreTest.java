package dev.coldbrew.store;

import static dev.coldbrew.store.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.store.StoreException.Reason;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The {@link EmbeddedStoreTest} rules on the in-memory store, and what is its own: writes are done
 * when they return, async futures are complete when returned, and a closed store refuses calls.
 */
class InMemoryStoreTest extends EmbeddedStoreTest {

  @Override
  protected Store openStore(Clock clock) {
    return new InMemoryStore(clock, 10_000);
  }

  @Test
  void asyncWritesAreCompleteWhenReturned() {
    Store store = open();
    CompletableFuture<Resource> created = store.createAsync(service("hello"));
    assertThat(created).isCompleted();

    Service change = (Service) ResourceCodec.copy(created.join());
    change.spec.template.spec.container().image = "example/hello:2";
    CompletableFuture<Resource> updated = store.updateAsync(change);
    CompletableFuture<Resource> stale = store.updateAsync(change);
    CompletableFuture<Void> missing = store.deleteAsync(Kind.ROUTE, "default", "hello");

    assertThat(updated.join().metadata.generation).isEqualTo(2L);
    assertThat(stale).isCompletedExceptionally();
    assertThatThrownBy(stale::join)
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CONFLICT));
    assertThat(missing).isCompletedExceptionally();
    assertThat(store.updateStatusAsync(service("no-version"))).isCompletedExceptionally();
  }

  @Test
  void readsReturnNewObjects() {
    Store store = open();
    store.create(service("hello"));
    Service read = (Service) store.get(Kind.SERVICE, "default", "hello").orElseThrow();
    read.spec.template.spec.container().image = "changed-by-the-caller";

    Service again = (Service) store.list(Kind.SERVICE, "default").items().get(0);
    assertThat(again.spec.template.spec.container().image).isEqualTo("example/hello:1");
  }

  @Test
  void watchFromBeforeTheRetainedHistoryIsReset() {
    Store store = new InMemoryStore(CLOCK, 4);
    toClose.add(store);
    for (int i = 1; i <= 10; i++) {
      store.create(service("s" + i));
    }
    Recorder old = new Recorder();
    Recorder recent = new Recorder();
    toClose.add(store.watch(1, old));
    toClose.add(store.watch(6, recent));

    await().atMost(WAIT).until(() -> old.size() == 1 && recent.size() == 4);
    assertThat(old.summary()).containsExactly("RESET");
    assertThat(recent.summary()).first().isEqualTo("ADDED Service default/s7");
  }

  @Test
  void historyMustHoldAnEvent() {
    assertThatThrownBy(() -> new InMemoryStore(CLOCK, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("historyEvents: 0 (expected: >= 1)");
  }

  @Test
  void closedStoreRefusesCalls() {
    Store store = open();
    Resource created = store.create(service("hello"));
    store.close();

    assertThatThrownBy(() -> store.get(Kind.SERVICE, "default", "hello"))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE))
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> store.list(Kind.SERVICE, null)).isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> store.create(service("late"))).isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> store.update(created)).isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> store.watch(0, new Recorder())).isInstanceOf(StoreException.class);
    assertThat(store.createAsync(service("late"))).isCompletedExceptionally();
  }
}
