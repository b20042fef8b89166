package dev.coldbrew.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.store.StoreException;
import dev.coldbrew.store.admission.Admission;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reaching the mock API server through a kubeconfig, as {@code coldbrew controller --kubeconfig}
 * and {@code coldbrew apply/get --engine kubernetes} do, and the errors for what is not a usable
 * kubeconfig or pod.
 */
class ClusterConnectionTest {
  @TempDir Path dir;

  private Path kubeconfig(MockApiServer api) throws Exception {
    return Files.writeString(dir.resolve("kubeconfig"), api.kubeconfig());
  }

  @Test
  void aKubeconfigReachesTheApiServerAndTheDirectStoreAppliesAndReads() throws Exception {
    try (MockApiServer api = MockApiServer.start();
        KubernetesClient client =
            ClusterConnection.fromKubeconfig(kubeconfig(api), "--kubeconfig");
        KubernetesStore store = KubernetesStore.direct(client)) {
      assertThat(client.getMasterUrl().toString()).startsWith(api.url().replaceAll("/$", ""));
      KubernetesStore.checkCrds(client);
      Admission admission =
          new Admission(store, ValidationContext.standard().withLocalRuntime(false));
      String yaml =
          """
          apiVersion: serving.knative.dev/v1
          kind: Service
          metadata: {name: hello, namespace: default}
          spec: {template: {spec: {containers: [{image: ghcr.io/knative/helloworld-go}]}}}
          """;
      assertThat(admission.apply(ResourceCodec.decodeOne(yaml)).outcome())
          .isEqualTo(Admission.Outcome.CREATED);
      // the direct store reads its own writes: no informer to wait for
      assertThat(store.get(Kind.SERVICE, "default", "hello")).isPresent();
      assertThat(admission.apply(ResourceCodec.decodeOne(yaml)).outcome())
          .isEqualTo(Admission.Outcome.UNCHANGED);
      assertThat(store.list(Kind.SERVICE, null).items())
          .extracting(r -> r.metadata.name)
          .containsExactly("hello");
      assertThatThrownBy(() -> store.watch(0, e -> {}))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("cannot watch");
    }
  }

  @Test
  void aKubeconfigWithoutACurrentContextIsRefused() throws Exception {
    Path f = dir.resolve("no-context");
    Files.writeString(f, "apiVersion: v1\nkind: Config\nclusters: []\n");
    assertThatThrownBy(() -> ClusterConnection.fromKubeconfig(f, "--kubeconfig"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--kubeconfig: \"" + f + "\" (expected: a kubeconfig");
  }

  @Test
  void aMissingKubeconfigOrADirectoryIsNamed() {
    assertThatThrownBy(() -> ClusterConnection.fromKubeconfig(dir.resolve("x"), "KUBECONFIG"))
        .hasMessage(
            "KUBECONFIG: \""
                + dir.resolve("x")
                + "\" (expected: a kubeconfig file; there is no such file)");
    assertThatThrownBy(() -> ClusterConnection.fromKubeconfig(dir, "--kubeconfig"))
        .hasMessageContaining("there is no such file");
  }

  @Test
  void inClusterNeedsThePodsEnvironment() {
    assertThatThrownBy(() -> ClusterConnection.inCluster(Map.of()))
        .hasMessageStartingWith("--in-cluster: KUBERNETES_SERVICE_HOST is not set");
  }
}
