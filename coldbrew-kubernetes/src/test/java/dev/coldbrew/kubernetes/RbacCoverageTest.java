package dev.coldbrew.kubernetes;

import static dev.coldbrew.store.Fixtures.child;
import static dev.coldbrew.store.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.store.Fixtures;
import dev.coldbrew.store.Recorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every request the module's code sends to the API server is allowed by the ClusterRole we ship:
 * the store's whole life (CRD check, informers, every write on every kind, a relist after 410) is
 * run against the mock, each recorded request is mapped to the (verb, group, resource, subresource)
 * RBAC judges it by, and each must match a rule. Requests of the tests' own set-up carry another
 * User-Agent and are not counted.
 */
class RbacCoverageTest {
  static final String CLUSTER_ROLE = "rbac/coldbrew-controller-clusterrole.yaml";
  private static final String AGENT = "coldbrew-controller";
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** One API request as RBAC sees it. */
  record ApiCall(String verb, String group, String resource, String subresource) {
    /** The request for {@code method} and {@code path} (with its query). */
    static ApiCall of(String method, String path) {
      int q = path.indexOf('?');
      String query = q < 0 ? "" : path.substring(q + 1);
      List<String> parts =
          new ArrayList<>(Arrays.asList((q < 0 ? path : path.substring(0, q)).split("/")));
      parts.removeIf(String::isEmpty);
      String group;
      if (parts.get(0).equals("api")) {
        group = "";
        parts = parts.subList(2, parts.size());
      } else if (parts.get(0).equals("apis")) {
        group = parts.get(1);
        parts = parts.subList(3, parts.size());
      } else {
        throw new IllegalArgumentException("not an API path: " + path);
      }
      if (parts.size() >= 3 && parts.get(0).equals("namespaces")) {
        parts = parts.subList(2, parts.size()); // namespaced: namespaces/{ns}/{resource}/...
      }
      String resource = parts.get(0);
      boolean named = parts.size() > 1;
      String sub = parts.size() > 2 ? parts.get(2) : null;
      String verb =
          switch (method) {
            case "GET" ->
                named
                    ? "get"
                    : Arrays.asList(query.split("&")).contains("watch=true") ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> throw new IllegalArgumentException("method " + method);
          };
      return new ApiCall(verb, group, resource, sub);
    }

    boolean allowedBy(PolicyRule rule) {
      String res = subresource == null ? resource : resource + "/" + subresource;
      boolean groupOk = rule.getApiGroups().contains(group) || rule.getApiGroups().contains("*");
      boolean verbOk = rule.getVerbs().contains(verb) || rule.getVerbs().contains("*");
      boolean resourceOk =
          rule.getResources().contains(res)
              || rule.getResources().contains(subresource == null ? "*" : "*/" + subresource);
      return groupOk && verbOk && resourceOk;
    }

    @Override
    public String toString() {
      return verb
          + " "
          + (group.isEmpty() ? "core" : group)
          + "/"
          + resource
          + (subresource == null ? "" : "/" + subresource);
    }
  }

  static ClusterRole clusterRole() throws Exception {
    List<HasMetadata> docs = Manifests.load(CLUSTER_ROLE);
    assertThat(docs).hasSize(1);
    return (ClusterRole) docs.get(0);
  }

  static List<ApiCall> uncovered(ClusterRole role, List<ApiCall> calls) {
    return calls.stream()
        .filter(c -> role.getRules().stream().noneMatch(c::allowedBy))
        .distinct()
        .toList();
  }

  @Test
  void everyRequestOfTheStoreIsAllowed() throws Exception {
    List<MockApiServer.Request> requests;
    try (MockApiServer api = MockApiServer.start();
        KubernetesStore store = KubernetesStore.open(api.client(AGENT))) {
      exercise(api, store);
      requests = api.requests();
    }

    List<ApiCall> calls =
        requests.stream()
            .filter(r -> AGENT.equals(r.userAgent()))
            .map(r -> ApiCall.of(r.method(), r.path()))
            .toList();
    Set<String> seen = new TreeSet<>();
    calls.forEach(c -> seen.add(c.toString()));
    // the workload really did each kind of call (a test that saw nothing would prove nothing)
    assertThat(seen)
        .contains(
            "get apiextensions.k8s.io/customresourcedefinitions",
            "list serving.coldbrew.dev/services",
            "watch serving.coldbrew.dev/services",
            "create serving.coldbrew.dev/revisions",
            "update serving.coldbrew.dev/services",
            "update serving.coldbrew.dev/services/status",
            "update networking.internal.coldbrew.dev/serverlessservices/status",
            "delete autoscaling.internal.coldbrew.dev/podautoscalers",
            "watch core/endpoints",
            "create core/endpoints",
            "update core/endpoints",
            "delete core/endpoints");
    assertThat(uncovered(clusterRole(), calls)).as("requests the ClusterRole forbids").isEmpty();
  }

