package dev.coldbrew.store;

import static dev.coldbrew.store.Fixtures.child;
import static dev.coldbrew.store.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.store.FaultyStore.Op;
import dev.coldbrew.store.StoreException.Reason;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class FaultyStoreTest {
  private final InMemoryStore memory = new InMemoryStore();
  private final FaultyStore store = new FaultyStore(memory);

  private static Service withStatus(Resource r, String url) {
    Service s = (Service) ResourceCodec.copy(r);
    s.status = new Service.ServiceStatus();
    s.status.url = url;
    return s;
  }

  @Test
  void recordsEveryWriteInOrderWithWhatWasSent() {
    Resource svc = store.create(service("hello"));
    store.updateStatus(withStatus(svc, "http://hello"));
    store.createAsync(child(Kind.ROUTE, "hello", svc)).join();
    store.delete(Kind.SERVICE, "default", "hello");

    assertThat(store.summary())
        .containsExactly(
            "create Service default/hello",
            "updateStatus Service default/hello",
            "create Route default/hello",
            "delete Service default/hello");
    assertThat(((Service) store.calls().get(1).sent()).status.url).isEqualTo("http://hello");
    assertThat(store.calls().get(3).sent()).isNull();

    store.clearCalls();
    assertThat(store.calls()).isEmpty();
  }

  @Test
  void failNextFailsOnceWithoutChangingTheWrappedStore() {
    Resource svc = store.create(service("hello"));
    store.failNext(Op.UPDATE_STATUS, Kind.SERVICE, Reason.CONFLICT);

    assertThatThrownBy(() -> store.updateStatus(withStatus(svc, "http://one")))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CONFLICT))
        .hasMessageContaining("Service default/hello")
        .hasMessageContaining("induced");
    assertThat(((Service) memory.get(Kind.SERVICE, "default", "hello").orElseThrow()).status)
        .isNull();
    assertThat(memory.list(Kind.SERVICE, null).resourceVersion()).isEqualTo(1);

    Service ok = (Service) store.updateStatus(withStatus(svc, "http://two"));
    assertThat(ok.status.url).isEqualTo("http://two");
    assertThat(store.summary())
        .containsExactly(
            "create Service default/hello",
            "updateStatus Service default/hello -> CONFLICT",
            "updateStatus Service default/hello");
    assertThat(store.pendingFaults()).isZero();
  }

  @Test
  void faultsMatchOpKindAndNameAndCountDown() {
    store.fail(Op.CREATE, Kind.ROUTE, "b", Reason.UNAVAILABLE, 2);
    Resource svc = store.create(service("a"));

    store.create(child(Kind.ROUTE, "a", svc));
    store.create(child(Kind.CONFIGURATION, "b", svc));
    assertThatThrownBy(() -> store.create(child(Kind.ROUTE, "b", svc)))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE));
    assertThat(store.pendingFaults()).isEqualTo(1);
    assertThatThrownBy(() -> store.createAsync(child(Kind.ROUTE, "b", svc)).join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE));
    store.create(child(Kind.ROUTE, "b", svc));

    assertThat(memory.list(Kind.ROUTE, null).items())
        .extracting(r -> r.metadata.name)
        .containsExactly("a", "b");
    assertThat(store.calls()).filteredOn(c -> c.induced() != null).hasSize(2);
  }

  @Test
  void deletesCanBeFailedToo() {
    store.create(service("hello"));
    store.failNext(Op.DELETE, Kind.SERVICE, "hello", Reason.UNAVAILABLE);

    assertThat(store.deleteAsync(Kind.SERVICE, "default", "hello")).isCompletedExceptionally();
    assertThat(memory.get(Kind.SERVICE, "default", "hello")).isPresent();
    store.deleteAsync(Kind.SERVICE, "default", "hello").join();
    assertThat(memory.get(Kind.SERVICE, "default", "hello")).isEmpty();
  }

  @Test
  void malformedFaultsAreRefused() {
    assertThatThrownBy(() -> store.fail(Op.UPDATE, Kind.ROUTE, null, Reason.CONFLICT, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("times: 0 (expected: >= 1)");
    assertThatThrownBy(() -> store.failNext(null, Kind.ROUTE, Reason.CONFLICT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("op, kind and reason are required");
  }
}
