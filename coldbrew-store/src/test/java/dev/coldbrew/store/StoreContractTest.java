package dev.coldbrew.store;

import static dev.coldbrew.store.Fixtures.child;
import static dev.coldbrew.store.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Endpoints;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.store.StoreException.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Store} contract, as one suite every implementation runs: extend it and say how to open
 * a new, empty store. Reads may lag writes (the Kubernetes store reads from informer caches, as
 * Knative's listers do), so the suite waits for a write to become visible before depending on it; a
 * store that reads its own writes passes the waits at once.
 *
 * <p>Not in the contract, and tested per implementation: the exact resourceVersion values (SQLite
 * numbers its writes 1, 2, 3…; an API server's are opaque), the shape of generated names, and what
 * happens to owned resources on delete (SQLite cascades in the same transaction; on Kubernetes the
 * cluster's garbage collector does it later).
 */
public abstract class StoreContractTest {
  protected static final Duration WAIT = Duration.ofSeconds(30);

  /** The store under test, fresh for each test. */
  protected Store store;

  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** A new, empty store; the suite closes it after each test. */
  protected abstract Store openStore() throws Exception;

  @BeforeEach
  void openTheStore() throws Exception {
    store = openStore();
  }

  @AfterEach
  void closeTheStore() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    store.close();
  }

  /** Waits until the store's reads show the resource at least as it was written. */
  protected Resource visible(Resource written) {
    return eventually(
        written.resourceKind(),
        written.metadata.namespace,
        written.metadata.name,
        r -> written.metadata.resourceVersion.equals(r.metadata.resourceVersion));
  }

  /** Waits until {@code get} finds the resource and it satisfies {@code condition}. */
  protected Resource eventually(
      Kind kind, String namespace, String name, Predicate<Resource> condition) {
    return await()
        .atMost(WAIT)
        .until(
            () -> store.get(kind, namespace, name), r -> r.isPresent() && condition.test(r.get()))
        .get();
  }

  private Recorder watchFrom(long resourceVersion) {
    Recorder rec = new Recorder();
    toClose.add(store.watch(resourceVersion, rec));
    return rec;
  }

  private static Predicate<Throwable> reason(Reason reason) {
    return e -> e instanceof StoreException s && s.reason() == reason;
  }

  @Test
  public void createSetsServerFieldsAndDropsStatus() {
    Service in = service("hello");
    in.status = new Service.ServiceStatus();
    in.status.url = "http://ignored";

    Service created = (Service) store.create(in);

    assertThat(created.metadata.uid).isNotBlank();
    assertThat(created.metadata.resourceVersion).isNotBlank();
    assertThat(created.metadata.generation).isEqualTo(1L);
    assertThat(Instant.parse(created.metadata.creationTimestamp)).isNotNull();
    assertThat(created.status).isNull();
    assertThat(created.apiVersion).isEqualTo("serving.knative.dev/v1");
    Service read = (Service) visible(created);
    assertThat(ResourceCodec.toJson(read)).isEqualTo(ResourceCodec.toJson(created));
    assertThat(read.spec.template.spec.container().image).isEqualTo("example/hello:1");
  }

  @Test
  public void createTwiceIsAlreadyExistsNamingTheResource() {
    visible(store.create(service("hello")));

    assertThatThrownBy(() -> store.create(service("hello")))
        .matches(reason(Reason.ALREADY_EXISTS))
        .hasMessageContaining("Service default/hello already exists");
    assertThat(store.list(Kind.SERVICE, null).items()).hasSize(1);
  }

  @Test
  public void createWithoutNameOrNamespaceIsInvalid() {
    assertThatThrownBy(() -> store.create(service(null)))
        .matches(reason(Reason.INVALID))
        .hasMessageContaining("metadata.name");
    assertThatThrownBy(() -> store.create(service(null, "hello", "img")))
        .matches(reason(Reason.INVALID))
        .hasMessageContaining("metadata.namespace");
  }

  @Test
  public void staleUpdateIsConflictAndChangesNothing() {
    Service v1 = (Service) store.create(service("hello"));
    Service first = ResourceCodec.copy(v1);
    first.spec.template.spec.container().image = "example/hello:2";
    Resource v2 = store.update(first);

    Service stale = ResourceCodec.copy(v1);
    stale.spec.template.spec.container().image = "example/hello:3";

    assertThatThrownBy(() -> store.update(stale))
        .matches(reason(Reason.CONFLICT))
        .hasMessageContaining("Service default/hello");
    Service now = (Service) visible(v2);
    assertThat(now.spec.template.spec.container().image).isEqualTo("example/hello:2");
  }

  @Test
  public void staleStatusUpdateIsConflict() {
    Service v1 = (Service) store.create(service("hello"));
    Service s1 = ResourceCodec.copy(v1);
    s1.status = new Service.ServiceStatus();
    s1.status.url = "http://one";
    Resource written = store.updateStatus(s1);

    Service s2 = ResourceCodec.copy(v1);
    s2.status = new Service.ServiceStatus();
    s2.status.url = "http://two";

    assertThatThrownBy(() -> store.updateStatus(s2)).matches(reason(Reason.CONFLICT));
    assertThat(((Service) visible(written)).status.url).isEqualTo("http://one");
  }

  @Test
  public void updateKeepsStatusAndUpdateStatusKeepsSpec() {
    Service v1 = (Service) store.create(service("hello"));
    Service withStatus = ResourceCodec.copy(v1);
    withStatus.status = new Service.ServiceStatus();
    withStatus.status.url = "http://hello.default.localhost:8080";
    withStatus.spec.template.spec.container().image = "ignored-by-updateStatus";
    Service v2 = (Service) store.updateStatus(withStatus);
    assertThat(v2.spec.template.spec.container().image).isEqualTo("example/hello:1");
    assertThat(v2.metadata.generation).isEqualTo(1L);
    assertThat(v2.status.url).isEqualTo("http://hello.default.localhost:8080");

    Service change = ResourceCodec.copy(v2);
    change.status = null;
    change.spec.template.spec.container().image = "example/hello:2";
    Service v3 = (Service) store.update(change);

    assertThat(v3.status.url).isEqualTo("http://hello.default.localhost:8080");
    assertThat(v3.spec.template.spec.container().image).isEqualTo("example/hello:2");
    Service read = (Service) visible(v3);
    assertThat(read.status.url).isEqualTo("http://hello.default.localhost:8080");
  }

  @Test
  public void generationChangesOnlyWhenTheSpecChanges() {
    Service v1 = (Service) store.create(service("hello"));

    Service labelled = ResourceCodec.copy(v1);
    labelled.metadata.labels().put("team", "a");
    Service v2 = (Service) store.update(labelled);
    assertThat(v2.metadata.generation).isEqualTo(1L);
    assertThat(v2.metadata.resourceVersion).isNotEqualTo(v1.metadata.resourceVersion);
    assertThat(v2.metadata.label("team")).isEqualTo("a");

    Service withStatus = ResourceCodec.copy(v2);
    withStatus.status = new Service.ServiceStatus();
    withStatus.status.url = "http://hello";
    Service v3 = (Service) store.updateStatus(withStatus);
    assertThat(v3.metadata.generation).isEqualTo(1L);

    Service respec = ResourceCodec.copy(v3);
    respec.spec.template.spec.containerConcurrency = 5L;
    Service v4 = (Service) store.update(respec);
    assertThat(v4.metadata.generation).isEqualTo(2L);

    visible(v4);
    Service same = (Service) store.update(ResourceCodec.copy(v4));
    assertThat(same.metadata.resourceVersion).isEqualTo(v4.metadata.resourceVersion);
    assertThat(same.metadata.generation).isEqualTo(2L);
  }

  @Test
  public void updateWithoutResourceVersionIsInvalid() {
    Service v1 = (Service) store.create(service("hello"));
    v1.metadata.resourceVersion = null;

    assertThatThrownBy(() -> store.update(v1))
        .matches(reason(Reason.INVALID))
        .hasMessageContaining("metadata.resourceVersion");
    assertThatThrownBy(() -> store.updateStatus(v1))
        .matches(reason(Reason.INVALID))
        .hasMessageContaining("metadata.resourceVersion");
  }

  @Test
  public void writesToAMissingResourceAreNotFound() {
    Resource exists = store.create(service("other"));
    Service s = service("ghost");
    s.metadata.resourceVersion = exists.metadata.resourceVersion;

    assertThatThrownBy(() -> store.update(s))
        .matches(reason(Reason.NOT_FOUND))
        .hasMessageContaining("Service default/ghost not found");
    assertThatThrownBy(() -> store.updateStatus(s)).matches(reason(Reason.NOT_FOUND));
    assertThatThrownBy(() -> store.delete(Kind.SERVICE, "default", "ghost"))
        .matches(reason(Reason.NOT_FOUND))
        .hasMessageContaining("Service default/ghost not found");
  }

  @Test
  public void generateNameGivesDistinctNamesWithThePrefix() {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      Service s = service(null);
      s.metadata.generateName = "hello-";
      names.add(store.create(s).metadata.name);
    }

    assertThat(names).hasSize(3).allMatch(n -> n.startsWith("hello-") && n.length() > 6);
    for (String n : names) {
      eventually(Kind.SERVICE, "default", n, r -> true);
    }
  }

  @Test
  public void listFiltersByNamespaceInNameOrder() {
    store.create(service("a", "x", "img"));
    store.create(service("b", "y", "img"));
    visible(store.create(service("b", "x", "img")));
    eventually(Kind.SERVICE, "b", "y", r -> true);
    eventually(Kind.SERVICE, "a", "x", r -> true);

    ListResult all = store.list(Kind.SERVICE, null);
    assertThat(all.items()).extracting(Resource::key).containsExactly("a/x", "b/x", "b/y");
    assertThat(store.list(Kind.SERVICE, "b").items())
        .extracting(Resource::key)
        .containsExactly("b/x", "b/y");
    assertThat(store.list(Kind.ROUTE, null).items()).isEmpty();
  }

  @Test
  public void watchFromAListSeesEachLaterChangeOnceInOrder() {
    Resource before = visible(store.create(service("before")));
    ListResult listed = store.list(Kind.SERVICE, null);
    assertThat(listed.items()).extracting(Resource::key).containsExactly("default/before");
    Recorder rec = watchFrom(listed.resourceVersion());

    Resource created = store.create(service("after"));
    Service change = (Service) ResourceCodec.copy(created);
    change.spec.template.spec.container().image = "example/hello:2";
    store.update(change);
    store.delete(Kind.SERVICE, "default", "after");

    await().atMost(WAIT).until(() -> rec.size() >= 3);
    assertThat(rec.summary())
        .containsExactly(
            "ADDED Service default/after",
            "MODIFIED Service default/after",
            "DELETED Service default/after");
    List<WatchEvent> events = rec.events();
    assertThat(events.get(1).resource().metadata.resourceVersion)
        .isNotEqualTo(events.get(0).resource().metadata.resourceVersion);
    assertThat(((Service) events.get(1).resource()).spec.template.spec.container().image)
        .isEqualTo("example/hello:2");
    assertThat(events)
        .extracting(WatchEvent::resourceVersion)
        .isSorted()
        .allMatch(rv -> rv > listed.resourceVersion());
    assertThat(before.metadata.name).isEqualTo("before");
  }

  @Test
  public void watchFromAnOlderListReplaysThenFollows() {
    visible(store.create(service("s1")));
    long rv = store.list(Kind.SERVICE, null).resourceVersion();
    store.create(service("s2"));
    visible(store.create(service("s3")));

    Recorder rec = watchFrom(rv);
    store.create(service("s4"));

    await().atMost(WAIT).until(() -> rec.size() >= 3);
    assertThat(rec.summary())
        .containsExactly(
            "ADDED Service default/s2", "ADDED Service default/s3", "ADDED Service default/s4");
  }

  @Test
  public void closedWatchReceivesNothingMore() {
    long rv = store.list(Kind.SERVICE, null).resourceVersion();
    Recorder rec = new Recorder();
    Watch w = store.watch(rv, rec);
    store.create(service("one"));
    await().atMost(WAIT).until(() -> rec.size() == 1);

    w.close();
    Recorder after = watchFrom(store.list(Kind.SERVICE, null).resourceVersion());
    store.create(service("two"));

    await().atMost(WAIT).until(() -> after.size() == 1);
    assertThat(rec.summary()).containsExactly("ADDED Service default/one");
  }

  @Test
  public void concurrentUpdatesFromTheSameReadLetExactlyOneWin() {
    Service v1 = (Service) store.create(service("hello"));
    List<CompletableFuture<Resource>> updates = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Service change = ResourceCodec.copy(v1);
      change.spec.template.spec.container().image = "example/hello:" + (i + 2);
      updates.add(store.updateAsync(change));
    }

    List<Resource> won = new ArrayList<>();
    List<Reason> lost = new ArrayList<>();
    for (var f : updates) {
      try {
        won.add(f.join());
      } catch (CompletionException e) {
        lost.add(((StoreException) e.getCause()).reason());
      }
    }
    assertThat(won).hasSize(1);
    assertThat(lost).hasSize(7).containsOnly(Reason.CONFLICT);
    Service now = (Service) visible(won.get(0));
    assertThat(ResourceCodec.toJson(now)).isEqualTo(ResourceCodec.toJson(won.get(0)));
  }

  @Test
  public void asyncWritesCompleteAndFailWithStoreExceptions() {
    List<CompletableFuture<Resource>> creates = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      creates.add(store.createAsync(service("async-" + i)));
    }
    Set<String> versions = new HashSet<>();
    for (var f : creates) {
      versions.add(f.join().metadata.resourceVersion);
    }
    assertThat(versions).hasSize(20);

    var duplicate = store.createAsync(service("async-0"));
    assertThatThrownBy(duplicate::join)
        .hasCauseInstanceOf(StoreException.class)
        .hasMessageContaining("Service default/async-0 already exists");
    store.deleteAsync(Kind.SERVICE, "default", "async-1").join();
    await()
        .atMost(WAIT)
        .until(() -> store.get(Kind.SERVICE, "default", "async-1"), Optional::isEmpty);
    await().atMost(WAIT).until(() -> store.list(Kind.SERVICE, null).items().size() == 19);
  }

  @Test
  public void updateThatChangesNothingWritesNothing() {
    Resource created = visible(store.create(service("hello")));
    Recorder rec = watchFrom(store.list(Kind.SERVICE, null).resourceVersion());
    Service fresh = service("hello");
    fresh.metadata.resourceVersion = created.metadata.resourceVersion;

    Resource same = store.update(fresh);
    Service withRv = service("default", "hello", "example/hello:2");
    withRv.metadata.resourceVersion = same.metadata.resourceVersion;
    Resource changed = store.update(withRv);

    assertThat(same.metadata.resourceVersion).isEqualTo(created.metadata.resourceVersion);
    assertThat(same.metadata.uid).isEqualTo(created.metadata.uid);
    assertThat(changed.metadata.resourceVersion).isNotEqualTo(created.metadata.resourceVersion);
    assertThat(changed.metadata.generation).isEqualTo(2L);
    await().atMost(WAIT).until(() -> rec.size() == 1);
    assertThat(rec.summary()).containsExactly("MODIFIED Service default/hello");
  }

  @Test
  public void statusThatChangesNothingWritesNothing() {
    Service v1 = (Service) store.create(service("hello"));
    Service s = ResourceCodec.copy(v1);
    s.status = new Service.ServiceStatus();
    s.status.url = "http://hello";
    Service v2 = (Service) store.updateStatus(s);
    visible(v2);

    Service again = ResourceCodec.copy(v2);
    Service v3 = (Service) store.updateStatus(again);

    assertThat(v3.metadata.resourceVersion).isEqualTo(v2.metadata.resourceVersion);
  }

  @Test
  public void endpointsHaveNoStatus() {
    Endpoints e = (Endpoints) store.create(Fixtures.endpoints("default", "hello", "127.0.0.2"));
    assertThat(e.addresses()).containsExactly("127.0.0.2");

    assertThatThrownBy(() -> store.updateStatus(e))
        .matches(reason(Reason.INVALID))
        .hasMessageContaining("Endpoints default/hello");
  }

  @Test
  public void ownerReferencesSurviveTheRoundTrip() {
    Resource svc = store.create(service("hello"));
    Resource cfg = store.create(child(Kind.CONFIGURATION, "hello", svc));

    Resource read = visible(cfg);
    OwnerReference ref = read.metadata.controllerRef();
    assertThat(ref).isNotNull();
    assertThat(ref.apiVersion).isEqualTo("serving.knative.dev/v1");
    assertThat(ref.kind).isEqualTo("Service");
    assertThat(ref.name).isEqualTo("hello");
    assertThat(ref.uid).isEqualTo(svc.metadata.uid);
    assertThat(ref.blockOwnerDeletion).isTrue();
  }

  @Test
  public void everyKindRoundTrips() {
    Resource svc = store.create(service("hello"));
    for (Kind kind : Kind.values()) {
      if (kind == Kind.SERVICE) {
        continue;
      }
      Resource r =
          kind == Kind.ENDPOINTS
              ? Fixtures.endpoints("default", "hello", "127.0.0.2")
              : child(kind, "hello", svc);
      Resource created = store.create(r);
      assertThat(created.resourceKind()).isEqualTo(kind);
      assertThat(created.apiVersion).isEqualTo(kind.apiVersion());
      Resource read = visible(created);
      assertThat(ResourceCodec.toJson(read)).isEqualTo(ResourceCodec.toJson(created));
      assertThat(store.list(kind, "default").items()).hasSize(1);
    }
  }

  @Test
  public void deleteRemovesTheResource() {
    Resource created = visible(store.create(service("hello")));
    Recorder rec = watchFrom(store.list(Kind.SERVICE, null).resourceVersion());

    store.delete(Kind.SERVICE, "default", "hello");

    await()
        .atMost(WAIT)
        .until(() -> store.get(Kind.SERVICE, "default", "hello"), Optional::isEmpty);
    await().atMost(WAIT).until(() -> rec.size() == 1);
    WatchEvent deleted = rec.events().get(0);
    assertThat(deleted.type()).isEqualTo(WatchEvent.Type.DELETED);
    assertThat(deleted.resource().metadata.uid).isEqualTo(created.metadata.uid);
    assertThatThrownBy(() -> store.delete(Kind.SERVICE, "default", "hello"))
        .matches(reason(Reason.NOT_FOUND));
  }
}
