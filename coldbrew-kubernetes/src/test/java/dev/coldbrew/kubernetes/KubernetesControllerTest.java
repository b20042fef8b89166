package dev.coldbrew.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Endpoints;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.store.admission.Admission;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code coldbrew controller} on fabric8's mock API server, with {@link FakeCluster} playing the
 * kubelet, the Deployment and EndpointSlice controllers and the garbage collector: Services become
 * Revisions, Deployments and EndpointSlices; the KPA scales through {@code /scale} from scraped
 * queue stats; the flip to the activator comes before the scale to zero; one of two controllers
 * acts; faults are retried and reported.
 */
class KubernetesControllerTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String AGENT = "coldbrew-controller";
  private static final String ACTIVATOR_IP = "127.0.9.1";

  /** The autoscaler as fast as its config allows, so scale to zero happens within a test. */
  private static final ValidationContext CTX =
      new ValidationContext(
          ValidationContext.standard().defaults(),
          ValidationContext.standard().deployment(),
          ValidationContext.standard().domain(),
          AutoscalerConfig.fromMap(
              "autoscaler", Map.of("stable-window", "12s", "scale-to-zero-grace-period", "1s"), 0),
          false);

  private MockApiServer api;
  private FakeCluster cluster;
  private KubernetesClient kube;
  private final List<KubernetesController> controllers = new ArrayList<>();

  /** What every pod's queue reports, by pod IP (default: idle). */
  private final Map<String, QueueStats> load = new ConcurrentHashMap<>();

  private final Set<String> scraped = ConcurrentHashMap.newKeySet();
  private final QueueScraper scraper =
      ip -> {
        scraped.add(ip);
        return CompletableFuture.completedFuture(load.getOrDefault(ip, new QueueStats(0, 0, 0, 0)));
      };

  @BeforeEach
  void start() {
    api = MockApiServer.start();
    kube = api.admin();
    cluster = FakeCluster.start(api, Duration.ofMillis(300));
    kube.discovery()
        .v1()
        .endpointSlices()
        .inNamespace("coldbrew-system")
        .resource(
            Samples.slice("coldbrew-system", "activator-service", List.of(ACTIVATOR_IP), true))
        .create();
  }

  @AfterEach
  void stop() {
    controllers.forEach(KubernetesController::close);
    cluster.close();
    api.close();
  }

  private KubernetesController controller(String identity) throws InterruptedException {
    KubernetesController.Options o =
        KubernetesController.Options.defaults(
                "ghcr.io/coldbrew/coldbrew:test",
                CTX,
                identity,
                new InetSocketAddress("127.0.0.1", 0))
            .withLeaderElection(
                true, Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofMillis(500))
            .withDomain("example.com", 80);
    KubernetesController c =
        KubernetesController.start(
            api.client(AGENT + "/" + identity), o, scraper, Clock.systemUTC());
    controllers.add(c);
    return c;
  }

  private KubernetesController leading() throws InterruptedException {
    KubernetesController c = controller("controller-a");
    await().atMost(WAIT).until(() -> c.state() == KubernetesController.State.LEADING);
    return c;
  }

  /** Applies a manifest as {@code coldbrew apply --engine kubernetes} does. */
  private Admission.Applied apply(String yaml) {
    KubernetesStore direct = KubernetesStore.direct(api.client("coldbrew-cli"));
    try {
      return new Admission(direct, CTX).apply(ResourceCodec.decodeOne(yaml));
    } finally {
      direct.close();
    }
  }

  /**
   * Keeps one pod and takes the activator out of the path as soon as it is ready (with Knative's
   * default target burst capacity of 200 a one-pod revision stays behind the activator).
   */
  private static final String SERVE =
      "autoscaling.knative.dev/min-scale: \"1\", autoscaling.knative.dev/target-burst-capacity:"
          + " \"0\"";

  private static String hello(String target, String annotations) {
    return """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata: {name: hello, namespace: default}
        spec:
          template:
            metadata:
              annotations: {%s}
            spec:
              containers:
              - image: ghcr.io/knative/helloworld-go:latest
                env: [{name: TARGET, value: %s}]
        """
        .formatted(annotations, target);
  }

  private Deployment deployment(String revision) {
    return kube.apps()
        .deployments()
        .inNamespace("default")
        .withName(revision + "-deployment")
        .get();
  }

  /**
   * The IPs of a Revision's public v1 Endpoints as the controller's store reads them (what {@code
   * coldbrew get endpoints --engine kubernetes} shows), sorted.
   */
  private List<String> endpointsAddresses(KubernetesController c, String revision) {
    List<String> out = new ArrayList<>();
    if (live(c, Kind.ENDPOINTS, revision) instanceof Endpoints e && e.subsets != null) {
      for (Endpoints.Subset s : e.subsets) {
        s.addresses.forEach(a -> out.add(a.ip));
      }
    }
    out.sort(null);
    return out;
  }

  private List<String> publicAddresses(String revision) {
    List<String> out = new ArrayList<>();
    for (EndpointSlice s :
        kube.discovery()
            .v1()
            .endpointSlices()
            .inNamespace("default")
            .withLabel("kubernetes.io/service-name", revision)
            .list()
            .getItems()) {
      for (Endpoint e : s.getEndpoints()) {
        out.add(e.getAddresses().get(0));
      }
    }
    out.sort(null);
    return out;
  }

  private List<String> podIps(String revision) {
    return kube
        .pods()
        .inNamespace("default")
        .withLabel("serving.knative.dev/revision", revision)
        .list()
        .getItems()
        .stream()
        .filter(
            p ->
                p.getStatus().getConditions().stream()
                    .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
        .map(p -> p.getStatus().getPodIP())
        .sorted()
        .toList();
  }

  private Resource live(KubernetesController c, Kind kind, String name) {
    return c.store().get(kind, "default", name).orElse(null);
  }

  private boolean routeReady(KubernetesController c) {
    Route r = (Route) live(c, Kind.ROUTE, "hello");
    return r != null && r.status != null && r.status.url != null && r.status.isTrue("Ready");
  }

  @Test
  void aServiceBecomesARevisionDeploymentAndPublicSlicesThenAnEditMakesTheSecondRevision()
      throws Exception {
    KubernetesController c = leading();
    apply(hello("World", SERVE));

    await().atMost(WAIT).until(() -> routeReady(c));
    Route route = (Route) live(c, Kind.ROUTE, "hello");
    assertThat(route.status.url).isEqualTo("http://hello.default.example.com");
    Revision rev1 = (Revision) live(c, Kind.REVISION, "hello-00001");
    assertThat(rev1.metadata.ownerReferences)
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.kind).isEqualTo("Configuration");
              assertThat(o.controller).isTrue();
            });
    assertThat(rev1.status.observedGeneration).isEqualTo(rev1.metadata.generation);

    Deployment d1 = deployment("hello-00001");
    assertThat(d1.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getKind()).isEqualTo("Revision");
              assertThat(o.getApiVersion()).isEqualTo("serving.coldbrew.dev/v1");
              assertThat(o.getUid()).isEqualTo(rev1.metadata.uid);
              assertThat(o.getController()).isTrue();
            });
    assertThat(d1.getSpec().getTemplate().getSpec().getContainers())
        .extracting(co -> co.getName())
        .containsExactly("user-container", "queue-proxy");
    // Serve mode with the one ready pod: the public slices list exactly its address
    await()
        .atMost(WAIT)
        .until(
            () -> podIps("hello-00001").size() == 1 && !publicAddresses("hello-00001").isEmpty());
    await().atMost(WAIT).until(() -> publicAddresses("hello-00001").equals(podIps("hello-00001")));
    ServerlessService sks = (ServerlessService) live(c, Kind.SERVERLESS_SERVICE, "hello-00001");
    assertThat(sks.spec.mode).isEqualTo(SksMode.SERVE);
    assertThat(
            kube.services()
                .inNamespace("default")
                .withName("hello-00001")
                .get()
                .getSpec()
                .getSelector())
        .isNullOrEmpty();
    assertThat(
            kube.services()
                .inNamespace("default")
                .withName("hello-00001-private")
                .get()
                .getSpec()
                .getSelector())
        .containsEntry("serving.knative.dev/revisionUID", rev1.metadata.uid);
    List<String> pods = podIps("hello-00001");
    await().atMost(WAIT).until(() -> scraped.containsAll(pods));

    assertThat(apply(hello("Coldbrew", SERVE)).outcome()).isEqualTo(Admission.Outcome.CONFIGURED);
    await()
        .atMost(WAIT)
        .until(
            () -> {
              Route r = (Route) live(c, Kind.ROUTE, "hello");
              return r != null
                  && r.status != null
                  && r.status.traffic != null
                  && r.status.traffic.size() == 1
                  && "hello-00002".equals(r.status.traffic.get(0).revisionName)
                  && r.status.isTrue("Ready");
            });
    assertThat(
            deployment("hello-00002")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("TARGET");
              assertThat(e.getValue()).isEqualTo("Coldbrew");
            });
  }

  @Test
  void theKpaScalesTheDeploymentFromScrapedQueueStatsThroughTheScaleSubresource() throws Exception {
    KubernetesController c = leading();
    apply(hello("World", SERVE + ", autoscaling.knative.dev/target: \"1\""));
    await().atMost(WAIT).until(() -> podIps("hello-00001").size() == 1);
    String pod = podIps("hello-00001").get(0);
    load.put(pod, new QueueStats(3, 0, 3, 0));

    await()
        .atMost(WAIT)
        .until(() -> deployment("hello-00001").getSpec().getReplicas(), n -> n != null && n >= 3);
    assertThat(
            api.requests().stream()
                .filter(r -> r.userAgent() != null && r.userAgent().startsWith(AGENT))
                .filter(r -> r.method().equals("PATCH"))
                .map(MockApiServer.Request::path))
        .anyMatch(
            p ->
                p.startsWith(
                    "/apis/apps/v1/namespaces/default/deployments/hello-00001-deployment/scale"));
    await().atMost(WAIT).until(() -> podIps("hello-00001").size() >= 3);
    await().atMost(WAIT).until(() -> publicAddresses("hello-00001").equals(podIps("hello-00001")));
    assertThat(c.health().ok()).isTrue();
  }

  @Test
  void theConfigMapsOfTheSystemNamespaceAreFollowedWithoutARestart() throws Exception {
    KubernetesController c = leading();
    apply(hello("World", SERVE));
    await().atMost(WAIT).until(() -> podIps("hello-00001").size() == 1);
    load.put(podIps("hello-00001").get(0), new QueueStats(3, 0, 3, 0));
    await() // 3 in flight is well under Knative's default target (70 per pod)
        .during(Duration.ofSeconds(3))
        .atMost(WAIT)
        .until(() -> deployment("hello-00001").getSpec().getReplicas(), n -> n == 1);

    configMap("config-autoscaler", java.util.Map.of("container-concurrency-target-default", "bad"));
    await() // a bad value is not applied
        .during(Duration.ofSeconds(2))
        .atMost(WAIT)
        .until(() -> deployment("hello-00001").getSpec().getReplicas(), n -> n == 1);
    configMap("config-autoscaler", java.util.Map.of("container-concurrency-target-default", "1"));
    // a target of 1 × 70 %: ceil(3 / 0.7) = 5 pods
    await()
        .atMost(WAIT)
        .until(() -> deployment("hello-00001").getSpec().getReplicas(), n -> n != null && n >= 3);

    // config-domain: a selector (not supported) is refused, then a domain moves every Route's URL
    Route before = (Route) live(c, Kind.ROUTE, "hello");
    String url = before.status.url;
    configMap("config-domain", java.util.Map.of("example.com", "selector:\n  app: x\n"));
    await()
        .during(Duration.ofSeconds(2))
        .atMost(WAIT)
        .until(() -> ((Route) live(c, Kind.ROUTE, "hello")).status.url, url::equals);
    configMap("config-domain", java.util.Map.of("example.com", ""));
    await()
        .atMost(WAIT)
        .until(
            () -> ((Route) live(c, Kind.ROUTE, "hello")).status.url,
            u -> u.startsWith("http://hello.default.example.com"));
  }

  /** Creates or replaces the ConfigMap {@code name} of the system namespace. */
  private void configMap(String name, java.util.Map<String, String> data) {
    kube.configMaps()
        .inNamespace("coldbrew-system")
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("coldbrew-system")
                .endMetadata()
                .withData(data)
                .build())
        .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
  }

  @Test
  void scaleToZeroFlipsThePublicSlicesToTheActivatorBeforeTheScaleToZero() throws Exception {
    KubernetesController c = leading();
    apply(hello("World", "autoscaling.knative.dev/target-burst-capacity: \"0\""));
    await().atMost(WAIT).until(() -> routeReady(c));
    await()
        .atMost(WAIT)
        .until(
            () ->
                !podIps("hello-00001").isEmpty()
                    && publicAddresses("hello-00001").equals(podIps("hello-00001"))
                    && endpointsAddresses(c, "hello-00001").equals(podIps("hello-00001")));
    List<String> pods = podIps("hello-00001");
    int from = api.requests().size();

    // idle: the KPA goes to zero after its stable window and grace period
    await()
        .atMost(WAIT)
        .until(() -> deployment("hello-00001").getSpec().getReplicas(), n -> n != null && n == 0);
    await().atMost(WAIT).until(() -> publicAddresses("hello-00001").equals(List.of(ACTIVATOR_IP)));
    await()
        .atMost(WAIT)
        .until(() -> endpointsAddresses(c, "hello-00001").equals(List.of(ACTIVATOR_IP)));

    List<MockApiServer.Request> after = api.requests().subList(from, api.requests().size());
    int flip = -1;
    int scaleToZero = -1;
    for (int i = 0; i < after.size(); i++) {
      MockApiServer.Request r = after.get(i);
      if (r.userAgent() == null || !r.userAgent().startsWith(AGENT) || r.body() == null) {
        continue;
      }
      if (flip < 0
          && r.path().startsWith("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices")
          && r.body().contains(ACTIVATOR_IP)
          && pods.stream().noneMatch(r.body()::contains)) {
        flip = i;
      }
      if (scaleToZero < 0
          && r.method().equals("PATCH")
          && r.path().contains("/deployments/hello-00001-deployment/scale")
          && r.body().replace(" ", "").contains("\"replicas\":0")) {
        scaleToZero = i;
      }
    }
    assertThat(flip).as("the public slices' write to the activator").isNotNegative();
    assertThat(scaleToZero).as("the PATCH …/scale to 0").isNotNegative();
    assertThat(flip).isLessThan(scaleToZero);
    ServerlessService sks = (ServerlessService) live(c, Kind.SERVERLESS_SERVICE, "hello-00001");
    assertThat(sks.spec.mode).isEqualTo(SksMode.PROXY);
    await().atMost(WAIT).until(() -> podIps("hello-00001").isEmpty());
    assertClusterRoleCovers(
        "create coordination.k8s.io/leases",
        "create apps/deployments",
        "watch apps/deployments",
        "patch apps/deployments/scale",
        "create core/services",
        "watch core/pods",
        "create discovery.k8s.io/endpointslices",
        "update discovery.k8s.io/endpointslices",
        "watch discovery.k8s.io/endpointslices",
        "create core/endpoints",
        "update core/endpoints",
        "watch core/endpoints",
        "update serving.coldbrew.dev/revisions/status");
  }

  /**
   * Every request the controllers made is allowed by the shipped ClusterRole, and among them were
   * {@code expected} (a test that saw nothing would prove nothing).
   */
  private void assertClusterRoleCovers(String... expected) throws Exception {
    List<RbacCoverageTest.ApiCall> calls =
        api.requests().stream()
            .filter(r -> r.userAgent() != null && r.userAgent().startsWith(AGENT))
            .map(r -> RbacCoverageTest.ApiCall.of(r.method(), r.path()))
            .toList();
    assertThat(calls).extracting(RbacCoverageTest.ApiCall::toString).contains(expected);
    assertThat(RbacCoverageTest.uncovered(RbacCoverageTest.clusterRole(), calls))
        .as("requests the ClusterRole forbids")
        .isEmpty();
  }

  @Test
  void ofTwoControllersOnlyTheLeaderWritesAndTheOtherTakesOverWhenItStops() throws Exception {
    KubernetesController a = leading();
    KubernetesController b = controller("controller-b");
    await().atMost(WAIT).until(() -> "controller-a".equals(b.leader()));
    assertThat(b.state()).isEqualTo(KubernetesController.State.STANDBY);

    apply(hello("World", ""));
    await().atMost(WAIT).until(() -> routeReady(a));
    List<MockApiServer.Request> byB =
        api.requests().stream()
            .filter(r -> (AGENT + "/controller-b").equals(r.userAgent()))
            .filter(r -> !r.method().equals("GET"))
            .filter(r -> !r.path().contains("/leases"))
            .toList();
    assertThat(byB).as("writes by the standby controller, besides the Lease").isEmpty();

    a.close();
    await().atMost(WAIT).until(() -> b.state() == KubernetesController.State.LEADING);
    apply(hello("Coldbrew", ""));
    await()
        .atMost(WAIT)
        .until(
            () -> {
              Route r = (Route) live(b, Kind.ROUTE, "hello");
              return r != null
                  && r.status != null
                  && r.status.traffic != null
                  && "hello-00002".equals(r.status.traffic.get(0).revisionName)
                  && r.status.isTrue("Ready");
            });
    assertThat(deployment("hello-00002")).isNotNull();
  }

  @Test
  void deletingTheServiceDeletesTheTreeThroughOwnerReferences() throws Exception {
    KubernetesController c = leading();
    apply(hello("World", ""));
    await().atMost(WAIT).until(() -> routeReady(c));
    await().atMost(WAIT).until(() -> !publicAddresses("hello-00001").isEmpty());

    KubernetesStore direct = KubernetesStore.direct(api.client("coldbrew-cli"));
    new Admission(direct, CTX).delete(Kind.SERVICE, "default", "hello");
    direct.close();

    await()
        .atMost(WAIT)
        .until(
            () ->
                kube.apps().deployments().inNamespace("default").list().getItems().isEmpty()
                    && kube.pods().inNamespace("default").list().getItems().isEmpty()
                    && kube.discovery()
                        .v1()
                        .endpointSlices()
                        .inNamespace("default")
                        .list()
                        .getItems()
                        .isEmpty()
                    && kube.services().inNamespace("default").list().getItems().stream()
                        .noneMatch(FakeCluster::coreService));
    for (Kind k :
        List.of(
            Kind.CONFIGURATION,
            Kind.ROUTE,
            Kind.REVISION,
            Kind.POD_AUTOSCALER,
            Kind.SERVERLESS_SERVICE)) {
      await().atMost(WAIT).until(() -> c.store().list(k, "default").items().isEmpty());
    }
    assertThat(cluster.collected()).isPositive();
  }

  @Test
  void aDeploymentEditedByHandIsPutBack() throws Exception {
    KubernetesController c = leading();
    apply(hello("World", SERVE));
    await().atMost(WAIT).until(() -> routeReady(c));
    Deployment d = deployment("hello-00001");
    d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("evil.example/miner:1");
    d.getSpec().setReplicas(7);
    kube.apps().deployments().inNamespace("default").resource(d).update();

    await()
        .atMost(WAIT)
        .until(
            () -> {
              Deployment now = deployment("hello-00001");
              return now.getSpec()
                      .getTemplate()
                      .getSpec()
                      .getContainers()
                      .get(0)
                      .getImage()
                      .equals("ghcr.io/knative/helloworld-go:latest")
                  && now.getSpec().getReplicas() == 1;
            });
    assertClusterRoleCovers("update apps/deployments", "patch apps/deployments/scale");
  }

  @Test
  void anApiServerThatIsDownIsRetriedWithBackoffAndReportedByHealthz() throws Exception {
    KubernetesController c = leading();
    apply(hello("World", SERVE + ", autoscaling.knative.dev/target: \"1\""));
    await().atMost(WAIT).until(() -> routeReady(c) && podIps("hello-00001").size() == 1);
    String pod = podIps("hello-00001").get(0);
    HttpClient http = HttpClient.newHttpClient();
    URI healthz = URI.create("http://127.0.0.1:" + c.healthPort() + "/healthz");
    assertThat(get(http, healthz).statusCode()).isEqualTo(200);

    api.down(true);
    int before = api.requests().size();
    // load arrives while the API server is down: the KPA wants 3 pods and cannot say so yet
    load.put(pod, new QueueStats(3, 0, 3, 0));
    await().atMost(WAIT).until(() -> get(http, healthz), r -> r.statusCode() == 503);
    HttpResponse<String> down = get(http, healthz);
    assertThat(down.body())
        .contains("\"reachable\":false")
        .contains("\"status\":\"unhealthy\"")
        .contains("503");
    // no busy loop: failed requests are retried with backoff
    Thread.sleep(3000);
    long sent =
        api.requests().subList(before, api.requests().size()).stream()
            .filter(r -> r.userAgent() != null && r.userAgent().startsWith(AGENT))
            .count();
    assertThat(sent).isLessThan(300);

    api.down(false);
    // nothing lost: the scale the KPA decided while the API server was down is made
    await()
        .atMost(WAIT)
        .until(() -> deployment("hello-00001").getSpec().getReplicas(), n -> n != null && n >= 3);
    await().atMost(WAIT).until(() -> get(http, healthz), r -> r.statusCode() == 200);
  }

  @Test
  void aMissingCrdStopsTheControllerWithItsNameAndHowToInstallIt() {
    try (MockApiServer empty = MockApiServer.startEmpty()) {
      KubernetesController.Options o =
          KubernetesController.Options.defaults("img:1", CTX, "controller-a", null);
      assertThatThrownBy(
              () -> KubernetesController.start(empty.client(AGENT), o, scraper, Clock.systemUTC()))
          .isInstanceOf(MissingCrdsException.class)
          .hasMessageContaining("services.serving.coldbrew.dev")
          .hasMessageContaining("serverlessservices.networking.internal.coldbrew.dev")
          .hasMessageContaining("kubectl apply -f " + Crds.INSTALL_FILE);
    }
  }

  @Test
  void badOptionsNameTheFieldTheValueAndWhatWasExpected() {
    KubernetesController.Options ok =
        KubernetesController.Options.defaults("img:1", CTX, "controller-a", null);
    assertThatThrownBy(() -> ok.withDomain("Not A Domain!", 80))
        .hasMessageContaining("domain: \"Not A Domain!\"")
        .hasMessageContaining("expected");
    assertThatThrownBy(() -> ok.withDomain("example.com", 70000))
        .hasMessageContaining("gatewayPort: 70000 (expected: 1..65535)");
    assertThatThrownBy(() -> ok.withIdentity("")).hasMessageContaining("identity: \"\"");
    assertThatThrownBy(() -> ok.withIdentity("x".repeat(300))).hasMessageContaining("identity:");
    assertThatThrownBy(
            () ->
                ok.withLeaderElection(
                    true, Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(2)))
        .hasMessageContaining("renewDeadline: PT10S (expected: shorter than leaseDuration");
    assertThatThrownBy(
            () ->
                ok.withLeaderElection(
                    true, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(9)))
        .hasMessageContaining("retryPeriod: PT9S");
    assertThatThrownBy(
            () ->
                ok.withLeaderElection(
                    true, Duration.ofSeconds(15), Duration.ofSeconds(-1), Duration.ofSeconds(1)))
        .hasMessageContaining("renewDeadline: PT-1S (expected: > 0)");
  }

  private static HttpResponse<String> get(HttpClient http, URI uri) {
    try {
      return http.send(
          HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
