package dev.coldbrew.store;

import static dev.coldbrew.store.Fixtures.child;
import static dev.coldbrew.store.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourceCacheTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  private SqliteStore open(int historyEvents) {
    SqliteStore s =
        SqliteStore.open(
            dir.resolve("data"), SqliteStore.Options.defaults().withHistoryEvents(historyEvents));
    toClose.add(s);
    return s;
  }

  private ResourceCache cache(Store store) {
    ResourceCache c = ResourceCache.of(store);
    toClose.add(c);
    return c;
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void syncsExistingResourcesAndReportsThemToHandlers() throws Exception {
    SqliteStore store = open(100);
    store.create(service("a", "one", "img"));
    store.create(service("b", "two", "img"));
    ResourceCache cache = cache(store);
    List<String> seen = new CopyOnWriteArrayList<>();
    cache.onEvent(Kind.SERVICE, r -> seen.add(r.key()));
    assertThat(cache.hasSynced()).isFalse();

    cache.start();

    assertThat(cache.awaitSynced(WAIT)).isTrue();
    assertThat(cache.hasSynced()).isTrue();
    assertThat(seen).containsExactlyInAnyOrder("a/one", "b/two");
    assertThat(cache.get(Kind.SERVICE, "a", "one")).isPresent();
    assertThat(cache.list(Kind.SERVICE, "b")).extracting(Resource::key).containsExactly("b/two");
    assertThat(cache.list(Kind.SERVICE, null)).hasSize(2);
    assertThat(cache.list(Kind.ROUTE, null)).isEmpty();
  }

  @Test
  void awaitResourceVersionReturnsOnceTheCacheReflectsThatWriteDeletesIncluded() throws Exception {
    InMemoryStore store = new InMemoryStore();
    toClose.add(store);
    Service svc = (Service) store.create(service("hello"));
    store.create(child(Kind.ROUTE, "hello", svc));
    ResourceCache cache = cache(store);
    assertThat(cache.lastSyncResourceVersion()).isZero();
    cache.start();
    assertThat(cache.lastSyncResourceVersion()).isEqualTo(2);

    store.delete(Kind.SERVICE, "default", "hello"); // resourceVersions 3 and 4: the cascade
    long last = store.list(Kind.SERVICE, null).resourceVersion();
    assertThat(last).isEqualTo(4);

    assertThat(cache.awaitResourceVersion(last, WAIT)).isTrue();
    assertThat(cache.lastSyncResourceVersion()).isGreaterThanOrEqualTo(last);
    assertThat(cache.get(Kind.SERVICE, "default", "hello")).isEmpty();
    assertThat(cache.get(Kind.ROUTE, "default", "hello")).isEmpty();
    assertThat(cache.awaitResourceVersion(last + 1, Duration.ofMillis(50)))
        .as("a version not yet written")
        .isFalse();
    cache.close();
    assertThat(cache.awaitResourceVersion(last + 1, WAIT)).as("closed: returns at once").isFalse();
  }

  @Test
  void followsAddsUpdatesAndDeletes() {
    SqliteStore store = open(100);
    ResourceCache cache = cache(store).start();
    List<String> seen = new CopyOnWriteArrayList<>();
    cache.onEvent(Kind.SERVICE, r -> seen.add(r.metadata.name + "@" + r.metadata.resourceVersion));

    Service s = (Service) store.create(service("hello"));
    Service change = ResourceCodec.copy(s);
    change.spec.template.spec.containerConcurrency = 3L;
    store.update(change);
    await()
        .atMost(WAIT)
        .until(
            () ->
                cache
                    .get(Kind.SERVICE, "default", "hello")
                    .map(r -> ((Service) r).spec.template.spec.containerConcurrency)
                    .orElse(0L)
                    .equals(3L));
    store.delete(Kind.SERVICE, "default", "hello");

    await().atMost(WAIT).until(() -> cache.get(Kind.SERVICE, "default", "hello").isEmpty());
    await().atMost(WAIT).until(() -> seen.size() == 3);
    assertThat(seen).containsExactly("hello@1", "hello@2", "hello@3");
  }

  @Test
  void findsChildrenByControllerOwnerUid() {
    SqliteStore store = open(100);
    ResourceCache cache = cache(store).start();
    Resource svc = store.create(service("hello"));
    Resource other = store.create(service("other"));
    Resource cfg = store.create(child(Kind.CONFIGURATION, "hello", svc));
    store.create(child(Kind.ROUTE, "hello", svc));
    store.create(child(Kind.CONFIGURATION, "other", other));
    Resource rev = store.create(child(Kind.REVISION, "hello-00001", cfg));

    await()
        .atMost(WAIT)
        .until(() -> cache.get(Kind.REVISION, "default", "hello-00001").isPresent());
    assertThat(cache.listOwnedBy(svc.metadata.uid))
        .extracting(r -> r.kind + "/" + r.metadata.name)
        .containsExactlyInAnyOrder("Configuration/hello", "Route/hello");
    assertThat(cache.listOwnedBy(Kind.ROUTE, svc.metadata.uid))
        .extracting(r -> r.metadata.name)
        .containsExactly("hello");
    assertThat(cache.listOwnedBy(cfg.metadata.uid))
        .extracting(r -> r.metadata.name)
        .containsExactly("hello-00001");

    store.delete(Kind.SERVICE, "default", "hello");

    await().atMost(WAIT).until(() -> cache.listOwnedBy(cfg.metadata.uid).isEmpty());
    assertThat(cache.listOwnedBy(svc.metadata.uid)).isEmpty();
    assertThat(cache.get(Kind.REVISION, "default", rev.metadata.name)).isEmpty();
    assertThat(cache.listOwnedBy(other.metadata.uid)).hasSize(1);
  }

  @Test
  void countsEachKindAcrossNamespaces() {
    SqliteStore store = open(100);
    ResourceCache cache = cache(store).start();
    assertThat(cache.count(Kind.SERVICE)).isZero();
    store.create(service("a", "one", "img"));
    store.create(service("b", "two", "img"));
    Resource three = store.create(service("b", "three", "img"));
    store.create(child(Kind.ROUTE, "three", three));
    await().atMost(WAIT).until(() -> cache.count(Kind.SERVICE) == 3);
    await().atMost(WAIT).until(() -> cache.count(Kind.ROUTE) == 1);

    store.delete(Kind.SERVICE, "b", "three"); // and its Route

    await().atMost(WAIT).until(() -> cache.count(Kind.ROUTE) == 0);
    assertThat(cache.count(Kind.SERVICE)).isEqualTo(2);
    assertThat(cache.count(Kind.REVISION)).isZero();
  }

  @Test
  void relistsAfterResetAndReportsWhatChanged() throws Exception {
    SqliteStore store = open(4);
    store.create(service("stays"));
    store.create(service("goes"));
    ResourceCache cache = cache(store);
    CountDownLatch release = new CountDownLatch(1);
    List<String> seen = new CopyOnWriteArrayList<>();
    cache.onEvent(
        Kind.SERVICE,
        r -> {
          seen.add(r.metadata.name);
          if (r.metadata.name.equals("first-new")) {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    cache.start();
    seen.clear();

    store.create(service("first-new"));
    await().atMost(WAIT).until(() -> seen.contains("first-new"));
    // the handler blocks the watch while more than 4 events happen: the watch falls behind
    store.delete(Kind.SERVICE, "default", "goes");
    for (int i = 0; i < 6; i++) {
      store.create(service("later-" + i));
    }
    release.countDown();

    await().atMost(WAIT).until(() -> cache.size() == 8);
    assertThat(cache.get(Kind.SERVICE, "default", "goes")).isEmpty();
    assertThat(cache.list(Kind.SERVICE, null))
        .extracting(r -> r.metadata.name)
        .containsExactlyInAnyOrder(
            "stays", "first-new", "later-0", "later-1", "later-2", "later-3", "later-4", "later-5");
    await().atMost(WAIT).until(() -> seen.containsAll(List.of("goes", "later-5")));
    assertThat(seen).doesNotContain("stays");

    store.create(service("after-reset"));
    await().atMost(WAIT).until(() -> cache.get(Kind.SERVICE, "default", "after-reset").isPresent());
  }
}
