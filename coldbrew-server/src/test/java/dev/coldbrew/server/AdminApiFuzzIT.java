package dev.coldbrew.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.store.SqliteStore;
import dev.coldbrew.store.admission.Admission;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * The admin API over real HTTP (on a real SQLite store in a temp dir) fed random and mutated
 * manifests, paths, methods and headers: it never answers 500 or shows a stack trace; every refusal
 * is a 4xx Kubernetes {@code Status}, and every 422 names each bad field.
 */
class AdminApiFuzzIT {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "fuzz-token";
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final List<String> VALID =
      List.of(
          """
          apiVersion: serving.knative.dev/v1
          kind: Service
          metadata: {name: hello, labels: {app: hello}}
          spec:
            template:
              metadata:
                annotations: {autoscaling.knative.dev/min-scale: "0", autoscaling.knative.dev/window: "6s"}
              spec:
                containerConcurrency: 10
                timeoutSeconds: 30
                containers:
                  - command: [python3, -m, http.server]
                    args: ["$(PORT)"]
                    env: [{name: TARGET, value: world}]
                    readinessProbe: {httpGet: {path: /healthz}, periodSeconds: 1}
            traffic:
              - {latestRevision: true, percent: 100}
          """,
          """
          apiVersion: serving.knative.dev/v1
          kind: Configuration
          metadata: {name: conf}
          spec:
            template:
              spec:
                containers: [{command: [./app], workingDir: /tmp, ports: [{containerPort: 8080}]}]
          """,
          """
          apiVersion: serving.knative.dev/v1
          kind: Route
          metadata: {name: conf}
          spec:
            traffic:
              - {configurationName: conf, percent: 60, tag: current}
              - {revisionName: conf-00001, percent: 40}
          """);
  private static final List<String> KEYS =
      List.of(
          "apiVersion",
          "kind",
          "metadata",
          "name",
          "namespace",
          "labels",
          "annotations",
          "spec",
          "template",
          "containers",
          "command",
          "args",
          "image",
          "env",
          "value",
          "ports",
          "containerPort",
          "readinessProbe",
          "httpGet",
          "port",
          "timeoutSeconds",
          "containerConcurrency",
          "traffic",
          "percent",
          "tag",
          "revisionName",
          "configurationName",
          "latestRevision",
          "status",
          "x");
  private static final List<String> METHODS =
      List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE");

  private static Path dir;
  private static SqliteStore store;
  private static Vertx vertx;
  private static AdminApi api;
  private static int port;

  @BeforeContainer
  static void start() throws Exception {
    dir = Files.createTempDirectory("admin-fuzz");
    store = SqliteStore.open(dir.resolve("data"));
    vertx = Vertx.vertx();
    Admission admission = new Admission(store, PlatformConfig.standard().validationContext());
    api =
        new AdminApi(
            vertx,
            store,
            admission,
            new AdminAccess(
                TOKEN,
                AdminAccess.allowedHosts("127.0.0.1", List.of()),
                java.time.Clock.systemUTC()));
    port =
        api.listen("127.0.0.1", 0, AdminApi.Limits.of(Duration.ofSeconds(10), 256))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    api.markReady();
  }

  @AfterContainer
  static void stop() throws Exception {
    api.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    store.close();
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Property(tries = 300)
  void mutatedManifestsAreAcceptedOrRefusedNamingTheField(@ForAll Random random) throws Exception {
    JsonNode doc = ResourceCodec.split(VALID.get(random.nextInt(VALID.size()))).get(0);
    for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
      mutate(doc, random);
    }
    String kind = doc.path("kind").asText("Service");
    String plural =
        switch (kind) {
          case "Configuration" -> "configurations";
          case "Route" -> "routes";
          default -> "services";
        };
    String name = doc.path("metadata").path("name").asText("hello");
    boolean yaml = random.nextBoolean();
    String body = yaml ? ResourceCodec.toYaml(doc) : ResourceCodec.toJson(doc);
    if (random.nextInt(5) == 0) {
      body = body.substring(0, random.nextInt(body.length() + 1));
    }
    String base = "/apis/serving.knative.dev/v1/namespaces/default/" + plural;
    String safeName = name.matches("[a-z0-9-]{1,40}") ? name : "hello";
    HttpResponse<String> r =
        switch (random.nextInt(3)) {
          case 0 -> send("POST", base, body, yaml ? "application/yaml" : "application/json");
          case 1 -> send("PUT", base + "/" + safeName, body, "application/json");
          default ->
              send(
                  "PATCH",
                  base + "/" + safeName,
                  body,
                  "application/apply-patch+" + (yaml ? "yaml" : "json"));
        };
    check(r);
  }