  /** Every store operation on every kind, and a relist. */
  private static void exercise(MockApiServer api, KubernetesStore store) {
    Recorder rec = new Recorder();
    store.watch(0, rec);
    Resource svc = store.create(service("hello"));
    for (Kind kind : Kind.values()) {
      Resource r =
          switch (kind) {
            case SERVICE -> svc;
            case ENDPOINTS -> store.create(Fixtures.endpoints("default", "hello", "127.0.0.2"));
            default -> store.create(child(kind, "hello", svc));
          };
      Resource seen =
          await()
              .atMost(WAIT)
              .until(() -> store.get(kind, "default", "hello"), o -> o.isPresent())
              .get();
      Resource changed = ResourceCodec.copy(seen);
      changed.metadata.labels().put("touched", "yes");
      Resource updated = store.update(changed);
      if (ClusterKinds.hasStatus(kind)) {
        Resource withStatus = ResourceCodec.copy(updated);
        var tree = ResourceCodec.toTree(withStatus);
        tree.putObject("status").put("observedGeneration", 1);
        store.updateStatus(ResourceCodec.json().convertValue(tree, withStatus.getClass()));
      }
      store.list(kind, "default");
      if (kind != Kind.SERVICE) {
        store.delete(kind, "default", r.metadata.name);
      }
    }
    api.goneOnNextWatch("services");
    api.dropWatches("services");
    await().atMost(WAIT).until(() -> rec.summary().contains("RESET"));
    store.delete(Kind.SERVICE, "default", "hello");
  }

  @Test
  void aMissingRuleIsReported() throws Exception {
    ClusterRole role = clusterRole();
    role.getRules().removeIf(r -> r.getResources().contains("endpoints"));

    List<ApiCall> calls =
        List.of(
            ApiCall.of("PUT", "/api/v1/namespaces/default/endpoints/hello"),
            ApiCall.of("PUT", "/apis/serving.coldbrew.dev/v1/namespaces/default/services/x/status"),
            ApiCall.of("GET", "/api/v1/endpoints?labelSelector=a&watch=true"),
            ApiCall.of("PUT", "/apis/apps/v1/namespaces/default/deployments/d/scale"));

    assertThat(uncovered(role, calls))
        .extracting(ApiCall::toString)
        .containsExactly("update core/endpoints", "watch core/endpoints");
  }

  @Test
  void requestsMapToWhatRbacJudges() {
    assertThat(ApiCall.of("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x"))
        .hasToString("get apiextensions.k8s.io/customresourcedefinitions");
    assertThat(ApiCall.of("GET", "/apis/serving.coldbrew.dev/v1/services?watch=true&x=1"))
        .hasToString("watch serving.coldbrew.dev/services");
    assertThat(ApiCall.of("GET", "/apis/serving.coldbrew.dev/v1/services?resourceVersion=0"))
        .hasToString("list serving.coldbrew.dev/services");
    assertThat(ApiCall.of("DELETE", "/api/v1/namespaces/default/pods"))
        .hasToString("deletecollection core/pods");
    assertThat(ApiCall.of("GET", "/api/v1/namespaces/default")).hasToString("get core/namespaces");
    assertThat(ApiCall.of("PATCH", "/apis/apps/v1/namespaces/ns/deployments/d/scale"))
        .hasToString("patch apps/deployments/scale");
  }

  @Test
  void theClusterRoleGrantsNoWildcardVerbsOrCoreWrites() throws Exception {
    ClusterRole role = clusterRole();
    assertThat(role.getMetadata().getName()).isEqualTo("coldbrew-controller");
    for (PolicyRule r : role.getRules()) {
      assertThat(r.getVerbs()).doesNotContain("*");
      assertThat(r.getApiGroups()).doesNotContain("*");
    }
    List<ApiCall> forbidden =
        List.of(
            ApiCall.of("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"),
            ApiCall.of("GET", "/api/v1/namespaces/default/secrets/x"),
            ApiCall.of("DELETE", "/api/v1/namespaces/default/pods/p"),
            ApiCall.of("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles"));
    assertThat(uncovered(role, forbidden)).hasSameSizeAs(forbidden);
  }
}
