package dev.coldbrew.kubernetes;

import static dev.coldbrew.store.Fixtures.child;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.store.Fixtures;
import dev.coldbrew.store.Recorder;
import dev.coldbrew.store.StoreException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes store and the renderers against a real cluster (kind, k3s, …): run with {@code
 * KUBECONFIG=~/.kube/config mvn -pl coldbrew-kubernetes -am verify -Pe2e}. Installs the CRDs and
 * the ClusterRole (cluster-admin credentials needed), works in a namespace of its own and deletes
 * it afterwards. Without {@code KUBECONFIG} every test is skipped. What it shows that the mock
 * cannot: the API server's schema checks accept our CRDs and rendered objects, resourceVersions are
 * checked on status writes, and the garbage collector deletes children through our owner
 * references.
 */
class KubernetesStoreE2E {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static KubernetesClient client;
  private static String ns;

  @BeforeAll
  static void connect() throws Exception {
    client = E2eCluster.connect();
    ns = client == null ? null : E2eCluster.namespace(client);
  }

  @BeforeEach
  void requireCluster() {
    assumeTrue(client != null, "KUBECONFIG is not set: no cluster to test against");
  }

  @AfterAll
  static void cleanUp() {
    if (client != null) {
      E2eCluster.close(client, ns);
    }
  }

  private static Service service(String name) {
    return Fixtures.service(ns, name, "ghcr.io/knative/helloworld-go:latest");
  }

  @Test
  void theStoreKeepsItsContractOnARealApiServer() {
    try (KubernetesStore store = KubernetesStore.open(client)) {
      Service created = (Service) store.create(service("hello"));
      Service seen =
          (Service)
              await()
                  .atMost(WAIT)
                  .until(() -> store.get(Kind.SERVICE, ns, "hello"), o -> o.isPresent())
                  .get();
      assertThat(seen.metadata.uid).isEqualTo(created.metadata.uid);

      Service s1 = ResourceCodec.copy(created);
      s1.status = new Service.ServiceStatus();
      s1.status.url = "http://one";
      store.updateStatus(s1);
      Service s2 = ResourceCodec.copy(created);
      s2.status = new Service.ServiceStatus();
      s2.status.url = "http://two";
      assertThatThrownBy(() -> store.updateStatus(s2))
          .matches(e -> ((StoreException) e).reason() == StoreException.Reason.CONFLICT);

      Recorder rec = new Recorder();
      store.watch(store.list(Kind.SERVICE, ns).resourceVersion(), rec);
      Resource cfg = store.create(child(Kind.CONFIGURATION, "hello", created));
      await()
          .atMost(WAIT)
          .until(() -> rec.summary().contains("ADDED Configuration " + ns + "/hello"));

      store.delete(Kind.SERVICE, ns, "hello");
      // the cluster's garbage collector, not the store, deletes the Configuration
      await().atMost(WAIT).until(() -> store.get(Kind.CONFIGURATION, ns, "hello").isEmpty());
      assertThat(cfg.metadata.ownerReferences).hasSize(1);
    }
  }

  @Test
  void theApiServerAcceptsWhatTheRenderersMake() {
    try (KubernetesStore store = KubernetesStore.open(client)) {
      Resource svc = store.create(service("render"));
      Resource cfg = store.create(child(Kind.CONFIGURATION, "render", svc));
      Revision rev = (Revision) child(Kind.REVISION, "render-00001", cfg);
      rev.spec = Samples.revision().spec;
      rev = (Revision) store.create(rev);
      ServerlessService sks =
          (ServerlessService) child(Kind.SERVERLESS_SERVICE, "render-00001", rev);
      sks.spec.mode = SksMode.PROXY;
      sks.spec.protocolType = "http1";
      sks = (ServerlessService) store.create(sks);

      var d =
          RevisionDeployment.render(
              rev, RevisionDeployment.Options.defaults("ghcr.io/coldbrew/coldbrew:e2e"));
      client.apps().deployments().inNamespace(ns).resource(d).create();
      client.services().inNamespace(ns).resource(RevisionServices.publicService(sks)).create();
      client
          .services()
          .inNamespace(ns)
          .resource(RevisionServices.privateService(sks, RevisionDeployment.selector(rev)))
          .create();
      var activators =
          List.of(Samples.slice("coldbrew-system", "activator-service", List.of("10.0.0.9"), true));
      for (var slice : PublicEndpointSlices.render(sks, activators, List.of()).slices()) {
        client.discovery().v1().endpointSlices().inNamespace(ns).resource(slice).create();
      }

      store.delete(Kind.REVISION, ns, "render-00001");
      await()
          .atMost(WAIT)
          .until(
              () ->
                  client
                          .apps()
                          .deployments()
                          .inNamespace(ns)
                          .withName(d.getMetadata().getName())
                          .get()
                      == null);
      await()
          .atMost(WAIT)
          .until(() -> client.services().inNamespace(ns).withName("render-00001").get() == null);
    }
  }
}