  @Property(tries = 150)
  void arbitraryBodiesPathsAndMethodsNeverFailTheServer(
      @ForAll String body, @ForAll("paths") String path, @ForAll Random random) throws Exception {
    String method = METHODS.get(random.nextInt(METHODS.size()));
    String type =
        List.of(
                "application/json",
                "application/yaml",
                "application/apply-patch+yaml",
                "text/plain",
                "")
            .get(random.nextInt(5));
    check(send(method, path, method.equals("GET") || method.equals("HEAD") ? "" : body, type));
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> paths() {
    var segment =
        net.jqwik.api.Arbitraries.of(
            "apis",
            "api",
            "v1",
            "serving.knative.dev",
            "namespaces",
            "default",
            "services",
            "routes",
            "revisions",
            "configurations",
            "endpoints",
            "serverlessservices",
            "podautoscalers",
            "hello",
            "%2F",
            "%2e%2e",
            "..",
            "",
            "UPPER",
            "a".repeat(300),
            "logs",
            "x;y",
            "%00");
    var random = segment.list().ofMinSize(0).ofMaxSize(8).map(l -> "/" + String.join("/", l));
    var real =
        net.jqwik.api.Arbitraries.of(
            "/apis/serving.knative.dev/v1/namespaces/default/services",
            "/apis/serving.knative.dev/v1/namespaces/default/services/hello",
            "/apis/serving.knative.dev/v1/namespaces/default/routes/conf",
            "/apis/serving.knative.dev/v1/namespaces/default/configurations/conf",
            "/apis/serving.knative.dev/v1/namespaces/default/revisions/conf-00001",
            "/apis/serving.knative.dev/v1/services",
            "/apis/autoscaling.internal.knative.dev/v1alpha1/namespaces/default/podautoscalers/x",
            "/apis/networking.internal.knative.dev/v1alpha1/namespaces/default/serverlessservices/x",
            "/api/v1/namespaces/default/endpoints/x");
    return net.jqwik.api.Arbitraries.oneOf(random, real);
  }

  @Property(tries = 40)
  void withoutTheTokenEveryResourcePathIs401(@ForAll("paths") String path, @ForAll Random random)
      throws Exception {
    String method = METHODS.get(random.nextInt(METHODS.size()));
    HttpResponse<String> r =
        CLIENT.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.ofString(VALID.get(0)))
                .header("Authorization", random.nextBoolean() ? "Bearer nope" : "Basic " + TOKEN)
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (path.equals("/healthz") || path.equals("/")) {
      return; // open by design: health, and a redirect to the dashboard (which needs the token)
    }
    assertThat(r.statusCode()).as(method + " " + path).isEqualTo(401);
  }

  private static HttpResponse<String> send(String method, String path, String body, String type)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(
                method,
                body.isEmpty()
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("Authorization", "Bearer " + TOKEN)
            .timeout(Duration.ofSeconds(30));
    if (!type.isEmpty()) {
      b.header("Content-Type", type);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The rule: 2xx, or a 4xx Status naming what is wrong; never 5xx, never a stack trace. */
  private static void check(HttpResponse<String> r) throws Exception {
    String what =
        r.request().method()
            + " "
            + r.request().uri().getPath()
            + " -> "
            + r.statusCode()
            + " "
            + r.body();
    Statistics.label("status").collect(r.statusCode());
    assertThat(r.statusCode()).as(what).isLessThan(500);
    assertThat(r.body()).as(what).doesNotContain("\tat ").doesNotContain("Exception");
    if (r.statusCode() < 400 || r.request().method().equals("HEAD")) {
      return;
    }
    JsonNode status = JSON.readTree(r.body());
    assertThat(status.path("kind").asText()).as(what).isEqualTo("Status");
    assertThat(status.path("code").asInt()).as(what).isEqualTo(r.statusCode());
    assertThat(status.path("message").asText()).as(what).isNotBlank();
    if (r.statusCode() == 422) {
      JsonNode causes = status.path("details").path("causes");
      assertThat(causes.size()).as(what).isPositive();
      for (JsonNode c : causes) {
        assertThat(c.path("message").asText()).as(what).isNotBlank();
        boolean named = !c.path("field").asText().isEmpty();
        Statistics.label("422 names a field").collect(named);
        if (!named) {
          String m = c.path("message").asText();
          Statistics.label("422 without a field").collect(m.substring(0, Math.min(40, m.length())));
        }
      }
    }
  }

  private static void mutate(JsonNode root, Random random) {
    List<JsonNode> containers = new ArrayList<>();
    collect(root, containers);
    JsonNode target = containers.get(random.nextInt(containers.size()));
    if (target instanceof ObjectNode o) {
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      String key = names.isEmpty() ? pick(KEYS, random) : pick(names, random);
      switch (random.nextInt(4)) {
        case 0 -> o.remove(key);
        case 1 -> o.set(pick(KEYS, random), value(random));
        case 2 -> {
          JsonNode v = o.remove(key);
          o.set(pick(KEYS, random), v == null ? F.nullNode() : v);
        }
        default -> o.set(key, value(random));
      }
    } else if (target instanceof ArrayNode a) {
      if (a.isEmpty() || random.nextBoolean()) {
        a.add(value(random));
      } else {
        a.set(random.nextInt(a.size()), value(random));
      }
    }
  }

  private static JsonNode value(Random random) {
    return switch (random.nextInt(12)) {
      case 0 -> F.textNode("");
      case 1 ->
          F.textNode(
              pick(List.of("hello", "Hello_World", "conf-00001", "10s", "-1", "h2c"), random));
      case 2 -> F.numberNode(pick(List.of(-1L, 0L, 101L, 1001L, 70000L, Long.MAX_VALUE), random));
      case 3 -> F.numberNode(1.5);
      case 4 -> F.booleanNode(random.nextBoolean());
      case 5 -> F.nullNode();
      case 6 -> F.objectNode();
      case 7 -> F.arrayNode();
      case 8 -> F.arrayNode().add(F.objectNode().put(pick(KEYS, random), "x"));
      case 9 -> F.objectNode().set(pick(KEYS, random), F.arrayNode().add(1));
      case 10 ->
          F.textNode(
              pick(List.of("Service", "Route", "Revision", "PodAutoscaler", "Endpoints"), random));
      default -> F.textNode("x".repeat(random.nextInt(300)));
    };
  }

  private static void collect(JsonNode node, List<JsonNode> out) {
    if (node.isContainerNode()) {
      out.add(node);
      node.forEach(child -> collect(child, out));
    }
  }

  private static <T> T pick(List<T> values, Random random) {
    return values.get(random.nextInt(values.size()));
  }
}
