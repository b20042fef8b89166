package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Security and hostile input through the real jar: the admin API (here bound to every address)
 * needs the token written at each start, no CORS, the gateway never exposes the admin API,
 * owner-only data, hostile HTTP at the gateway, the configured held-request and body bounds, and
 * bad flags and config keys named in errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final String SERVICES = "/apis/serving.knative.dev/v1/namespaces/default/services";

  // Beyond loopback: the token is required (the test still connects over 127.0.0.1).
  @RegisterExtension
  static final PlatformExtension platform =
      PlatformExtension.withConfig(
          """
          autoscaler:
            allow-zero-initial-scale: "true"
            scale-to-zero-grace-period: 2s
          coldbrew:
            max-held-requests-per-revision: 20
            max-request-body-bytes: 4096
          """,
          "--admin-bind-address",
          "0.0.0.0");

  final Path dir = platform.dir;
  String token;

  @BeforeAll
  void readToken() throws Exception {
    token = Files.readString(platform.dataDir.resolve("admin-token")).trim();
  }

  private Platform.Result cli(String stdin, String... args) throws Exception {
    return platform.run(Map.of("COLDBREW_TOKEN", token), null, stdin, args);
  }

  private void apply(String yaml) throws Exception {
    var r = cli(yaml, "apply", "-f", "-");
    assertThat(r.code()).as(r.toString()).isZero();
  }

  private void awaitReady(String service) {
    await()
        .atMost(WAIT)
        .until(
            () -> {
              HttpResponse<String> r =
                  admin("GET", SERVICES + "/" + service, "Authorization", "Bearer " + token);
              return r.statusCode() == 200
                  && Http.condition(
                          new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()),
                          "Ready")
                      .equals("True");
            });
  }

  private HttpResponse<String> admin(String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(platform.admin(path)))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return Http.CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void dataDirStoreAndTokenAreOwnerOnly() throws Exception {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(platform.dataDir)))
        .isEqualTo("rwx------");
    Path tokenFile = platform.dataDir.resolve("admin-token");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)))
        .isEqualTo("rw-------");
    assertThat(token).hasSizeGreaterThanOrEqualTo(32);
    List<Path> dbFiles;
    try (var s = Files.list(platform.dataDir)) {
      dbFiles =
          s.filter(p -> p.getFileName().toString().matches(".*\\.(db|sqlite)(-wal|-shm)?$"))
              .toList();
    }
    assertThat(dbFiles).isNotEmpty();
    for (Path f : dbFiles) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
          .as(f.toString())
          .isEqualTo("rw-------");
    }
  }

  @Test
  void adminApiBeyondLoopbackAnswers401WithoutTheBearerToken() throws Exception {
    assertThat(admin("GET", "/healthz").statusCode()).isEqualTo(200);
    for (String[] auth :
        List.of(
            new String[0],
            new String[] {"Authorization", "Bearer wrong"},
            new String[] {"Authorization", "Basic " + token},
            new String[] {"Authorization", "Bearer "})) {
      HttpResponse<String> r = admin("GET", SERVICES, auth);
      assertThat(r.statusCode()).as(String.join(" ", auth)).isEqualTo(401);
      assertThat(r.body())
          .contains("\"kind\":\"Status\"")
          .contains("\"reason\":\"Unauthorized\"")
          .doesNotContain("ServiceList");
    }
    assertThat(admin("DELETE", SERVICES + "/x").statusCode()).isEqualTo(401);
    for (String path : List.of("/metrics", "/dashboard/", "/logs/namespaces/default/services/x")) {
      assertThat(admin("GET", path).statusCode()).as(path).isEqualTo(401);
    }
    assertThat(admin("GET", SERVICES, "Authorization", "Bearer " + token).statusCode())
        .isEqualTo(200);

    // The CLI: as the user that runs serve, it finds the token itself; elsewhere (another home,
    // no token in the working directory) it fails naming where it looked; a stale token is named
    // as refused; --token-file and COLDBREW_TOKEN work.
    var r = platform.run(Map.of(), dir, null, "service", "list");
    assertThat(r.code()).as(r.toString()).isZero();
    Path elsewhere = Files.createDirectories(dir.resolve("another-home"));
    r = platform.runAs(elsewhere, Map.of(), dir, null, "service", "list");
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .contains("needs a token and none was found")
        .contains(elsewhere.resolve(".coldbrew/servers/" + platform.adminPort).toString())
        .doesNotContain("\tat ");
    r = platform.runAs(elsewhere, Map.of("COLDBREW_TOKEN", "stale"), dir, null, "service", "list");
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("refused the token from $COLDBREW_TOKEN");
    r =
        platform.runAs(
            elsewhere,
            Map.of(),
            dir,
            null,
            "service",
            "list",
            "--token-file",
            platform.dataDir.resolve("admin-token").toString());
    assertThat(r.code()).as(r.toString()).isZero();
    r =
        platform.runAs(
            elsewhere,
            Map.of(),
            dir,
            null,
            "service",
            "list",
            "--token-file",
            dir.resolve("nope").toString());
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("--token-file");
    r = cli(null, "service", "list");
    assertThat(r.code()).as(r.toString()).isZero();
  }

  @Test
  void adminApiSendsNoCorsHeaders() throws Exception {
    HttpResponse<String> preflight =
        admin(
            "OPTIONS",
            SERVICES,
            "Origin",
            "http://evil.example",
            "Access-Control-Request-Method",
            "DELETE",
            "Authorization",
            "Bearer " + token);
    HttpResponse<String> get =
        admin("GET", SERVICES, "Origin", "http://evil.example", "Authorization", "Bearer " + token);
    for (HttpResponse<String> r : List.of(preflight, get)) {
      assertThat(r.headers().map().keySet())
          .noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
    }
    assertThat(preflight.statusCode()).isNotEqualTo(200);
  }

  @Test
  void gatewayNeverExposesTheAdminApi() throws Exception {
    for (String host :
        List.of(
            "127.0.0.1:" + platform.adminPort,
            "127.0.0.1:" + platform.httpPort,
            "localhost",
            "127.0.0.1")) {
      for (String path :
          List.of(
              SERVICES,
              "/api/v1/namespaces/default/endpoints",
              "/logs/namespaces/default/services/x")) {
        HttpResponse<String> r = Http.get(platform, host, path, "Authorization", "Bearer " + token);
        assertThat(r.statusCode()).as(host + path).isEqualTo(404);
        assertThat(r.body()).doesNotContain("List\"").doesNotContain("apiVersion");
      }
    }
  }

  private String raw(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", platform.httpPort)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[512];
      int n = in.read(buf);
      return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void hostileHttpAtTheGatewayIsRefused() throws Exception {
    String marker = "guarded-" + System.nanoTime();
    apply(Manifests.service("guarded", EchoApp.class, marker, Map.of("min-scale", "1"), "g", ""));
    awaitReady("guarded");
    String host = "guarded.default.localhost";
    assertThat(raw("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 200");
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put(
        "duplicate Content-Length",
        "POST / HTTP/1.1\r\nHost: "
            + host
            + "\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
    cases.put(
        "Content-Length beside Transfer-Encoding",
        "POST / HTTP/1.1\r\nHost: "
            + host
            + "\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    cases.put("malformed Host", "GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n");
    cases.put(
        "two Hosts",
        "GET / HTTP/1.1\r\nHost: " + host + "\r\nHost: other.default.localhost\r\n\r\n");
    cases.put("no Host", "GET / HTTP/1.1\r\n\r\n");
    Map<String, String> expected = new java.util.LinkedHashMap<>();
    cases.keySet().forEach(k -> expected.put(k, "400"));
    cases.put(
        "headers beyond the limit",
        "GET / HTTP/1.1\r\nHost: " + host + "\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
    expected.put("headers beyond the limit", "431");
    cases.put(
        "URI beyond the limit",
        "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    expected.put("URI beyond the limit", "414");
    cases.put(
        "body beyond max-request-body-bytes",
        "POST / HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 5000\r\n\r\n" + "a".repeat(5000));
    expected.put("body beyond max-request-body-bytes", "413");
    Map<String, String> got = new java.util.LinkedHashMap<>();
    for (var c : cases.entrySet()) {
      String resp = raw(c.getValue());
      got.put(c.getKey(), resp.length() >= 12 ? resp.substring(9, 12) : "(closed)");
    }
    System.out.println("RELIABILITY | hostile HTTP at the gateway | " + got);
    assertThat(got).isEqualTo(expected);
    assertThat(
            raw(
                "POST / HTTP/1.1\r\nHost: "
                    + host
                    + "\r\nContent-Length: 4000\r\nConnection: close\r\n\r\n"
                    + "a".repeat(4000)))
        .as("a body within the limit")
        .startsWith("HTTP/1.1 200");
    // The service is unharmed.
    assertThat(Http.get(platform, host, "/").statusCode()).isEqualTo(200);
  }

  @Test
  void heldRequestsBeyondTheBoundGet503WithRetryAfterAndTheServiceRecovers() throws Exception {
    String marker = "held-" + System.nanoTime();
    apply(
        Manifests.service(
            "held", EchoApp.class, marker, Map.of("initial-scale", "0", "window", "6s"), "h", ""));
    awaitReady("held");
    assertThat(Processes.withMarker(marker)).isEmpty();
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      all.add(
          Http.CLIENT.sendAsync(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + platform.httpPort + "/?sleep=200"))
                  .header("Host", "held.default.localhost")
                  .timeout(Duration.ofSeconds(120))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    Map<Integer, Integer> codes = new TreeMap<>();
    int failed = 0;
    for (var f : all) {
      try {
        HttpResponse<String> r = f.get();
        codes.merge(r.statusCode(), 1, Integer::sum);
        if (r.statusCode() == 503) {
          assertThat(r.headers().firstValue("Retry-After")).as(r.body()).isPresent();
        }
      } catch (Exception e) {
        failed++;
      }
    }
    System.out.println(
        "RELIABILITY | 100 requests at zero, held bound 20 | sent 100 | answered "
            + codes
            + " | failed "
            + failed);
    assertThat(failed).isZero();
    assertThat(codes.keySet()).containsOnly(200, 503);
    assertThat(codes.get(503)).as("beyond the bound").isPositive();
    assertThat(codes.get(200)).as("the held ones").isGreaterThanOrEqualTo(20);

    try (Load after =
        Load.start(
            platform, "held.default.localhost", "/?sleep=10", 10, 300, Duration.ofSeconds(60))) {
      await().atMost(WAIT).until(() -> after.answered() + after.failed.get() >= 300);
      after.stop();
      after.report("after the overflow, 10 clients");
      assertThat(after.non200()).as(after.problems.toString()).isZero();
    }
  }

  @Test
  void badFlagsAndConfigKeysExitNonZeroNamingThem() throws Exception {
    Path data = dir.resolve("unused-data");
    Path badCfg = dir.resolve("bad.yaml");
    Files.writeString(
        badCfg,
        """
        coldbrew:
          max-held-requests-per-revision: -1
          max-request-body-bytes: lots
          no-such-limit: 1
        """);
    Path nullMetadata = dir.resolve("null-metadata.yaml");
    Files.writeString(
        nullMetadata,
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: null\nspec:\n"
            + "  template: {spec: {containers: [{command: [x]}]}}\n");
    Map<List<String>, String> cases = new java.util.LinkedHashMap<>();
    cases.put(
        List.of(
            "serve",
            "-f",
            nullMetadata.toString(),
            "--http-port",
            "0",
            "--admin-port",
            "0",
            "--data-dir",
            data.toString()),
        "metadata.name");
    cases.put(
        List.of("serve", "--config", badCfg.toString()), "coldbrew.max-held-requests-per-revision");
    cases.put(
        List.of("serve", "--config", badCfg.toString(), "--data-dir", data.toString()),
        "coldbrew.max-request-body-bytes");
    cases.put(
        List.of("serve", "--config", badCfg.toString(), "--http-port", "0"),
        "coldbrew.no-such-limit");
    cases.put(List.of("serve", "--config", dir.resolve("missing.yaml").toString()), "--config");
    cases.put(
        List.of("serve", "--admin-port", "-5", "--data-dir", data.toString()), "--admin-port");
    cases.put(
        List.of("serve", "--http-port", "eighty", "--data-dir", data.toString()), "--http-port");
    cases.put(
        List.of(
            "serve",
            "--http-port",
            "0",
            "--admin-port",
            "0",
            "--admin-bind-address",
            "no such host!",
            "--data-dir",
            data.toString()),
        "--admin-bind-address");
    cases.put(
        List.of(
            "serve",
            "--http-port",
            "0",
            "--admin-port",
            "0",
            "--bind-address",
            "999.1.1.1",
            "--data-dir",
            data.toString()),
        "--bind-address");
    cases.put(List.of("service", "list", "--server", "not a url"), "--server");
    cases.put(List.of("logs", "x", "--tail", "many"), "--tail");
    List<String> report = new ArrayList<>();
    for (var c : cases.entrySet()) {
      var r =
          platform.run(
              Map.of("COLDBREW_TOKEN", token), dir, null, c.getKey().toArray(String[]::new));
      report.add(
          c.getKey() + " -> exit " + r.code() + ": " + r.err().lines().findFirst().orElse(""));
      assertThat(r.code()).as(r.toString()).isNotZero();
      assertThat(r.err())
          .as(r.toString())
          .contains(c.getValue())
          .doesNotContain("\tat ")
          .doesNotContain("Exception");
    }
    report.forEach(System.out::println);
  }
}
