package dev.coldbrew.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coldbrew.store.SqliteStore;
import dev.coldbrew.store.admission.Admission;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API over real HTTP on a real SQLite store: codes, Status bodies, apply outcomes. */
class AdminApiIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SERVICES = "/apis/serving.knative.dev/v1/namespaces/default/services";
  private static final String TOKEN = "admin-api-it-token";
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path dir;
  SqliteStore store;
  Vertx vertx;
  AdminApi api;
  int port;

  @BeforeEach
  void start() throws Exception {
    store = SqliteStore.open(dir);
    vertx = Vertx.vertx();
    PlatformConfig cfg = PlatformConfig.standard();
    AdminAccess access =
        new AdminAccess(
            TOKEN,
            AdminAccess.allowedHosts("127.0.0.1", java.util.List.of()),
            java.time.Clock.systemUTC());
    api = new AdminApi(vertx, store, new Admission(store, cfg.validationContext()), access);
    port =
        api.listen("127.0.0.1", 0, AdminApi.Limits.of(java.time.Duration.ofSeconds(10), 256))
            .toCompletionStage()
            .toCompletableFuture()
            .get();
    api.markReady();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
    store.close();
  }

  private HttpResponse<String> send(String method, String path, String contentType, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + TOKEN);
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String hello(String name, String target) {
    return """
        {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "%s"},
         "spec": {"template": {"spec": {"containers": [{"command": ["app"],
           "env": [{"name": "TARGET", "value": "%s"}]}]}}}}
        """
        .formatted(name, target);
  }

  @Test
  void aListTakesALabelSelectorAndAMalformedOneIsRefusedNamingIt() throws Exception {
    send(
        "POST",
        SERVICES,
        "application/json",
        hello("blue", "a")
            .replace(
                "\"name\": \"blue\"}", "\"name\": \"blue\", \"labels\": {\"team\": \"blue\"}}"));
    send("POST", SERVICES, "application/json", hello("plain", "b"));
    java.util.function.Function<String, java.util.List<String>> names =
        q -> {
          try {
            var r =
                send(
                    "GET",
                    SERVICES
                        + "?labelSelector="
                        + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8),
                    null,
                    null);
            assertThat(r.statusCode()).as(q + ": " + r.body()).isEqualTo(200);
            java.util.List<String> out = new java.util.ArrayList<>();
            JSON.readTree(r.body())
                .path("items")
                .forEach(i -> out.add(i.at("/metadata/name").asText()));
            return out;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    assertThat(names.apply("team=blue")).containsExactly("blue");
    assertThat(names.apply("!team")).containsExactly("plain");
    assertThat(names.apply("team in (red, blue)")).containsExactly("blue");
    assertThat(names.apply("")).containsExactlyInAnyOrder("blue", "plain");

    var bad = send("GET", SERVICES + "?labelSelector=team%3D%3Dblue%2C%3Dx", null, null);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(bad.body()).path("message").asText())
        .startsWith("labelSelector: cannot read \"=x\" (expected: requirements separated by");
  }

  @Test
  void createGetListDeleteWithKubernetesCodes() throws Exception {
    assertThat(send("GET", "/healthz", null, null).statusCode()).isEqualTo(200);
    var created = send("POST", SERVICES, "application/json", hello("hello", "a"));
    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode svc = JSON.readTree(created.body());
    assertThat(svc.at("/metadata/uid").asText()).isNotEmpty();
    assertThat(svc.at("/spec/template/spec/timeoutSeconds").asInt()).isEqualTo(300);
    assertThat(svc.at("/spec/traffic/0/percent").asInt()).isEqualTo(100);

    var again = send("POST", SERVICES, "application/json", hello("hello", "a"));
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(again.body()).path("reason").asText()).isEqualTo("AlreadyExists");

    assertThat(send("GET", SERVICES + "/hello", null, null).statusCode()).isEqualTo(200);
    JsonNode list = JSON.readTree(send("GET", SERVICES, null, null).body());
    assertThat(list.path("kind").asText()).isEqualTo("ServiceList");
    assertThat(list.path("items")).hasSize(1);
    assertThat(list.at("/metadata/resourceVersion").asText()).isNotEmpty();

    var missing = send("GET", SERVICES + "/nope", null, null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(missing.body()).path("kind").asText()).isEqualTo("Status");

    assertThat(send("DELETE", SERVICES + "/hello", null, null).statusCode()).isEqualTo(200);
    assertThat(send("DELETE", SERVICES + "/hello", null, null).statusCode()).isEqualTo(404);
  }

  @Test
  void invalidInputIs422NamingEveryField() throws Exception {
    var r =
        send(
            "POST",
            SERVICES,
            "application/json",
            """
        {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "x"},
         "spec": {"template": {"spec": {"containerConcurrency": 2000, "colour": "blue",
           "containers": [{"image": "nginx"}]}},
          "traffic": [{"latestRevision": true, "percent": 101}]}}
        """);
    assertThat(r.statusCode()).isEqualTo(422);
    JsonNode status = JSON.readTree(r.body());
    assertThat(status.path("reason").asText()).isEqualTo("Invalid");
    assertThat(status.at("/details/causes").findValuesAsText("field"))
        .contains("spec.template.spec.colour");
    r =
        send(
            "POST",
            SERVICES,
            "application/json",
            hello("x", "a").replace("\"app\"", "\"app\"], \"foo\": [1"));
    assertThat(r.statusCode()).isEqualTo(422);
    r = send("POST", SERVICES, "application/json", "{not json");
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(r.body()).path("kind").asText()).isEqualTo("Status");
    r =
        send(
            "POST",
            SERVICES,
            "application/json",
            hello("x", "a")
                .replace("\"name\": \"x\"", "\"name\": \"x\", \"namespace\": \"other\""));
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(r.body()).contains("metadata.namespace");
  }

  @Test
  void staleUpdateIsAConflict() throws Exception {
    JsonNode svc =
        JSON.readTree(send("POST", SERVICES, "application/json", hello("hello", "a")).body());
    String v1 = svc.at("/metadata/resourceVersion").asText();
    String update =
        hello("hello", "b")
            .replace(
                "\"name\": \"hello\"", "\"name\": \"hello\", \"resourceVersion\": \"" + v1 + "\"");
    assertThat(send("PUT", SERVICES + "/hello", "application/json", update).statusCode())
        .isEqualTo(200);
    var stale = send("PUT", SERVICES + "/hello", "application/json", update);
    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(stale.body()).path("reason").asText()).isEqualTo("Conflict");
  }

  @Test
  void applyCreatesConfiguresOrLeavesUnchanged() throws Exception {
    String path = SERVICES + "/hello";
    String yaml = "application/apply-patch+yaml";
    var r = send("PATCH", path, yaml, hello("hello", "a"));
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.headers().firstValue("Coldbrew-Apply-Outcome")).hasValue("created");
    r = send("PATCH", path, yaml, hello("hello", "a"));
    assertThat(r.headers().firstValue("Coldbrew-Apply-Outcome")).hasValue("unchanged");
    r = send("PATCH", path, yaml, hello("hello", "b"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Coldbrew-Apply-Outcome")).hasValue("configured");
    assertThat(JSON.readTree(r.body()).at("/metadata/generation").asInt()).isEqualTo(2);
    assertThat(send("PATCH", path, "application/json", hello("hello", "c")).statusCode())
        .isEqualTo(415);
  }

  @Test
  void platformKindsAreReadOnlyAndUnknownPathsAre404() throws Exception {
    var r =
        send(
            "POST",
            "/apis/networking.internal.knative.dev/v1alpha1/namespaces/default/serverlessservices",
            "application/json",
            "{\"apiVersion\": \"networking.internal.knative.dev/v1alpha1\", \"kind\": \"ServerlessService\", \"metadata\": {\"name\": \"x\"}, \"spec\": {\"mode\": \"Serve\"}}");
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(r.body()).contains("managed by the platform");
    assertThat(
            send("GET", "/apis/example.com/v1/namespaces/default/widgets", null, null).statusCode())
        .isEqualTo(404);
    assertThat(send("GET", "/nothing", null, null).statusCode()).isEqualTo(404);
    assertThat(send("DELETE", SERVICES, null, null).statusCode()).isEqualTo(405);
    assertThat(send("GET", "/api/v1/namespaces/default/endpoints", null, null).statusCode())
        .isEqualTo(200);
  }

  @Test
  void aWriteCarriesWarningsForAnnotationsWithoutEffectEscapedAndBounded() throws Exception {
    StringBuilder ann = new StringBuilder("\"autoscaling.knative.dev/targt\": \"1\"");
    ann.append(", \"autoscaling.knative.dev/q\\\"x\\u0007\": \"1\"");
    for (int i = 0; i < 12; i++) {
      ann.append(", \"autoscaling.knative.dev/zz").append(i).append("\": \"1\"");
    }
    String body =
        hello("warned", "a")
            .replace(
                "\"spec\": {\"template\": {",
                "\"spec\": {\"template\": {\"metadata\": {\"annotations\": {" + ann + "}}, ");
    var r = send("POST", SERVICES, "application/json", body);
    java.util.List<String> warnings = r.headers().allValues("Warning");
    assertThat(warnings).hasSize(AdminApi.MAX_WARNINGS + 1);
    assertThat(warnings)
        .contains(
            "299 - \"spec.template.metadata.annotations.autoscaling.knative.dev/targt: unknown"
                + " autoscaling annotation, it has no effect; did you mean"
                + " autoscaling.knative.dev/target?\"")
        .anyMatch(w -> w.contains("autoscaling.knative.dev/q\\\"x?:"))
        .allMatch(w -> w.chars().allMatch(c -> c >= 0x20 && c <= 0x7e))
        .last()
        .isEqualTo("299 - \"4 more warnings\"");
  }

  @Test
  void aWatchSendsTheListThenEachChangeAsJsonLines() throws Exception {
    assertThat(send("POST", SERVICES, "application/json", hello("w1", "a")).statusCode())
        .isEqualTo(201);
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + SERVICES + "?watch=true"))
            .header("Authorization", "Bearer " + TOKEN)
            .build();
    var resp = http.send(req, HttpResponse.BodyHandlers.ofLines());
    assertThat(resp.statusCode()).isEqualTo(200);
    var lines = resp.body().iterator();
    JsonNode first = JSON.readTree(lines.next());
    assertThat(first.path("type").asText()).isEqualTo("ADDED");
    assertThat(first.at("/object/metadata/name").asText()).isEqualTo("w1");
    assertThat(send("POST", SERVICES, "application/json", hello("w2", "a")).statusCode())
        .isEqualTo(201);
    JsonNode second = JSON.readTree(lines.next());
    assertThat(second.path("type").asText()).isEqualTo("ADDED");
    assertThat(second.at("/object/metadata/name").asText()).isEqualTo("w2");
    assertThat(send("DELETE", SERVICES + "/w1", null, null).statusCode()).isEqualTo(200);
    JsonNode third = JSON.readTree(lines.next());
    assertThat(third.path("type").asText()).isEqualTo("DELETED");
    assertThat(third.at("/object/metadata/name").asText()).isEqualTo("w1");
    resp.body().close();
  }

  @Test
  void aWatchRefusesMalformedParametersNamingThem() throws Exception {
    for (String q :
        java.util.List.of(
            "resourceVersion=abc",
            "resourceVersion=-3",
            "timeoutSeconds=0",
            "timeoutSeconds=999999",
            "timeoutSeconds=1e3")) {
      var r = send("GET", SERVICES + "?watch=true&" + q, null, null);
      assertThat(r.statusCode()).as(q).isEqualTo(400);
      assertThat(JSON.readTree(r.body()).path("message").asText())
          .as(q)
          .startsWith(q.substring(0, q.indexOf('=')) + ": \"");
    }
  }
}
