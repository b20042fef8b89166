package dev.coldbrew.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.store.SqliteStore;
import dev.coldbrew.store.admission.Admission;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 16's admin API findings at the socket level, with the payloads: the drive-by CSRF
 * POST, DNS-rebinding Host, the token and the one-time login links, the Content-Type rule, slow
 * headers, the connection cap, no h2c, bodies counted as they arrive (60 MB chunked cut at 4 MiB),
 * a 3.5 MB manifest that is not a parser error, and client mistakes that are never logged at ERROR.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminSecurityIT {
  static final String TOKEN = "admin-security-it-token";
  static final String SERVICES = "/apis/serving.knative.dev/v1/namespaces/default/services";
  static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);
  static final Duration BODY_TIMEOUT = Duration.ofSeconds(2);

  Path dir;
  SqliteStore store;
  Vertx vertx;
  AdminApi api;
  int port;
  final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    dir = tmp;
    store = SqliteStore.open(dir.resolve("data"));
    vertx = Vertx.vertx();
    api = newApi();
    port = listen(api, new AdminApi.Limits(HEADER_TIMEOUT, 100, BODY_TIMEOUT));
    logged.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logged);
  }

  private AdminApi newApi() {
    AdminApi a =
        new AdminApi(
            vertx,
            store,
            new Admission(store, PlatformConfig.standard().validationContext()),
            new AdminAccess(
                TOKEN, AdminAccess.allowedHosts("127.0.0.1", List.of()), Clock.systemUTC()));
    a.mount("/metrics", req -> req.response().end("metrics\n"));
    // answers after three header timeouts, streaming meanwhile (like the dashboard's stream)
    a.mount(
        "/slow",
        req -> {
          req.response().setChunked(true).write("started\n");
          vertx.setTimer(3 * HEADER_TIMEOUT.toMillis(), id -> req.response().end("done\n"));
        });
    return a;
  }

  private static int listen(AdminApi a, AdminApi.Limits limits) throws Exception {
    int p =
        a.listen("127.0.0.1", 0, limits)
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    a.markReady();
    return p;
  }

  @AfterAll
  void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logged);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    store.close();
  }

  // ---- raw HTTP

  /** A response read off a socket: status, headers (lower-case names), body. */
  record Reply(int status, Map<String, List<String>> headers, String body) {
    String header(String name) {
      List<String> v = headers.get(name);
      return v == null ? null : v.get(0);
    }
  }

  /** Sends {@code request} bytes on a new connection and reads one response (to EOF). */
  private Reply exchange(String request) throws IOException {
    return exchange(request, Duration.ofSeconds(30));
  }

  private Reply exchange(String request, Duration timeout) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout((int) timeout.toMillis());
      s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      return read(s.getInputStream());
    }
  }

  /** One response, or status 0 when none came within {@code millis}. */
  static Reply readWithin(Socket s, int millis) {
    try {
      s.setSoTimeout(millis);
      return read(s.getInputStream());
    } catch (SocketTimeoutException e) {
      return new Reply(0, Map.of(), "");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Reads one response: its head, then Content-Length bytes, or up to EOF. */
  static Reply read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return new Reply(-1, Map.of(), "");
        }
        break;
      }
      head.write(b);
      state =
          (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
              ? state + 1
              : b == '\r' ? 1 : 0;
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, List<String>> headers = new java.util.HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int c = lines[i].indexOf(':');
      if (c > 0) {
        headers
            .computeIfAbsent(
                lines[i].substring(0, c).trim().toLowerCase(java.util.Locale.ROOT),
                k -> new ArrayList<>())
            .add(lines[i].substring(c + 1).trim());
      }
    }
    byte[] body;
    List<String> len = headers.get("content-length");
    if (status == 100 || status == 101) {
      body = new byte[0];
    } else if (len != null) {
      body = in.readNBytes(Integer.parseInt(len.get(0)));
    } else {
      body = in.readAllBytes();
    }
    return new Reply(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  private String request(String method, String path, String... headersThenBody) {
    StringBuilder sb = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
    boolean host = false;
    int n = headersThenBody.length;
    String body = n % 2 == 1 ? headersThenBody[n - 1] : null;
    for (int i = 0; i + 1 < n; i += 2) {
      host |= headersThenBody[i].equalsIgnoreCase("Host");
      sb.append(headersThenBody[i]).append(": ").append(headersThenBody[i + 1]).append("\r\n");
    }
    if (!host) {
      sb.append("Host: 127.0.0.1:").append(port).append("\r\n");
    }
    if (body != null) {
      sb.append("Content-Length: ")
          .append(body.getBytes(StandardCharsets.UTF_8).length)
          .append("\r\n");
    }
    sb.append("Connection: close\r\n\r\n");
    if (body != null) {
      sb.append(body);
    }
    return sb.toString();
  }

  private static String service(String name, String markerFile) {
    return """
        {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "%s"},
         "spec": {"template": {"spec": {"containers": [{"command": ["sh", "-c", "id > %s"]}]}}}}
        """
        .formatted(name, markerFile);
  }

  private boolean exists(String name) {
    return store.get(Kind.SERVICE, "default", name).isPresent();
  }

  // ---- item 1: CSRF, rebinding, token, Content-Type

  @Test
  void theDriveByCsrfPostIsRefusedAndNothingIsCreated() throws Exception {
    String pwned = dir.resolve("pwned").toString();
    // The request, as any web page can send it without a preflight.
    Reply r =
        exchange(
            request(
                "POST",
                SERVICES,
                "Content-Type",
                "text/plain;charset=UTF-8",
                "Origin",
                "http://evil.example",
                "Sec-Fetch-Site",
                "cross-site",
                service("pwned", pwned)));
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.body()).contains("\"kind\":\"Status\"").contains("\"reason\":\"Forbidden\"");
    // Each defence holds on its own, even with the token.
    String auth = "Bearer " + TOKEN;
    Map<String, String[]> alone =
        Map.of(
            "415 text/plain",
            new String[] {"Authorization", auth, "Content-Type", "text/plain;charset=UTF-8"},
            "415 form",
            new String[] {
              "Authorization", auth, "Content-Type", "application/x-www-form-urlencoded"
            },
            "415 no type",
            new String[] {"Authorization", auth},
            "403 Origin",
            new String[] {
              "Authorization",
              auth,
              "Content-Type",
              "application/json",
              "Origin",
              "http://evil.example"
            },
            "403 Origin null",
            new String[] {
              "Authorization", auth, "Content-Type", "application/json", "Origin", "null"
            },
            "403 cross-site",
            new String[] {
              "Authorization",
              auth,
              "Content-Type",
              "application/json",
              "Sec-Fetch-Site",
              "cross-site"
            },
            "403 same-site",
            new String[] {
              "Authorization",
              auth,
              "Content-Type",
              "application/json",
              "Sec-Fetch-Site",
              "same-site"
            },
            "401 no token",
            new String[] {"Content-Type", "application/json"});
    for (var e : alone.entrySet()) {
      List<String> args = new ArrayList<>(List.of(e.getValue()));
      args.add(service("pwned", pwned));
      Reply each = exchange(request("POST", SERVICES, args.toArray(String[]::new)));
      assertThat(each.status())
          .as(e.getKey())
          .isEqualTo(Integer.parseInt(e.getKey().substring(0, 3)));
      assertThat(each.body()).as(e.getKey()).contains("\"kind\":\"Status\"");
    }
    assertThat(exists("pwned")).isFalse();
    assertThat(Files.exists(Path.of(pwned))).isFalse();
    // The same request from the API's own origin, with the token and a manifest type, is fine.
    Reply ok =
        exchange(
            request(
                "POST",
                SERVICES,
                "Authorization",
                auth,
                "Content-Type",
                "application/json; charset=utf-8",
                "Origin",
                "http://127.0.0.1:" + port,
                "Sec-Fetch-Site",
                "same-origin",
                service("legit", pwned)));
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    assertThat(exists("legit")).isTrue();
  }

  @Test
  void aRebindingHostIsRefusedEvenWithTheToken() throws Exception {
    for (String auth : new String[] {"Bearer " + TOKEN, "Bearer nope"}) {
      Reply r =
          exchange(
              request(
                  "GET", SERVICES, "Host", "rebind.evil.example:" + port, "Authorization", auth));
      assertThat(r.status()).isEqualTo(421);
      assertThat(r.body()).contains("rebind.evil.example").doesNotContain("ServiceList");
    }
    for (String host :
        List.of(
            "localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "LOCALHOST", "localhost.")) {
      Reply r =
          exchange(request("GET", SERVICES, "Host", host, "Authorization", "Bearer " + TOKEN));
      assertThat(r.status()).as(host).isEqualTo(200);
      assertThat(r.body()).contains("ServiceList");
    }
    Map<String, String> malformed = new java.util.LinkedHashMap<>();
    malformed.put("two Hosts", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil\r\n\r\n");
    malformed.put("no Host", "GET /healthz HTTP/1.0\r\n\r\n");
    malformed.put("Host %41", "GET " + SERVICES + " HTTP/1.1\r\nHost: %41\r\n\r\n");
    malformed.put("Host with a path", "GET /healthz HTTP/1.1\r\nHost: a/b\r\n\r\n");
    malformed.put("Host bad port", "GET /healthz HTTP/1.1\r\nHost: localhost:80a\r\n\r\n");
    for (var e : malformed.entrySet()) {
      // no Connection: close: the server must answer and close, not hang
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(30_000);
        s.getOutputStream().write(e.getValue().getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        assertThat(read(in).status()).as(e.getKey()).isEqualTo(400);
        assertThat(in.read()).as(e.getKey() + ": closed").isEqualTo(-1);
      }
    }
  }

  @Test
  void everyPathButHealthzNeedsTheToken() throws Exception {
    assertThat(exchange(request("GET", "/healthz")).status()).isEqualTo(200);
    for (String path :
        List.of(SERVICES, "/metrics", "/dashboard/", "/api/v1/namespaces/default/endpoints")) {
      for (String auth : new String[] {null, "Bearer wrong", "Basic " + TOKEN, "Bearer "}) {
        Reply r =
            exchange(
                auth == null ? request("GET", path) : request("GET", path, "Authorization", auth));
        assertThat(r.status()).as(path + " " + auth).isEqualTo(401);
        assertThat(r.body()).contains("\"reason\":\"Unauthorized\"").doesNotContain("metrics\n");
      }
    }
    assertThat(exchange(request("GET", "/metrics", "Authorization", "Bearer " + TOKEN)).body())
        .isEqualTo("metrics\n");
    assertThat(exchange(request("GET", "/metrics", "Authorization", "bearer " + TOKEN)).status())
        .isEqualTo(200);
  }

  @Test
  void aLoginLinkWorksOnceAndItsSessionOnlyReads() throws Exception {
    Reply minted =
        exchange(
            request(
                "POST",
                "/login",
                "Authorization",
                "Bearer " + TOKEN,
                "Content-Type",
                "application/json"));
    assertThat(minted.status()).as(minted.body()).isEqualTo(201);
    Matcher m =
        Pattern.compile("\"url\":\"http://127\\.0\\.0\\.1:\\d+(/login\\?once=[0-9a-f]{64})\"")
            .matcher(minted.body());
    assertThat(m.find()).as(minted.body()).isTrue();
    String link = m.group(1);

    Reply login = exchange(request("GET", link, "Sec-Fetch-Site", "none"));
    assertThat(login.status()).isEqualTo(303);
    assertThat(login.header("location")).isEqualTo("/dashboard/");
    String setCookie = login.header("set-cookie");
    assertThat(setCookie)
        .startsWith("coldbrew-session-" + port + "=")
        .contains("HttpOnly")
        .contains("SameSite=Strict")
        .contains("Path=/");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));

    Reply again = exchange(request("GET", link));
    assertThat(again.status()).isEqualTo(401);
    assertThat(again.body()).contains("coldbrew dashboard");
    assertThat(again.header("set-cookie")).isNull();

    Reply read = exchange(request("GET", SERVICES, "Cookie", cookie));
    assertThat(read.status()).isEqualTo(200);
    assertThat(exchange(request("GET", "/metrics", "Cookie", cookie)).status()).isEqualTo(200);
    Reply write =
        exchange(
            request(
                "POST",
                SERVICES,
                "Cookie",
                cookie,
                "Content-Type",
                "application/json",
                service("bycookie", dir.resolve("x").toString())));
    assertThat(write.status()).isEqualTo(401);
    assertThat(exists("bycookie")).isFalse();
    Reply mint =
        exchange(request("POST", "/login", "Cookie", cookie, "Content-Type", "application/json"));
    assertThat(mint.status()).isEqualTo(401);
    for (String bad :
        List.of("/login", "/login?once=", "/login?once=" + "0".repeat(64), "/login?once=%00")) {
      assertThat(exchange(request("GET", bad)).status()).as(bad).isEqualTo(401);
    }
    assertThat(
            exchange(request("GET", SERVICES, "Cookie", "coldbrew-session-" + port + "=forged"))
                .status())
        .isEqualTo(401);
    // Opening the link from another site (a link on a web page) is refused before it is used.
    String link2 = AdminAccessLinks.mint(this);
    assertThat(exchange(request("GET", link2, "Sec-Fetch-Site", "cross-site")).status())
        .isEqualTo(403);
    assertThat(exchange(request("GET", link2)).status()).isEqualTo(303);
  }

  /** Mints a link through the API. */
  static final class AdminAccessLinks {
    static String mint(AdminSecurityIT t) throws IOException {
      Reply r =
          t.exchange(
              t.request(
                  "POST",
                  "/login",
                  "Authorization",
                  "Bearer " + TOKEN,
                  "Content-Type",
                  "application/json"));
      Matcher m = Pattern.compile("(/login\\?once=[0-9a-f]{64})").matcher(r.body());
      assertThat(m.find()).as(r.body()).isTrue();
      return m.group(1);
    }
  }

  @Test
  void deleteNeedsNoBodyTypeButOtherWritesDo() throws Exception {
    String auth = "Bearer " + TOKEN;
    assertThat(
            exchange(
                    request(
                        "POST",
                        SERVICES,
                        "Authorization",
                        auth,
                        "Content-Type",
                        "application/yaml",
                        service("todelete", dir.resolve("y").toString())))
                .status())
        .isEqualTo(201);
    assertThat(
            exchange(
                    request(
                        "DELETE",
                        SERVICES + "/todelete",
                        "Content-Type",
                        "text/plain",
                        "Authorization",
                        auth))
                .status())
        .isEqualTo(415);
    assertThat(exchange(request("DELETE", SERVICES + "/todelete", "Authorization", auth)).status())
        .isEqualTo(200);
    assertThat(exists("todelete")).isFalse();
  }

  // ---- item 6: header timeout, connection cap, no h2c

  @Test
  void slowHeadersAndIdleConnectionsAreClosedAfterTheHeaderTimeout() throws Exception {
    List<CompletableFuture<Long>> closedAfter = new ArrayList<>();
    List<Socket> sockets = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      Socket s = new Socket("127.0.0.1", port);
      sockets.add(s);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      closedAfter.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  // trickle a header line every 200 ms: never a complete head
                  Thread trickle =
                      new Thread(
                          () -> {
                            try {
                              for (int k = 0; k < 150; k++) {
                                Thread.sleep(200);
                                out.write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                                out.flush();
                              }
                            } catch (Exception closed) {
                              // the server closed the connection
                            }
                          });
                  trickle.start();
                  int b = s.getInputStream().read();
                  trickle.interrupt();
                  return b < 0 ? System.nanoTime() - t0 : -1L;
                } catch (SocketTimeoutException e) {
                  return -2L;
                } catch (IOException e) {
                  return System.nanoTime() - t0; // reset: closed too
                }
              }));
    }
    // Meanwhile the API answers.
    assertThat(exchange(request("GET", "/healthz")).status()).isEqualTo(200);
    for (CompletableFuture<Long> f : closedAfter) {
      long nanos = f.get(60, TimeUnit.SECONDS);
      assertThat(nanos).as("closed (-2: still open after 30 s)").isPositive();
      assertThat(Duration.ofNanos(nanos))
          .isBetween(HEADER_TIMEOUT.minusMillis(100), Duration.ofSeconds(20));
    }
    for (Socket s : sockets) {
      s.close();
    }
    // A request in progress is not cut, however long it takes.
    Reply slow = exchange(request("GET", "/slow", "Authorization", "Bearer " + TOKEN));
    assertThat(slow.status()).isEqualTo(200);
    assertThat(slow.body()).contains("done");
    // A keep-alive connection idle after its response is closed too.
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      s.getOutputStream()
          .write(
              "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      assertThat(read(in).status()).isEqualTo(200);
      long t1 = System.nanoTime();
      assertThat(in.read()).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - t1))
          .isBetween(HEADER_TIMEOUT.minusMillis(100), Duration.ofSeconds(20));
    }
  }

  @Test
  void connectionsBeyondTheCapAreClosed() throws Exception {
    AdminApi capped = newApi();
    int cappedPort = listen(capped, new AdminApi.Limits(Duration.ofSeconds(60), 4, BODY_TIMEOUT));
    List<Socket> open = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        Socket s = new Socket("127.0.0.1", cappedPort);
        s.setSoTimeout(30_000);
        open.add(s);
        s.getOutputStream()
            .write(
                "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        assertThat(read(s.getInputStream()).status()).isEqualTo(200); // registered, now idle
      }
      try (Socket fifth = new Socket("127.0.0.1", cappedPort)) {
        fifth.setSoTimeout(30_000);
        int b;
        try {
          fifth
              .getOutputStream()
              .write(
                  "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
          b = fifth.getInputStream().read();
        } catch (SocketException reset) {
          b = -1;
        }
        assertThat(b).as("the fifth connection is closed unanswered").isEqualTo(-1);
      }
      open.remove(0).close();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                try (Socket s = new Socket("127.0.0.1", cappedPort)) {
                  s.setSoTimeout(10_000);
                  s.getOutputStream()
                      .write(
                          "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                              .getBytes(StandardCharsets.US_ASCII));
                  assertThat(read(s.getInputStream()).status()).isEqualTo(200);
                }
              });
    } finally {
      for (Socket s : open) {
        s.close();
      }
      capped.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void http2CleartextIsOff() throws Exception {
    Reply upgrade =
        exchange(
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
    assertThat(upgrade.status()).isEqualTo(200);
    assertThat(upgrade.header("upgrade")).isNull();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      s.getOutputStream()
          .write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] first = s.getInputStream().readNBytes(12);
      // an HTTP/2 server answers the preface with a binary SETTINGS frame; this is an HTTP/1
      // status line refusing it ("HTTP/2.0" echoes the version the request line claimed)
      assertThat(new String(first, StandardCharsets.ISO_8859_1))
          .matches("HTTP/\\d\\.\\d [45]\\d\\d");
    }
  }

  // ---- item 7: bodies counted as they arrive

  @Test
  void aSixtyMegabyteChunkedPostIsCutAt413WithoutBeingRead() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(60_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST "
                  + SERVICES
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + TOKEN
                  + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      AtomicLong written = new AtomicLong();
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) ' ');
      byte[] size =
          (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      byte[] crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
      long total = 60L * 1000 * 1000;
      CompletableFuture<Boolean> writer =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  while (written.get() < total) {
                    out.write(size);
                    out.write(chunk);
                    out.write(crlf);
                    written.addAndGet(chunk.length);
                  }
                  out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                  return true;
                } catch (IOException e) {
                  return false; // the server closed the connection
                }
              });
      Reply r = read(s.getInputStream());
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(writer.get(60, TimeUnit.SECONDS)).as("the upload was cut off").isFalse();
      System.out.println(
          "SECURITY | 60 MB chunked POST to the admin API | 413 after the client wrote "
              + written.get() / 1024
              + " KiB");
      assertThat(written.get()).isLessThan(20L * 1024 * 1024);
    }
    // Declared too large: refused before a byte of the body is sent.
    Reply declared =
        exchange(
            "POST "
                + SERVICES
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: 60000000\r\n\r\n");
    assertThat(declared.status()).isEqualTo(413);
    Reply malformed =
        exchange(
            "POST "
                + SERVICES
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: 12abc\r\n\r\n");
    assertThat(malformed.status()).isEqualTo(400);
  }

  @Test
  void bodiesBufferedAtOnceAreBoundedAndTheBoundIsReleased() throws Exception {
    // 16 bodies of 3.99 MB fit in the 64 MiB shared bound, a 17th does not: it gets 503.
    AdminApi bounded = newApi();
    int boundedPort =
        listen(bounded, new AdminApi.Limits(HEADER_TIMEOUT, 100, Duration.ofSeconds(60)));
    int size = 3_990_000;
    byte[] part = new byte[size - 10];
    java.util.Arrays.fill(part, (byte) ' ');
    String head =
        "POST "
            + SERVICES
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + TOKEN
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + size
            + "\r\n\r\n";
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 17; i++) {
        Socket s = new Socket("127.0.0.1", boundedPort);
        sockets.add(s);
        s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(part); // all but the last 10 bytes: the body stays open
        s.getOutputStream().flush();
      }
      List<CompletableFuture<Reply>> replies = new ArrayList<>();
      for (Socket s : sockets) {
        replies.add(CompletableFuture.supplyAsync(() -> readWithin(s, 3000)));
      }
      List<Integer> statuses = new ArrayList<>();
      Reply refused = null;
      for (CompletableFuture<Reply> f : replies) {
        Reply r = f.get(60, TimeUnit.SECONDS);
        statuses.add(r.status());
        refused = r.status() == 503 ? r : refused;
      }
      // 0: still reading its body, within the bound
      assertThat(statuses).containsOnlyOnce(503).containsOnly(0, 503);
      assertThat(refused.header("retry-after")).isEqualTo("1");
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
    // Closed mid-body, the sixteen gave their share back: as large a body is read again (a leaked
    // share would leave room for less than 3.3 MB, and the answer would be an immediate 503).
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              try (Socket s = new Socket("127.0.0.1", boundedPort)) {
                s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(part);
                assertThat(readWithin(s, 2000).status()).as("still reading the body").isZero();
              }
            });
    bounded.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aManifestOfThreeAndAHalfMegabytesIsNotAParserError() throws Exception {
    // Over SnakeYAML's default 3 MB, under the 4 MiB body limit. Parsing a scalar this long takes
    // the YAML parser seconds (on a worker thread), hence the long wait.
    String big =
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: big\n"
            + "  annotations:\n    big: \""
            + "x".repeat(3_600_000)
            + "\"\nspec:\n  template: {spec: {containers: [{command: [app]}]}}\n";
    Reply r =
        exchange(
            request(
                "POST",
                SERVICES,
                "Authorization",
                "Bearer " + TOKEN,
                "Content-Type",
                "application/yaml",
                big),
            Duration.ofSeconds(180));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    // One byte over the limit: 413 before the body is read.
    Reply over =
        exchange(
            "POST "
                + SERVICES
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + TOKEN
                + "\r\nContent-Type: application/yaml\r\nContent-Length: "
                + (AdminApi.MAX_BODY_BYTES + 1)
                + "\r\n\r\n");
    assertThat(over.status()).isEqualTo(413);
  }

  @Test
  void aBodyThatStallsGets408AndExpectContinueIsAnswered() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      s.getOutputStream()
          .write(
              ("POST "
                      + SERVICES
                      + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                      + TOKEN
                      + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":")
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(read(s.getInputStream()).status()).isEqualTo(408);
    }
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      String body = service("expecting", dir.resolve("z").toString());
      s.getOutputStream()
          .write(
              ("POST "
                      + SERVICES
                      + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                      + TOKEN
                      + "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                      + "Content-Length: "
                      + body.length()
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      assertThat(read(in).status()).isEqualTo(100);
      s.getOutputStream().write(body.getBytes(StandardCharsets.US_ASCII));
      assertThat(read(in).status()).isEqualTo(201);
    }
  }

  // ---- Low: client mistakes are not server errors

  @Test
  void clientMistakesAreNeverLoggedAtError() throws Exception {
    int before = logged.list.size();
    List<String> hostile =
        List.of(
            "GET " + SERVICES + " HTTP/1.1\r\nHost: %41\r\n\r\n",
            "POST "
                + SERVICES
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n",
            "POST "
                + SERVICES
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + TOKEN
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
            "GARBAGE\r\n\r\n",
            "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(40_000) + "\r\n\r\n",
            "GET /apis/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + TOKEN
                + "\r\n\r\n",
            request(
                "POST",
                SERVICES,
                "Authorization",
                "Bearer " + TOKEN,
                "Content-Type",
                "application/json",
                "{not json"),
            request(
                "PUT",
                SERVICES + "/x",
                "Authorization",
                "Bearer " + TOKEN,
                "Content-Type",
                "application/json",
                "[]"));
    for (String h : hostile) {
      Reply r;
      try {
        r = exchange(h);
      } catch (SocketException reset) {
        continue; // closed on the client: acceptable for garbage
      }
      assertThat(r.status()).as(h.substring(0, Math.min(60, h.length()))).isBetween(-1, 499);
    }
    // Logging is synchronous, but a connection's close (and anything logged then) may follow the
    // response the client read; there is no event to wait for when nothing is logged.
    Thread.sleep(500);
    List<ILoggingEvent> errors =
        logged.list.subList(before, logged.list.size()).stream()
            .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
            .toList();
    assertThat(errors).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
  }
}
