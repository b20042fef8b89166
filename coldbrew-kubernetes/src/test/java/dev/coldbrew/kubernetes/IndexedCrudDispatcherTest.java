package dev.coldbrew.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The name index answers as fabric8's own CRUD dispatcher does: the same calls against a mock
 * server with each give the same results, and the results are what an API server would give.
 */
class IndexedCrudDispatcherTest {

  @Test
  void answersAsTheMockItIndexes() {
    List<String> plain = run(new KubernetesCrudDispatcher());
    List<String> indexed = run(new IndexedCrudDispatcher());
    assertThat(indexed).isEqualTo(plain);
    assertThat(indexed)
        .containsExactly(
            "get a in ns1: x=1",
            "get a in ns2: x=9",
            "get c in ns1: absent",
            "create a in ns1 again: 409",
            "after the edit: x=2",
            "x=2 in ns1: [a]",
            "x=1 in ns1: [b]",
            "after deleting a in ns1: absent",
            "a in ns2: x=9",
            "created again: x=3");
  }

  /** The same calls, their results written as lines. */
  private static List<String> run(KubernetesCrudDispatcher dispatcher) {
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, true);
    server.init();
    List<String> out = new ArrayList<>();
    try (KubernetesClient k = server.createClient()) {
      create(k, "ns1", "a", "1");
      create(k, "ns2", "a", "9");
      create(k, "ns1", "b", "1");
      out.add("get a in ns1: " + label(k, "ns1", "a"));
      out.add("get a in ns2: " + label(k, "ns2", "a"));
      out.add("get c in ns1: " + label(k, "ns1", "c"));
      assertThatThrownBy(() -> create(k, "ns1", "a", "1"))
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> out.add("create a in ns1 again: " + e.getCode()));
      k.configMaps()
          .inNamespace("ns1")
          .withName("a")
          .edit(
              cm ->
                  new ConfigMapBuilder(cm)
                      .editMetadata()
                      .addToLabels("x", "2")
                      .endMetadata()
                      .build());
      out.add("after the edit: " + label(k, "ns1", "a"));
      out.add("x=2 in ns1: " + names(k, "2"));
      out.add("x=1 in ns1: " + names(k, "1"));
      k.configMaps().inNamespace("ns1").withName("a").delete();
      out.add("after deleting a in ns1: " + label(k, "ns1", "a"));
      out.add("a in ns2: " + label(k, "ns2", "a"));
      create(k, "ns1", "a", "3");
      out.add("created again: " + label(k, "ns1", "a"));
    } finally {
      server.destroy();
    }
    return out;
  }

  private static void create(KubernetesClient k, String ns, String name, String x) {
    k.configMaps()
        .inNamespace(ns)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .withLabels(Map.of("x", x))
                .endMetadata()
                .build())
        .create();
  }

  private static String label(KubernetesClient k, String ns, String name) {
    ConfigMap cm = k.configMaps().inNamespace(ns).withName(name).get();
    return cm == null ? "absent" : "x=" + cm.getMetadata().getLabels().get("x");
  }

  private static List<String> names(KubernetesClient k, String x) {
    return k.configMaps().inNamespace("ns1").withLabel("x", x).list().getItems().stream()
        .map(cm -> cm.getMetadata().getName())
        .sorted()
        .toList();
  }
}
