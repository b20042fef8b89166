package dev.coldbrew.kubernetes;

import static dev.coldbrew.store.Fixtures.child;
import static dev.coldbrew.store.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.store.Recorder;
import dev.coldbrew.store.ResourceCache;
import dev.coldbrew.store.StoreException;
import dev.coldbrew.store.StoreException.Reason;
import dev.coldbrew.store.WatchEvent;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the Kubernetes store adds to, or cannot take from, the store contract. */
class KubernetesStoreTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private MockApiServer api;
  private KubernetesStore store;

  private KubernetesStore open() {
    api = MockApiServer.start();
    store = KubernetesStore.open(api.client("coldbrew-controller"));
    return store;
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
    if (api != null) {
      api.close();
    }
  }

  private Resource visible(Resource r) {
    return await()
        .atMost(WAIT)
        .until(
            () -> store.get(r.resourceKind(), r.metadata.namespace, r.metadata.name),
            o ->
                o.isPresent()
                    && o.get().metadata.resourceVersion.equals(r.metadata.resourceVersion))
        .get();
  }

  private GenericKubernetesResource onCluster(Kind kind, String name) {
    return api.admin()
        .genericKubernetesResources(ClusterKinds.context(kind))
        .inNamespace("default")
        .withName(name)
        .get();
  }

  @Test
  void objectsLiveInOurGroupsWithOwnerReferencesTranslated() {
    open();
    Resource svc = store.create(service("hello"));
    store.create(child(Kind.CONFIGURATION, "hello", svc));

    GenericKubernetesResource cfg = onCluster(Kind.CONFIGURATION, "hello");
    assertThat(cfg.getApiVersion()).isEqualTo("serving.coldbrew.dev/v1");
    assertThat(cfg.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getApiVersion()).isEqualTo("serving.coldbrew.dev/v1");
              assertThat(o.getUid()).isEqualTo(svc.metadata.uid);
              assertThat(o.getController()).isTrue();
            });
    assertThat(api.requests())
        .filteredOn(r -> r.method().equals("POST") && r.userAgent().equals("coldbrew-controller"))
        .extracting(MockApiServer.Request::path)
        .containsExactly(
            "/apis/serving.coldbrew.dev/v1/namespaces/default/services",
            "/apis/serving.coldbrew.dev/v1/namespaces/default/configurations");
  }

  @Test
  void objectsWrittenByOthersAreReadWithKnativeApiVersions() {
    open();
    GenericKubernetesResource g = new GenericKubernetesResource();
    g.setApiVersion("serving.coldbrew.dev/v1");
    g.setKind("Service");
    g.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("by-kubectl")
            .withNamespace("default")
            .build());
    g.setAdditionalProperty(
        "spec",
        Map.of(
            "template",
            Map.of("spec", Map.of("containers", List.of(Map.of("image", "example/hello:1")))),
            "fieldWeDoNotModel",
            true));
    api.admin()
        .genericKubernetesResources(ClusterKinds.context(Kind.SERVICE))
        .inNamespace("default")
        .resource(g)
        .create();

    Service read =
        (Service)
            await()
                .atMost(WAIT)
                .until(() -> store.get(Kind.SERVICE, "default", "by-kubectl"), o -> o.isPresent())
                .get();
    assertThat(read.apiVersion).isEqualTo("serving.knative.dev/v1");
    assertThat(read.spec.template.spec.container().image).isEqualTo("example/hello:1");
  }

  @Test
  void anObjectEditedIntoNonsenseIsHiddenAndTheRestServed() {
    open();
    Resource svc = visible(store.create(service("hello")));
    Recorder rec = new Recorder();
    store.watch(store.list(Kind.SERVICE, null).resourceVersion(), rec);
    GenericKubernetesResource g = onCluster(Kind.SERVICE, "hello");
    g.setAdditionalProperty(
        "spec", Map.of("template", Map.of("spec", Map.of("containers", "not a list"))));
    api.admin()
        .genericKubernetesResources(ClusterKinds.context(Kind.SERVICE))
        .inNamespace("default")
        .resource(g)
        .update();

    await().atMost(WAIT).until(() -> store.get(Kind.SERVICE, "default", "hello").isEmpty());
    await().atMost(WAIT).until(() -> rec.size() == 1);
    assertThat(rec.summary()).containsExactly("DELETED Service default/hello");
    Resource other = visible(store.create(service("other")));
    assertThat(store.list(Kind.SERVICE, null).items())
        .extracting(Resource::key)
        .containsExactly("default/other");

    g = onCluster(Kind.SERVICE, "hello");
    g.setAdditionalProperty(
        "spec",
        Map.of(
            "template",
            Map.of("spec", Map.of("containers", List.of(Map.of("image", "example/hello:3"))))));
    api.admin()
        .genericKubernetesResources(ClusterKinds.context(Kind.SERVICE))
        .inNamespace("default")
        .resource(g)
        .update();
    Service fixed =
        (Service)
            await()
                .atMost(WAIT)
                .until(() -> store.get(Kind.SERVICE, "default", "hello"), o -> o.isPresent())
                .get();
    assertThat(fixed.spec.template.spec.container().image).isEqualTo("example/hello:3");
    assertThat(fixed.metadata.uid).isEqualTo(svc.metadata.uid);
    await().atMost(WAIT).until(() -> rec.size() == 3);
    assertThat(rec.summary())
        .containsExactly(
            "DELETED Service default/hello",
            "ADDED Service default/other",
            "MODIFIED Service default/hello");
    assertThat(other.metadata.name).isEqualTo("other");
  }

  @Test
  void deleteLeavesOwnedResourcesToTheGarbageCollector() {
    open();
    Resource svc = store.create(service("hello"));
    Resource cfg = store.create(child(Kind.CONFIGURATION, "hello", svc));
    visible(cfg);

    store.delete(Kind.SERVICE, "default", "hello");

    await().atMost(WAIT).until(() -> store.get(Kind.SERVICE, "default", "hello").isEmpty());
    // The mock has no garbage collector (a cluster's would delete the Configuration now):
    // the store itself must not cascade.
    assertThat(store.get(Kind.CONFIGURATION, "default", "hello")).isPresent();
    assertThat(onCluster(Kind.CONFIGURATION, "hello")).isNotNull();
    assertThat(api.requests())
        .filteredOn(r -> r.method().equals("DELETE"))
        .extracting(MockApiServer.Request::path)
        .containsExactly("/apis/serving.coldbrew.dev/v1/namespaces/default/services/hello");
  }

  @Test
  void aRelistAfter410GoneResetsOpenWatches() {
    open();
    visible(store.create(service("before")));
    Recorder rec = new Recorder();
    store.watch(store.list(Kind.SERVICE, null).resourceVersion(), rec);
    ResourceCache cache = ResourceCache.of(store);
    AtomicInteger seen = new AtomicInteger();
    cache.onEvent(Kind.SERVICE, r -> seen.incrementAndGet());
    cache.start();

    api.goneOnNextWatch("services");
    api.dropWatches("services");
    await().atMost(WAIT).until(() -> rec.summary().contains("RESET"));
    Resource after = store.create(service("after"));

    assertThat(rec.summary()).endsWith("RESET");
    await().atMost(WAIT).until(() -> cache.get(Kind.SERVICE, "default", "after").isPresent());
    assertThat(cache.get(Kind.SERVICE, "default", "before")).isPresent();
    assertThat(after.metadata.name).isEqualTo("after");
    cache.close();
  }

  @Test
  void anUnavailableApiServerIsUnavailableAndTheInformersRecover() {
    open();
    Resource svc = visible(store.create(service("hello")));

    api.down(true);
    assertThatThrownBy(() -> store.create(service("other")))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE))
        .hasMessageContaining("Service default/other")
        .hasMessageContaining("unavailable");
    Service change = (Service) ResourceCodec.copy(svc);
    change.spec.template.spec.container().image = "example/hello:2";
    assertThatThrownBy(() -> store.update(change))
        .matches(e -> ((StoreException) e).reason() == Reason.UNAVAILABLE);
    assertThat(store.get(Kind.SERVICE, "default", "hello")).isPresent();

    api.down(false);
    await().atMost(WAIT).until(() -> store.unsyncedKinds().isEmpty());
    Resource updated = store.update(change);
    visible(updated);
  }

  @Test
  void openWithoutOurCrdsNamesThemAndTheInstallFile() {
    api = MockApiServer.startEmpty();
    KubernetesClient client = api.client("coldbrew-controller");

    assertThatThrownBy(() -> KubernetesStore.open(client))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE))
        .hasMessageContaining("services.serving.coldbrew.dev")
        .hasMessageContaining("serverlessservices.networking.internal.coldbrew.dev")
        .hasMessageContaining("kubectl apply -f crds/coldbrew-crds.yaml");
  }

  @Test
  void openAgainstAServerThatIsDownGivesUpWithAMessage() {
    api = MockApiServer.start();
    api.down(true);
    KubernetesClient client = api.client("coldbrew-controller");

    assertThatThrownBy(
            () ->
                KubernetesStore.open(
                    client,
                    KubernetesStore.Options.defaults().withSyncTimeout(Duration.ofSeconds(2))))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE))
        .hasMessageContaining(client.getMasterUrl().toString());
  }

  @Test
  void finalizersSetByOthersSurviveOurUpdates() {
    open();
    Resource svc = visible(store.create(service("hello")));
    GenericKubernetesResource g = onCluster(Kind.SERVICE, "hello");
    g.getMetadata().setFinalizers(List.of("example.com/keep"));
    GenericKubernetesResource withFinalizer =
        api.admin()
            .genericKubernetesResources(ClusterKinds.context(Kind.SERVICE))
            .inNamespace("default")
            .resource(g)
            .update();
    Service current =
        (Service)
            await()
                .atMost(WAIT)
                .until(
                    () -> store.get(Kind.SERVICE, "default", "hello"),
                    o ->
                        o.get()
                            .metadata
                            .resourceVersion
                            .equals(withFinalizer.getMetadata().getResourceVersion()))
                .get();

    current.spec.template.spec.container().image = "example/hello:2";
    store.update(current);

    assertThat(onCluster(Kind.SERVICE, "hello").getMetadata().getFinalizers())
        .containsExactly("example.com/keep");
    assertThat(svc.metadata.uid).isEqualTo(current.metadata.uid);
  }

  @Test
  void watchEventsCarryTheServersResourceVersions() {
    open();
    Recorder rec = new Recorder();
    store.watch(store.list(Kind.SERVICE, null).resourceVersion(), rec);

    Resource created = store.create(service("hello"));

    await().atMost(WAIT).until(() -> rec.size() == 1);
    WatchEvent e = rec.events().get(0);
    assertThat(e.resource().metadata.resourceVersion).isEqualTo(created.metadata.resourceVersion);
    assertThat(e.resourceVersion()).isEqualTo(store.list(Kind.SERVICE, null).resourceVersion());
  }

  @Test
  void optionsRejectNonsense() {
    assertThatThrownBy(() -> new KubernetesStore.Options(Duration.ZERO, 10, 1))
        .hasMessageContaining("syncTimeout");
    assertThatThrownBy(() -> new KubernetesStore.Options(Duration.ofSeconds(1), 0, 1))
        .hasMessageContaining("historyEvents: 0");
    assertThatThrownBy(() -> new KubernetesStore.Options(Duration.ofSeconds(1), 10, 0))
        .hasMessageContaining("writeThreads: 0");
  }
}
