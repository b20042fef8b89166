package dev.coldbrew.kubernetes;

import static dev.coldbrew.store.Fixtures.child;
import static dev.coldbrew.store.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link FakeCluster} harness against the renderers and the Kubernetes store: a Revision's
 * Deployment gets pods that turn ready, its private Service gets slices, and deleting the Service
 * removes the whole tree through owner references.
 */
class FakeClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final RevisionDeployment.Options OPTIONS =
      RevisionDeployment.Options.defaults("ghcr.io/coldbrew/coldbrew:0.1.0");

  private MockApiServer api;
  private KubernetesStore store;
  private FakeCluster cluster;
  private KubernetesClient kube;

  @BeforeEach
  void start() {
    api = MockApiServer.start();
    store = KubernetesStore.open(api.client("coldbrew-controller"));
    kube = api.admin();
    cluster = FakeCluster.start(api, Duration.ofMillis(500));
  }

  @AfterEach
  void stop() {
    cluster.close();
    store.close();
    api.close();
  }

  /** A Service, Configuration, Revision and SKS in the store, as the reconcilers make them. */
  private record Tree(Resource service, Revision revision, ServerlessService sks) {}

  private Tree tree() {
    Resource svc = store.create(service("hello"));
    Resource cfg = store.create(child(Kind.CONFIGURATION, "hello", svc));
    store.create(child(Kind.ROUTE, "hello", svc));
    Revision rev = (Revision) child(Kind.REVISION, "hello-00001", cfg);
    Revision sample = Samples.revision();
    rev.spec = sample.spec;
    rev.metadata.labels = sample.metadata.labels;
    rev = (Revision) store.create(rev);
    ServerlessService sks = Samples.sks(SksMode.SERVE, 2);
    sks.metadata.uid = null;
    sks.metadata.resourceVersion = null;
    sks.metadata.ownerReferences =
        child(Kind.SERVERLESS_SERVICE, "x", rev).metadata.ownerReferences;
    sks.metadata.labels.put("serving.knative.dev/revisionUID", rev.metadata.uid);
    sks = (ServerlessService) store.create(sks);
    store.create(child(Kind.POD_AUTOSCALER, "hello-00001", rev));
    return new Tree(svc, rev, sks);
  }

  private void deploy(Tree t, int replicas) {
    var d = RevisionDeployment.render(t.revision(), OPTIONS);
    d.getSpec().setReplicas(replicas);
    kube.apps().deployments().inNamespace("default").resource(d).create();
    kube.services()
        .inNamespace("default")
        .resource(
            RevisionServices.privateService(t.sks(), RevisionDeployment.selector(t.revision())))
        .create();
    kube.services()
        .inNamespace("default")
        .resource(RevisionServices.publicService(t.sks()))
        .create();
  }

  private List<EndpointSlice> slicesOf(String service) {
    return kube.discovery()
        .v1()
        .endpointSlices()
        .inNamespace("default")
        .withLabel("kubernetes.io/service-name", service)
        .list()
        .getItems();
  }

  private static List<String> ready(List<EndpointSlice> slices) {
    return slices.stream()
        .flatMap(s -> s.getEndpoints().stream())
        .filter(e -> Boolean.TRUE.equals(e.getConditions().getReady()))
        .map(e -> e.getAddresses().get(0))
        .sorted()
        .toList();
  }

  @Test
  void aScaledDeploymentGetsPodsThatTurnReadyAndPrivateSlices() {
    Tree t = tree();
    cluster.holdNotReady("hello-00001-deployment-");
    deploy(t, 2);

    List<Pod> pods =
        await()
            .atMost(WAIT)
            .until(() -> kube.pods().inNamespace("default").list().getItems(), p -> p.size() == 2);
    assertThat(pods)
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder("hello-00001-deployment-0", "hello-00001-deployment-1");
    assertThat(pods)
        .extracting(p -> p.getStatus().getPodIP())
        .allMatch(ip -> ip.startsWith("127.0.") && !ip.equals("127.0.0.1"))
        .doesNotHaveDuplicates();
    assertThat(pods.get(0).getMetadata().getLabels())
        .containsEntry("serving.knative.dev/revisionUID", t.revision().metadata.uid);
    List<EndpointSlice> notYet =
        await().atMost(WAIT).until(() -> slicesOf("hello-00001-private"), s -> s.size() == 1);
    assertThat(notYet.get(0).getEndpoints()).hasSize(2);
    assertThat(ready(notYet)).isEmpty();

    cluster.release("hello-00001-deployment-");
    List<EndpointSlice> slices =
        await()
            .atMost(WAIT)
            .until(() -> slicesOf("hello-00001-private"), s -> ready(s).size() == 2);
    EndpointSlice slice = slices.get(0);
    assertThat(ready(slices))
        .containsExactlyInAnyOrderElementsOf(
            pods.stream().map(p -> p.getStatus().getPodIP()).toList());
    assertThat(slice.getPorts())
        .extracting(p -> p.getName() + ":" + p.getPort())
        .contains("http:8012", "https:8112", "http-autometric:9090", "http-usermetric:9091");
    assertThat(slice.getEndpoints())
        .extracting(Endpoint::getTargetRef)
        .extracting(r -> r.getName())
        .containsExactlyInAnyOrder("hello-00001-deployment-0", "hello-00001-deployment-1");
    // the public Service has no selector: the cluster writes nothing for it
    assertThat(slicesOf("hello-00001")).isEmpty();
    await()
        .atMost(WAIT)
        .until(
            () ->
                kube.apps()
                    .deployments()
                    .inNamespace("default")
                    .withName("hello-00001-deployment")
                    .get()
                    .getStatus(),
            s -> s != null && Integer.valueOf(2).equals(s.getReadyReplicas()));

    var activators =
        List.of(Samples.slice("coldbrew-system", "activator-service", List.of("127.0.9.1"), true));
    PublicEndpointSlices.Result serve =
        PublicEndpointSlices.render(t.sks(), activators, slicesOf("hello-00001-private"));
    assertThat(serve.mode()).isEqualTo(SksMode.SERVE);
    assertThat(serve.addresses()).containsExactlyElementsOf(ready(slices));

    kube.apps().deployments().inNamespace("default").withName("hello-00001-deployment").scale(0);
    await()
        .atMost(WAIT)
        .until(() -> kube.pods().inNamespace("default").list().getItems().isEmpty());
    await()
        .atMost(WAIT)
        .until(() -> slicesOf("hello-00001-private"), s -> s.get(0).getEndpoints().isEmpty());
    PublicEndpointSlices.Result proxy =
        PublicEndpointSlices.render(t.sks(), activators, slicesOf("hello-00001-private"));
    assertThat(proxy.mode()).isEqualTo(SksMode.PROXY);
    assertThat(proxy.addresses()).containsExactly("127.0.9.1");
  }

  @Test
  void deletingTheServiceRemovesTheWholeTree() {
    Tree t = tree();
    deploy(t, 1);
    for (EndpointSlice s : PublicEndpointSlices.render(t.sks(), List.of(), List.of()).slices()) {
      kube.discovery().v1().endpointSlices().inNamespace("default").resource(s).create();
    }
    await().atMost(WAIT).until(() -> ready(slicesOf("hello-00001-private")).size() == 1);
    assertThat(everything())
        .containsExactlyInAnyOrder(
            "Service/hello",
            "Configuration/hello",
            "Route/hello",
            "Revision/hello-00001",
            "ServerlessService/hello-00001",
            "PodAutoscaler/hello-00001",
            "Deployment/hello-00001-deployment",
            "Pod/hello-00001-deployment-0",
            "Service/hello-00001",
            "Service/hello-00001-private",
            "EndpointSlice/hello-00001-ipv4-0",
            "EndpointSlice/hello-00001-private-fake");

    store.delete(Kind.SERVICE, "default", "hello");

    await().atMost(WAIT).until(() -> everything().isEmpty());
    assertThat(cluster.collected()).isEqualTo(11);
    for (Kind k : Kind.values()) {
      await().atMost(WAIT).until(() -> store.list(k, null).items().isEmpty());
    }
  }

  @Test
  void childrenOfALiveOwnerAreKept() {
    Tree t = tree();
    deploy(t, 1);
    await().atMost(WAIT).until(() -> ready(slicesOf("hello-00001-private")).size() == 1);
    int before = everything().size();

    int from = cluster.passes();
    await().atMost(WAIT).until(() -> cluster.passes() >= from + 10);

    assertThat(everything()).hasSize(before);
    assertThat(cluster.collected()).isZero();
    assertThat(t.service().metadata.name).isEqualTo("hello");
  }

  /** Every object in the namespace, of every kind the harness plays. */
  private List<String> everything() {
    List<HasMetadata> all = new java.util.ArrayList<>();
    for (Kind k : Crds.kinds()) {
      all.addAll(
          kube.genericKubernetesResources(ClusterKinds.context(k))
              .inNamespace("default")
              .list()
              .getItems());
    }
    all.addAll(kube.apps().deployments().inNamespace("default").list().getItems());
    all.addAll(kube.pods().inNamespace("default").list().getItems());
    all.addAll(
        kube.services().inNamespace("default").list().getItems().stream()
            .filter(FakeCluster::coreService)
            .toList());
    all.addAll(kube.discovery().v1().endpointSlices().inNamespace("default").list().getItems());
    return all.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
  }
}
