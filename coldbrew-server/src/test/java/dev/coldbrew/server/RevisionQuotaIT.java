package dev.coldbrew.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.store.ResourceCache;
import dev.coldbrew.store.SqliteStore;
import dev.coldbrew.store.admission.Admission;
import dev.coldbrew.store.admission.RevisionQuota;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limit on Revisions through the admin API over real HTTP, on a real SQLite store and resource
 * cache (no reconcilers run, so every Service stays "about to make its first Revision" and counts
 * as one): the write after the limit is a 403 Kubernetes Status naming the limit and how to raise
 * it, and nothing is written; writes that make no Revision still pass.
 */
class RevisionQuotaIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SERVICES = "/apis/serving.knative.dev/v1/namespaces/default/services";
  private static final String APPLY = "application/apply-patch+yaml";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path dir;
  SqliteStore store;
  ResourceCache cache;
  RevisionQuota quota;
  Vertx vertx;
  int port;

  private void start(int limit) throws Exception {
    store = SqliteStore.open(dir);
    cache = ResourceCache.of(store).start();
    quota = RevisionQuota.watching(cache, limit);
    vertx = Vertx.vertx();
    AdminApi api =
        new AdminApi(
            vertx,
            store,
            new Admission(store, PlatformConfig.standard().validationContext(), quota),
            dev.coldbrew.server.TestAdmin.access());
    port = dev.coldbrew.server.TestAdmin.listen(api);
  }

  @AfterEach
  void stop() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
    if (cache != null) {
      cache.close();
    }
    if (store != null) {
      store.close();
    }
  }

  private HttpResponse<String> send(String method, String path, String contentType, String body)
      throws Exception {
    return sendAsync(method, path, contentType, body).get();
  }

  private CompletableFuture<HttpResponse<String>> sendAsync(
      String method, String path, String contentType, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", dev.coldbrew.server.TestAdmin.BEARER);
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String service(String name, String target, String label) {
    return """
        {"apiVersion": "serving.knative.dev/v1", "kind": "Service",
         "metadata": {"name": "%s", "labels": {"team": "%s"}},
         "spec": {"template": {"spec": {"containers": [{"command": ["app"],
           "env": [{"name": "TARGET", "value": "%s"}]}]}}}}
        """
        .formatted(name, label, target);
  }

  private List<String> serviceNames() throws Exception {
    List<String> names = new ArrayList<>();
    JSON.readTree(send("GET", SERVICES, null, null).body())
        .path("items")
        .forEach(i -> names.add(i.at("/metadata/name").asText()));
    return names;
  }

  private static void assertRefusedByTheLimit(HttpResponse<String> r, String subject, int limit)
      throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
    JsonNode status = JSON.readTree(r.body());
    assertThat(status.path("kind").asText()).isEqualTo("Status");
    assertThat(status.path("reason").asText()).isEqualTo("Forbidden");
    assertThat(status.path("code").asInt()).isEqualTo(403);
    assertThat(status.path("message").asText())
        .isEqualTo(
            subject
                + " is forbidden: exceeded quota: max-revisions, requested: 1 revision, used: "
                + limit
                + " revisions (limit "
                + limit
                + ", set coldbrew: max-revisions in the config file or raise -Xmx)");
  }

  @Test
  void theCreateAfterTheLimitIsForbiddenAndWritesNothing() throws Exception {
    start(3);
    for (String name : List.of("a", "b", "c")) {
      assertThat(send("POST", SERVICES, "application/json", service(name, "x", "t")).statusCode())
          .isEqualTo(201);
    }
    assertThat(quota.used()).isEqualTo(3);

    var refused = send("POST", SERVICES, "application/json", service("d", "x", "t"));
    assertRefusedByTheLimit(refused, "services.serving.knative.dev \"d\"", 3);
    assertThat(send("GET", SERVICES + "/d", null, null).statusCode()).isEqualTo(404);
    // an apply that would create is refused the same way
    assertRefusedByTheLimit(
        send("PATCH", SERVICES + "/d", APPLY, service("d", "x", "t")),
        "services.serving.knative.dev \"d\"",
        3);
    assertThat(store.get(Kind.SERVICE, "default", "d")).isEmpty();
    assertThat(serviceNames()).containsExactly("a", "b", "c");

    // deleting one makes room again
    assertThat(send("DELETE", SERVICES + "/a", null, null).statusCode()).isEqualTo(200);
    await().atMost(WAIT).until(() -> quota.used() == 2);
    assertThat(send("POST", SERVICES, "application/json", service("d", "x", "t")).statusCode())
        .isEqualTo(201);
  }

  @Test
  void atTheLimitAnApplyThatKeepsTheTemplateStillWorks() throws Exception {
    start(2);
    String path = SERVICES + "/a";
    assertThat(send("PATCH", path, APPLY, service("a", "x", "t")).statusCode()).isEqualTo(201);
    assertThat(send("PATCH", SERVICES + "/b", APPLY, service("b", "x", "t")).statusCode())
        .isEqualTo(201);

    var same = send("PATCH", path, APPLY, service("a", "x", "t"));
    assertThat(same.statusCode()).isEqualTo(200);
    assertThat(same.headers().firstValue("Coldbrew-Apply-Outcome")).hasValue("unchanged");
    var relabelled = send("PATCH", path, APPLY, service("a", "x", "other-team"));
    assertThat(relabelled.statusCode()).isEqualTo(200);
    assertThat(relabelled.headers().firstValue("Coldbrew-Apply-Outcome")).hasValue("configured");
    assertThat(JSON.readTree(relabelled.body()).at("/metadata/labels/team").asText())
        .isEqualTo("other-team");
    // a Route makes no Revision
    var route =
        send(
            "POST",
            "/apis/serving.knative.dev/v1/namespaces/default/routes",
            "application/json",
            """
            {"apiVersion": "serving.knative.dev/v1", "kind": "Route", "metadata": {"name": "r"},
             "spec": {"traffic": [{"configurationName": "a", "percent": 100}]}}
            """);
    assertThat(route.statusCode()).as(route.body()).isEqualTo(201);

    // a new template is a new Revision: refused, the stored Service is unchanged
    String before = JSON.readTree(send("GET", path, null, null).body()).toString();
    assertRefusedByTheLimit(
        send("PATCH", path, APPLY, service("a", "changed", "other-team")),
        "services.serving.knative.dev \"a\"",
        2);
    assertRefusedByTheLimit(
        send("PUT", path, "application/json", service("a", "changed", "other-team")),
        "services.serving.knative.dev \"a\"",
        2);
    assertThat(JSON.readTree(send("GET", path, null, null).body()).toString()).isEqualTo(before);
  }

  @Test
  void generatedNamesCountAndAreRefusedAtTheLimit() throws Exception {
    start(2);
    String generated =
        service("unused", "x", "t").replace("\"name\": \"unused\"", "\"generateName\": \"gen-\"");
    for (int i = 0; i < 2; i++) {
      var r = send("POST", SERVICES, "application/json", generated);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      assertThat(JSON.readTree(r.body()).at("/metadata/name").asText()).startsWith("gen-");
    }
    assertRefusedByTheLimit(
        send("POST", SERVICES, "application/json", generated),
        "services.serving.knative.dev \"gen-\"",
        2);
    assertThat(serviceNames()).hasSize(2);
  }

  @Test
  void aBurstOfCreatesStopsExactlyAtTheLimit() throws Exception {
    start(5);
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      all.add(sendAsync("POST", SERVICES, "application/json", service("s" + i, "x", "t")));
    }
    int created = 0;
    int refused = 0;
    for (var f : all) {
      int code = f.get().statusCode();
      if (code == 201) {
        created++;
      } else {
        assertThat(code).as(f.get().body()).isEqualTo(403);
        refused++;
      }
    }
    assertThat(created).isEqualTo(5);
    assertThat(refused).isEqualTo(25);
    assertThat(serviceNames()).hasSize(5);
  }

  @Test
  void aReconciledServiceCountsItsRevisionsOnly() throws Exception {
    start(3);
    assertThat(send("POST", SERVICES, "application/json", service("a", "x", "t")).statusCode())
        .isEqualTo(201);
    assertThat(quota.used()).isEqualTo(1);
    // what the controller does: a Revision for the template, then observedGeneration
    Resource svc = store.get(Kind.SERVICE, "default", "a").orElseThrow();
    Revision rev = new Revision();
    rev.metadata.namespace = "default";
    rev.metadata.name = "a-00001";
    rev.metadata.ownerReferences().add(OwnerReference.controllerOf(svc));
    rev.spec.containers = List.of(new Container());
    store.create(rev);
    await().atMost(WAIT).until(() -> quota.used() == 2); // the Revision, and the Service behind
    dev.coldbrew.api.model.Service reconciled = (dev.coldbrew.api.model.Service) svc;
    reconciled.status = new dev.coldbrew.api.model.Service.ServiceStatus();
    reconciled.status.observedGeneration = reconciled.metadata.generation;
    store.updateStatus(reconciled);
    await().atMost(WAIT).until(() -> quota.used() == 1);
    // a second Revision of the same Service (a template change) counts again
    Revision second = rev;
    second.metadata.name = "a-00002";
    second.metadata.uid = null;
    second.metadata.resourceVersion = null;
    store.create(second);
    await().atMost(WAIT).until(() -> quota.used() == 2);
  }
}
