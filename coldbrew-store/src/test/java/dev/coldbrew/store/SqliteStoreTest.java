package dev.coldbrew.store;

import static dev.coldbrew.store.Fixtures.child;
import static dev.coldbrew.store.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the SQLite store adds to the {@link StoreContractTest} contract: dense resourceVersions from
 * 1, the clock, five-character generated names, one commit for concurrent writes, and cascading
 * deletes in the deleting transaction.
 */
class SqliteStoreTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

  @TempDir Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  private SqliteStore open() {
    return open(SqliteStore.Options.defaults().withClock(CLOCK));
  }

  private SqliteStore open(SqliteStore.Options options) {
    SqliteStore s = SqliteStore.open(dir.resolve("data"), options);
    toClose.add(s);
    return s;
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  @Test
  void createSetsServerFieldsAndDropsStatus() {
    SqliteStore store = open();
    Service in = service("hello");
    in.status = new Service.ServiceStatus();
    in.status.url = "http://ignored";

    Service created = (Service) store.create(in);

    assertThat(created.metadata.uid).isNotBlank();
    assertThat(created.metadata.resourceVersion).isEqualTo("1");
    assertThat(created.metadata.generation).isEqualTo(1L);
    assertThat(created.metadata.creationTimestamp).isEqualTo("2026-01-02T03:04:05Z");
    assertThat(created.status).isNull();
    Service read = (Service) store.get(Kind.SERVICE, "default", "hello").orElseThrow();
    assertThat(ResourceCodec.toJson(read)).isEqualTo(ResourceCodec.toJson(created));
    assertThat(read.spec.template.spec.container().image).isEqualTo("example/hello:1");
  }

  @Test
  void generationChangesOnlyWhenTheSpecChanges() {
    SqliteStore store = open();
    Service v1 = (Service) store.create(service("hello"));

    Service labelled = ResourceCodec.copy(v1);
    labelled.metadata.labels().put("team", "a");
    Service v2 = (Service) store.update(labelled);
    assertThat(v2.metadata.generation).isEqualTo(1L);
    assertThat(Long.parseLong(v2.metadata.resourceVersion)).isGreaterThan(1L);
    assertThat(v2.metadata.label("team")).isEqualTo("a");

    Service respec = ResourceCodec.copy(v2);
    respec.spec.template.spec.containerConcurrency = 5L;
    Service v3 = (Service) store.update(respec);
    assertThat(v3.metadata.generation).isEqualTo(2L);

    Service same = (Service) store.update(ResourceCodec.copy(v3));
    assertThat(same.metadata.resourceVersion).isEqualTo(v3.metadata.resourceVersion);
    assertThat(same.metadata.generation).isEqualTo(2L);
  }

  @Test
  void generateNameAppendsFiveRandomCharacters() {
    SqliteStore store = open();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      Service s = service(null);
      s.metadata.generateName = "hello-";
      names.add(store.create(s).metadata.name);
    }

    assertThat(names).hasSize(3).allMatch(n -> n.matches("hello-[a-z0-9]{5}"));
    for (String n : names) {
      assertThat(store.get(Kind.SERVICE, "default", n)).isPresent();
    }
  }

  @Test
  void listFiltersByNamespaceAndReturnsTheSnapshotVersion() {
    SqliteStore store = open();
    store.create(service("a", "x", "img"));
    store.create(service("b", "y", "img"));
    store.create(service("b", "x", "img"));

    ListResult all = store.list(Kind.SERVICE, null);
    assertThat(all.items()).extracting(Resource::key).containsExactly("a/x", "b/x", "b/y");
    assertThat(all.resourceVersion()).isEqualTo(3);
    assertThat(store.list(Kind.SERVICE, "b").items())
        .extracting(Resource::key)
        .containsExactly("b/x", "b/y");
    assertThat(store.list(Kind.ROUTE, null).items()).isEmpty();
  }

  @Test
  void deleteCascadesThroughOwnerReferences() {
    SqliteStore store = open();
    Resource svc = store.create(service("hello"));
    Resource other = store.create(service("other"));
    Resource cfg = store.create(child(Kind.CONFIGURATION, "hello", svc));
    Resource route = store.create(child(Kind.ROUTE, "hello", svc));
    Resource rev = store.create(child(Kind.REVISION, "hello-00001", cfg));
    store.create(child(Kind.POD_AUTOSCALER, "hello-00001", rev));
    store.create(child(Kind.SERVERLESS_SERVICE, "hello-00001", rev));
    store.create(child(Kind.ENDPOINTS, "hello-00001", rev));
    store.create(child(Kind.ENDPOINTS, "hello-00001-private", rev));
    store.create(child(Kind.CONFIGURATION, "other", other));
    long before = store.list(Kind.SERVICE, null).resourceVersion();
    Recorder rec = new Recorder();
    toClose.add(store.watch(before, rec));

    store.delete(Kind.SERVICE, "default", "hello");

    await().atMost(WAIT).until(() -> rec.size() == 8);
    assertThat(rec.summary())
        .containsExactlyInAnyOrder(
            "DELETED Service default/hello",
            "DELETED Configuration default/hello",
            "DELETED Route default/hello",
            "DELETED Revision default/hello-00001",
            "DELETED PodAutoscaler default/hello-00001",
            "DELETED ServerlessService default/hello-00001",
            "DELETED Endpoints default/hello-00001",
            "DELETED Endpoints default/hello-00001-private");
    assertThat(rec.summary().get(0)).isEqualTo("DELETED Service default/hello");
    assertThat(rec.events())
        .extracting(WatchEvent::resourceVersion)
        .containsExactlyElementsOf(
            java.util.stream.LongStream.rangeClosed(before + 1, before + 8).boxed().toList());
    for (Kind k : Kind.values()) {
      assertThat(store.list(k, null).items())
          .extracting(Resource::key)
          .allMatch(key -> key.equals("default/other"));
    }
    assertThat(store.get(Kind.CONFIGURATION, "default", "other")).isPresent();
    assertThat(route.metadata.uid).isNotNull();
  }

  @Test
  void asyncWritesShareCommitsAndFailWithStoreExceptions() {
    SqliteStore store = open();
    List<java.util.concurrent.CompletableFuture<Resource>> creates = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      creates.add(store.createAsync(service("async-" + i)));
    }
    Set<String> versions = new HashSet<>();
    for (var f : creates) {
      versions.add(f.join().metadata.resourceVersion);
    }
    assertThat(versions).hasSize(50);

    var duplicate = store.createAsync(service("async-0"));
    assertThatThrownBy(duplicate::join)
        .hasCauseInstanceOf(StoreException.class)
        .hasMessageContaining("Service default/async-0 already exists");
    store.deleteAsync(Kind.SERVICE, "default", "async-1").join();
    assertThat(store.get(Kind.SERVICE, "default", "async-1")).isEmpty();
    assertThat(store.list(Kind.SERVICE, null).items()).hasSize(49);
  }

  @Test
  void updateThatChangesNothingWritesNothing() {
    SqliteStore store = open();
    Resource created = store.create(service("hello"));
    Recorder rec = new Recorder();
    toClose.add(store.watch(1, rec));
    Service fresh = service("hello");
    fresh.metadata.resourceVersion = created.metadata.resourceVersion;

    Resource same = store.update(fresh);
    Resource changed = store.update(withRv(service("default", "hello", "example/hello:2"), same));

    assertThat(same.metadata.resourceVersion).isEqualTo("1");
    assertThat(same.metadata.uid).isEqualTo(created.metadata.uid);
    assertThat(changed.metadata.resourceVersion).isEqualTo("2");
    assertThat(changed.metadata.generation).isEqualTo(2L);
    await().atMost(WAIT).until(() -> rec.size() == 1);
    assertThat(rec.summary()).containsExactly("MODIFIED Service default/hello");
  }

  private static Service withRv(Service s, Resource from) {
    s.metadata.resourceVersion = from.metadata.resourceVersion;
    return s;
  }
}
