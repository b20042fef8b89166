package dev.coldbrew.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.controller.Names;
import dev.coldbrew.store.admission.Admission;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The controller against a real, disposable cluster (kind, k3s, …; not one running Coldbrew, whose
 * controller would act beside the test's): run with {@code KUBECONFIG=… mvn -pl coldbrew-kubernetes
 * -am verify -Pe2e}; skipped without {@code KUBECONFIG}. What the mock cannot show: the API server
 * accepts every object the controller writes (a Service name of 59 characters, so every child name
 * is shortened), the informers, status writes and the scale subresource work on it, and its garbage
 * collector deletes the tree. The in-cluster data plane is a later part, so the Revision's pods
 * never become ready here (their queue image does not exist): the test stops at the objects and
 * Proxy mode, with an activator address it writes itself.
 */
class KubernetesControllerE2E {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final String ACTIVATOR_IP = "10.0.0.9";
  private static final String NAME =
      "a-service-name-that-is-long-enough-to-need-shortening-e2e-x"; // 59: its revision is 65
  private static KubernetesClient client;
  private static String ns;
  private static boolean madeSystemNamespace;

  @BeforeAll
  static void connect() throws Exception {
    client = E2eCluster.connect();
    if (client == null) {
      return;
    }
    ns = E2eCluster.namespace(client);
    madeSystemNamespace = client.namespaces().withName("coldbrew-system").get() == null;
    E2eCluster.namespace(client, "coldbrew-system");
    client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace("coldbrew-system")
        .resource(
            Samples.slice("coldbrew-system", "activator-service", List.of(ACTIVATOR_IP), true))
        .createOr(NonDeletingOperation::update);
  }

  @BeforeEach
  void requireCluster() {
    assumeTrue(client != null, "KUBECONFIG is not set: no cluster to test against");
  }

  @AfterAll
  static void cleanUp() {
    if (client != null) {
      // the activator slice the test wrote (Samples names it activator-service-<suffix>)
      client
          .discovery()
          .v1()
          .endpointSlices()
          .inNamespace("coldbrew-system")
          .withLabel("kubernetes.io/service-name", "activator-service")
          .delete();
      if (madeSystemNamespace) {
        client.namespaces().withName("coldbrew-system").delete();
      }
      E2eCluster.close(client, ns);
    }
  }

  @Test
  void aServiceBecomesItsRevisionsObjectsInProxyModeAndTheirDeletionIsTheClusters()
      throws Exception {
    ValidationContext config = ValidationContext.standard().withLocalRuntime(false);
    KubernetesController.Options o =
        KubernetesController.Options.defaults(
                "ghcr.io/coldbrew/coldbrew:e2e",
                config,
                "e2e",
                new InetSocketAddress("127.0.0.1", 0))
            .withLeaderElection(
                false, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
    try (KubernetesClient own = new KubernetesClientBuilder().build();
        KubernetesController c =
            KubernetesController.start(
                own,
                o,
                ip -> CompletableFuture.completedFuture(new QueueStats(0, 0, 0, 0)),
                Clock.systemUTC());
        KubernetesStore direct = KubernetesStore.direct(client)) {
      new Admission(direct, config)
          .apply(
              ResourceCodec.decodeOne(
                  """
                  apiVersion: serving.knative.dev/v1
                  kind: Service
                  metadata: {name: %s, namespace: %s}
                  spec:
                    template:
                      spec:
                        containers:
                        - image: ghcr.io/knative/helloworld-go:latest
                  """
                      .formatted(NAME, ns)));

      String rev = Names.child(NAME, "-00001");
      String deployment = Names.child(rev, "-deployment");
      Deployment d =
          await()
              .atMost(WAIT)
              .until(
                  () -> client.apps().deployments().inNamespace(ns).withName(deployment).get(),
                  x -> x != null);
      assertThat(d.getMetadata().getOwnerReferences())
          .singleElement()
          .satisfies(r -> assertThat(r.getKind()).isEqualTo("Revision"));
      await()
          .atMost(WAIT)
          .until(() -> client.services().inNamespace(ns).withName(rev).get() != null);
      await()
          .atMost(WAIT)
          .until(
              () ->
                  client.services().inNamespace(ns).withName(Names.child(rev, "-private")).get()
                      != null);

      // no pod gets ready (no queue image yet): Proxy, with the activator in the public slices
      await()
          .atMost(WAIT)
          .until(
              () ->
                  direct
                      .get(Kind.SERVERLESS_SERVICE, ns, rev)
                      .map(s -> ((ServerlessService) s).spec.mode == SksMode.PROXY)
                      .orElse(false));
      await().atMost(WAIT).until(() -> publicAddresses(rev).equals(List.of(ACTIVATOR_IP)));
      PodAutoscaler pa = (PodAutoscaler) c.store().get(Kind.POD_AUTOSCALER, ns, rev).orElseThrow();
      assertThat(pa.spec.scaleTargetRef.name).isEqualTo(deployment);
      Revision r = (Revision) direct.get(Kind.REVISION, ns, rev).orElseThrow();
      assertThat(r.status).isNotNull();

      direct.delete(Kind.SERVICE, ns, NAME);
      await()
          .atMost(WAIT)
          .until(
              () -> client.apps().deployments().inNamespace(ns).withName(deployment).get() == null);
      await()
          .atMost(WAIT)
          .until(() -> client.services().inNamespace(ns).withName(rev).get() == null);
    }
  }

  private static List<String> publicAddresses(String revision) {
    return client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace(ns)
        .withLabel("kubernetes.io/service-name", revision)
        .list()
        .getItems()
        .stream()
        .flatMap((EndpointSlice s) -> s.getEndpoints().stream())
        .map(e -> e.getAddresses().get(0))
        .sorted()
        .toList();
  }
}
