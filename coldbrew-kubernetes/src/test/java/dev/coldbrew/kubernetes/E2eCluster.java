package dev.coldbrew.kubernetes;

import dev.coldbrew.api.model.Kind;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real cluster of the {@code *E2E} suites ({@code -Pe2e}): the one {@code KUBECONFIG} names,
 * with Coldbrew's CRDs and ClusterRole installed (cluster-admin credentials needed), each suite in
 * a namespace of its own that is deleted afterwards.
 */
final class E2eCluster {
  private E2eCluster() {}

  /** A client with the CRDs established and the ClusterRole installed; null without KUBECONFIG. */
  static KubernetesClient connect() throws java.io.IOException {
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig == null || kubeconfig.isBlank()) {
      return null; // every test is skipped by its assumption
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    var crds = client.apiextensions().v1().customResourceDefinitions();
    for (Kind k : Crds.kinds()) {
      CustomResourceDefinition crd = Crds.of(k);
      crds.resource(crd).createOr(NonDeletingOperation::update);
    }
    for (Kind k : Crds.kinds()) {
      crds.withName(ClusterKinds.crdName(k))
          .waitUntilCondition(
              c ->
                  c != null
                      && c.getStatus() != null
                      && c.getStatus().getConditions().stream()
                          .anyMatch(
                              x ->
                                  x.getType().equals("Established")
                                      && x.getStatus().equals("True")),
              2,
              TimeUnit.MINUTES);
    }
    ClusterRole role = (ClusterRole) Manifests.load(RbacCoverageTest.CLUSTER_ROLE).get(0);
    client.rbac().clusterRoles().resource(role).createOr(NonDeletingOperation::update);
    return client;
  }

  /** Creates a namespace named {@code coldbrew-e2e-<random>} (or {@code name}); its name. */
  static String namespace(KubernetesClient client) {
    return namespace(
        client,
        "coldbrew-e2e-" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT));
  }

  static String namespace(KubernetesClient client, String name) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .createOr(NonDeletingOperation::update);
    return name;
  }

  /** Deletes the suite's namespace (null: none) and closes the client. */
  static void close(KubernetesClient client, String namespace) {
    if (namespace != null) {
      client.namespaces().withName(namespace).delete();
    }
    client.close();
  }
}
