package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.Instance;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 16's gateway findings, each with its exact payload over raw sockets, against a backend that
 * records every request it receives: request smuggling after a rejection, chunked-encoding
 * differentials, a Host that crashed the authority parser, stalled bodies, and the request rules
 * (targets, absolute-form, internal headers, Expect, upgrades). The smuggling tests repeat their
 * payload many times, as the report did, and assert that the smuggled request never reaches the
 * backend. No test may leave an ERROR in the gateway's log.
 */
class GatewayRequestRulesIT {
  private static final String HOST = "hello.default.localhost";
  private static final NamespacedName REV = new NamespacedName("default", "hello-00001");
  private static final String SMUGGLED = "GET /SMUGGLED HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n";

  private Vertx vertx;
  private HttpServer backend;
  private DataPlane dataPlane;
  private int port;

  /** Every request the backend received, as {@code METHOD uri}. */
  private final Queue<String> received = new ConcurrentLinkedQueue<>();

  /** The headers and body of the last request per uri. */
  private final Map<String, MultiMap> headersByUri = new ConcurrentHashMap<>();

  private final Map<String, String> bodyByUri = new ConcurrentHashMap<>();
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private RecordingObserver observer;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    backend =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  received.add(req.method() + " " + req.uri());
                  headersByUri.put(
                      req.uri(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
                  req.body()
                      .onSuccess(
                          b -> {
                            bodyByUri.put(req.uri(), b.toString());
                            req.response().end("ok:" + b);
                          });
                })
            .listen(0, "127.0.0.1")
            .await(30, TimeUnit.SECONDS);
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    logged.start();
    root.addAppender(logged);
    start(DataPlaneOptions.defaults());
  }

  private void start(DataPlaneOptions options) throws Exception {
    if (dataPlane != null) {
      dataPlane.close();
    }
    dataPlane = new DataPlane(options.withBind("127.0.0.1", 0).withEventLoops(2), stat -> {});
    observer =
        new RecordingObserver() {
          @Override
          public Recorder revisionAdded(NamespacedName revision) {
            if (revision.name().startsWith("boom")) {
              throw new IllegalStateException("an unforeseen failure for " + revision);
            }
            return super.revisionAdded(revision);
          }
        };
    dataPlane.observe(observer, false);
    port = dataPlane.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    dataPlane.updateRoutes(
        RoutingTable.of(Map.of(HOST, List.of(new RoutingTable.Target(REV, 100)))));
    dataPlane.updateRevision(new RevisionConfig(REV, "hello", "hello", 0, 0, null, null, false));
    dataPlane.updateInstances(REV, List.of(new Instance("i1", "127.0.0.1", backend.actualPort())));
    dataPlane.updateMode(REV, SksMode.SERVE);
  }

  @AfterEach
  void tearDown() throws Exception {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .detachAppender(logged);
    dataPlane.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    assertThat(logged.list)
        .as("nothing a client sends is logged at ERROR")
        .noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR));
  }

  /**
   * A well-formed request on a fresh connection, awaited at the backend: whatever an earlier
   * payload smuggled would have been dispatched before it.
   */
  private void sentinel() throws Exception {
    String reply =
        RawHttp.untilClosed(
            port, "GET /sentinel HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n");
    assertThat(reply).startsWith("HTTP/1.1 200");
    await().atMost(Duration.ofSeconds(30)).until(() -> received.contains("GET /sentinel"));
  }

  private static String post(String headers, String body) {
    return "POST / HTTP/1.1\r\nHost: " + HOST + "\r\n" + headers + "\r\n" + body;
  }

  // ---- smuggling after a rejection (finding 3)

  @Test
  void contentLengthBesideChunkedIs400AndTheSmuggledRequestNeverArrives() throws Exception {
    for (int i = 0; i < 80; i++) {
      String framing =
          i % 2 == 0
              ? "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n"
              : "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n";
      String reply = RawHttp.untilClosed(port, post(framing, "0\r\n\r\n" + SMUGGLED));
      assertThat(reply).as("try " + i).startsWith("HTTP/1.1 400").doesNotContain("HTTP/1.1 200");
    }
    sentinel();
    assertThat(received).containsExactly("GET /sentinel");
  }

  @Test
  void nothingAfterA404WithConnectionCloseIsDispatched() throws Exception {
    String unknown = "Host: nope.default.localhost\r\nConnection: close\r\n";
    List<String> firsts =
        List.of(
            "GET / HTTP/1.1\r\n" + unknown + "\r\n",
            "POST / HTTP/1.1\r\n" + unknown + "Content-Length: 3\r\n\r\nabc",
            "POST / HTTP/1.1\r\n"
                + unknown
                + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            "GET / HTTP/1.0\r\nHost: nope.default.localhost\r\n\r\n");
    for (int i = 0; i < 80; i++) {
      String first = firsts.get(i % firsts.size());
      // pipelined in the same packet
      String reply = RawHttp.untilClosed(port, first + SMUGGLED);
      assertThat(reply).as("try " + i).contains(" 404 ").doesNotContain("HTTP/1.1 200");
      // sent once the 404 has arrived, before the close does
      try (Socket socket = RawHttp.open(port, first)) {
        assertThat(RawHttp.readUntil(socket.getInputStream(), "\r\n\r\n")).contains(" 404 ");
        try {
          RawHttp.send(socket, SMUGGLED);
          assertThat(RawHttp.untilClosed(socket)).doesNotContain("HTTP/1.1 200");
        } catch (java.io.IOException closedMeanwhile) {
          // the gateway had closed: nothing could be sent
        }
      }
    }
    sentinel();
    assertThat(received).containsExactly("GET /sentinel");
  }

  @Test
  void aRequestPipelinedAfterConnectionCloseIsNeverDispatched() throws Exception {
    for (int i = 0; i < 80; i++) {
      String reply =
          RawHttp.untilClosed(
              port,
              "GET /first HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n" + SMUGGLED);
      assertThat(reply).as("try " + i).startsWith("HTTP/1.1 200").endsWith("ok:");
    }
    sentinel();
    assertThat(received).doesNotContain("GET /SMUGGLED").contains("GET /first");
  }

  @Test
  void requestsAfterARejectedOneOnTheSameConnectionAreNotRead() throws Exception {
    // a bad Host: 400, and the well-formed request behind it on the connection is never read
    String reply =
        RawHttp.untilClosed(port, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n" + SMUGGLED + SMUGGLED);
    assertThat(reply).startsWith("HTTP/1.1 400").doesNotContain("HTTP/1.1 200");
    sentinel();
    assertThat(received).containsExactly("GET /sentinel");
  }

  // ---- chunked-encoding differentials (finding 4)

  @Test
  void aChunkSizeThatWouldWrapToThreeNeverLetsTheNextRequestThrough() throws Exception {
    for (int i = 0; i < 20; i++) {
      String reply =
          RawHttp.untilClosed(
              port,
              post("Transfer-Encoding: chunked\r\n", "100000003\r\nabc\r\n0\r\n\r\n" + SMUGGLED));
      assertThat(reply).as("try " + i).doesNotContain("HTTP/1.1 200");
    }
    sentinel();
    assertThat(received).doesNotContain("GET /SMUGGLED");
  }

  @Test
  void aQuotedChunkExtensionAcrossALineBreakIsRefused() throws Exception {
    // CVE-2026-33870: a parser that lets the quoted string run over CRLF reads one chunk; one
    // that stops at the CRLF reads a chunk "X", the last chunk, then a second request
    for (int i = 0; i < 20; i++) {
      String reply =
          RawHttp.untilClosed(
              port,
              post(
                  "Transfer-Encoding: chunked\r\n",
                  "1;a=\"\r\nX\r\n0\r\n\r\n" + SMUGGLED + "\"\r\nY\r\n0\r\n\r\n"));
      assertThat(reply).as("try " + i).doesNotContain("HTTP/1.1 200");
    }
    sentinel();
    assertThat(received).doesNotContain("GET /SMUGGLED");
    assertThat(bodyByUri.get("/")).as("no body was forwarded as sent").isNull();
  }

  @Test
  void transferEncodingMustBeExactlyOneChunked() throws Exception {
    List<String> framings =
        List.of(
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
            "Transfer-Encoding:\r\n chunked\r\n",
            "Transfer-Encoding: gzip, chunked\r\n",
            "Transfer-Encoding: chunked, chunked\r\n",
            "Transfer-Encoding: identity\r\n",
            "Transfer-Encoding: gzip\r\n",
            "Transfer-Encoding: xchunked\r\n",
            "Transfer-Encoding: \"chunked\"\r\n");
    for (String framing : framings) {
      String reply = RawHttp.untilClosed(port, post(framing, "3\r\nabc\r\n0\r\n\r\n" + SMUGGLED));
      assertThat(reply).as(framing).startsWith("HTTP/1.1 400").doesNotContain("HTTP/1.1 200");
    }
    sentinel();
    assertThat(received).containsExactly("GET /sentinel");
    // the one accepted form still works
    String ok =
        RawHttp.untilClosed(
            port,
            post("Transfer-Encoding: chunked\r\nConnection: close\r\n", "3\r\nabc\r\n0\r\n\r\n"));
    assertThat(ok).startsWith("HTTP/1.1 200").endsWith("ok:abc");
  }

  // ---- a Host the authority parser choked on (finding 5)

  @Test
  void percentInHostIs400AndTheConnectionCloses() throws Exception {
    for (String host : List.of("%41", "%", "a%4", "%41%42.default.localhost", "[::1", "h:99999")) {
      String reply = RawHttp.untilClosed(port, "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
      assertThat(reply)
          .as(host)
          .startsWith("HTTP/1.1 400")
          .contains("missing or malformed Host header");
    }
    assertThat(received).isEmpty();
  }

  // ---- slow bodies (finding 8)

  @Test
  void aBodyThatStallsGets408AndIsCounted() throws Exception {
    start(DataPlaneOptions.defaults().withRequestBodyIdleTimeout(Duration.ofMillis(500)));
    try (Socket socket = RawHttp.open(port, post("Content-Length: 10\r\n", "abc"))) {
      long t0 = System.nanoTime();
      String reply = RawHttp.untilClosed(socket);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(reply).startsWith("HTTP/1.1 408").contains("request body timeout");
      assertThat(ms).isGreaterThanOrEqualTo(400);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> observer.seen.contains("done 408 direct"));
    assertThat(bodyByUri).doesNotContainKey("/");
  }

  @Test
  void aBodyThatKeepsComingIsNotCut() throws Exception {
    start(DataPlaneOptions.defaults().withRequestBodyIdleTimeout(Duration.ofMillis(500)));
    try (Socket socket = RawHttp.open(port, post("Content-Length: 8\r\n", ""))) {
      // 8 bytes over ~1.6 s, one per 200 ms: never idle for the 500 ms timeout
      for (char c : "trickled".toCharArray()) {
        Thread.sleep(200);
        RawHttp.send(socket, String.valueOf(c));
      }
      String reply = RawHttp.readUntil(socket.getInputStream(), "ok:trickled");
      assertThat(reply).startsWith("HTTP/1.1 200").endsWith("ok:trickled");
    }
  }

  @Test
  void theBodyIdleTimeoutIsOnByDefault() {
    assertThat(DataPlaneOptions.defaults().requestBodyIdleTimeout()).isPositive();
  }

  // ---- the low findings

  @Test
  void aBodyWhoseLengthIsNamedInConnectionIsForwarded() throws Exception {
    String reply =
        RawHttp.untilClosed(
            port,
            "POST /named HTTP/1.1\r\nHost: "
                + HOST
                + "\r\nConnection: close, Content-Length\r\nContent-Length: 5\r\n\r\nhello");
    assertThat(reply).startsWith("HTTP/1.1 200").endsWith("ok:hello");
    assertThat(bodyByUri.get("/named")).isEqualTo("hello");
  }

  @Test
  void controlBytesAndAuthorityFormTargetsAre400() throws Exception {
    List<String> requests =
        List.of(
            "GET /a\u0001b HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n",
            "GET /a\u007fb HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n",
            "GET /a\tb HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n",
            "GET /a\u0000b HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n",
            "CONNECT " + HOST + ":80 HTTP/1.1\r\nHost: " + HOST + ":80\r\n\r\n",
            "GET " + HOST + ":80 HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n",
            "GET * HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n",
            "GET https://" + HOST + "/ HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n",
            "GET http://user@" + HOST + "/ HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n",
            "GET http:///x HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
    for (String request : requests) {
      String reply = RawHttp.untilClosed(port, request);
      // Netty answers a request line it cannot split as HTTP/1.0
      assertThat(reply).as(request).matches("(?s)HTTP/1\\.[01] 400 .*");
    }
    assertThat(received).isEmpty();
  }

  @Test
  void theAbsoluteFormAuthorityRoutesAndIsTheHostTheAppSees() throws Exception {
    String reply =
        RawHttp.untilClosed(
            port,
            "GET http://"
                + HOST
                + "/abs?q=1 HTTP/1.1\r\nHost: other.default.localhost\r\nConnection: close\r\n\r\n");
    assertThat(reply).startsWith("HTTP/1.1 200");
    assertThat(received).containsExactly("GET /abs?q=1");
    assertThat(headersByUri.get("/abs?q=1").get("host")).isEqualTo(HOST);

    // and the other way round: a routed Host does not rescue an unrouted absolute-form authority
    String other =
        RawHttp.untilClosed(
            port, "GET http://other.default.localhost/ HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
    assertThat(other).startsWith("HTTP/1.1 404").contains("other.default.localhost");
    assertThat(received).hasSize(1);
  }

  @Test
  void internalHeadersAreStrippedInEverySpelling() throws Exception {
    RawHttp.untilClosed(
        port,
        "GET /internal HTTP/1.1\r\nHost: "
            + HOST
            + "\r\nConnection: close\r\nK_Proxy_Request: activator\r\nK-Proxy-Request: x\r\n"
            + "Knative_Serving_Revision: evil\r\nKnative-Serving_Namespace: evil\r\n"
            + "knative_serving-x: evil\r\nk_foo: x\r\nKnativeX: kept\r\nK: kept\r\n\r\n");
    MultiMap h = headersByUri.get("/internal");
    assertThat(h.names())
        .noneMatch(n -> n.toLowerCase().replace('_', '-').startsWith("k-"))
        .noneMatch(n -> n.toLowerCase().replace('_', '-').startsWith("knative-serving-"));
    assertThat(h.get("knativex")).isEqualTo("kept");
    assertThat(h.get("k")).isEqualTo("kept");
  }

  @Test
  void expect100ContinueIsAnsweredBeforeTheBodyIsSent() throws Exception {
    try (Socket socket =
        RawHttp.open(port, post("Expect: 100-continue\r\nContent-Length: 5\r\n", ""))) {
      InputStream in = socket.getInputStream();
      // the body is held back until the gateway says to go on (curl waits 1 s, then sends)
      assertThat(RawHttp.readUntil(in, "\r\n\r\n")).startsWith("HTTP/1.1 100 Continue");
      RawHttp.send(socket, "hello");
      assertThat(RawHttp.readUntil(in, "ok:hello")).startsWith("HTTP/1.1 200");
    }
    assertThat(headersByUri.get("/").contains("expect")).isFalse();
    String reply =
        RawHttp.untilClosed(port, post("Expect: something-else\r\nContent-Length: 5\r\n", ""));
    assertThat(reply).startsWith("HTTP/1.1 417");
  }

  @Test
  void anUpgradeRequestWithABodyIsProxiedAsAPlainRequest() throws Exception {
    String reply =
        RawHttp.untilClosed(
            port,
            post(
                "Upgrade: websocket\r\nConnection: Upgrade, close\r\nContent-Length: 5\r\n",
                "hello"));
    assertThat(reply).startsWith("HTTP/1.1 200").endsWith("ok:hello");
    assertThat(headersByUri.get("/").contains("upgrade")).isFalse();
  }

  @Test
  void badGatewayBodiesSayWhatHappenedWithoutJavaNames() throws Exception {
    HttpServer dying =
        vertx
            .createHttpServer()
            .requestHandler(req -> req.connection().close())
            .listen(0, "127.0.0.1")
            .await(30, TimeUnit.SECONDS);
    dataPlane.updateInstances(REV, List.of(new Instance("i2", "127.0.0.1", dying.actualPort())));
    String closed =
        RawHttp.untilClosed(
            port, "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n");
    assertThat(closed)
        .startsWith("HTTP/1.1 502")
        .contains("closed the connection")
        .doesNotContainPattern("[A-Za-z]+\\.[A-Za-z]+\\.[A-Za-z]+|Exception");

    int gone;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      gone = probe.getLocalPort();
    }
    dataPlane.updateInstances(REV, List.of(new Instance("i3", "127.0.0.1", gone)));
    String refused =
        RawHttp.untilClosed(
            port, "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n");
    assertThat(refused)
        .startsWith("HTTP/1.1 502")
        .contains("could not connect to the instance")
        .doesNotContainPattern("[A-Za-z]+\\.[A-Za-z]+\\.[A-Za-z]+|Exception");
  }

  @Test
  void everyAnswerTheGatewayMakesIsCountedAndLoggedOncePerPeriodAndReason() throws Exception {
    for (int i = 0; i < 20; i++) {
      String reply =
          RawHttp.untilClosed(
              port, "GET / HTTP/1.1\r\nHost: nope.default.localhost\r\nConnection: close\r\n\r\n");
      assertThat(reply).startsWith("HTTP/1.1 404");
    }
    int gone;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      gone = probe.getLocalPort();
    }
    dataPlane.updateInstances(REV, List.of(new Instance("i3", "127.0.0.1", gone)));
    for (int i = 0; i < 5; i++) {
      String reply =
          RawHttp.untilClosed(
              port, "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n");
      assertThat(reply).startsWith("HTTP/1.1 502");
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> observer.starting("answered").size() == 5);
    assertThat(observer.starting("refused")).hasSize(20).containsOnly("refused 404 no_route");
    assertThat(observer.starting("answered")).containsOnly("answered 502 connect_failed");
    List<String> warnings =
        logged.list.stream()
            .filter(e -> e.getLevel() == Level.WARN)
            .map(ILoggingEvent::getFormattedMessage)
            .toList();
    assertThat(warnings).as("one line per reason in the period").hasSize(2);
    assertThat(warnings.get(0))
        .startsWith("404 no_route: no route for host nope.default.localhost");
    assertThat(warnings.get(1))
        .startsWith(
            "revision default/hello-00001, instance i3: 502 connect_failed: could not connect to"
                + " the instance (")
        .contains("refused");
  }

  @Test
  void anExceptionWhileHandlingARequestIs400AndCloseLoggedAsOneShortLine() throws Exception {
    dataPlane.updateRoutes(
        RoutingTable.of(
            Map.of(
                "boom.default.localhost",
                List.of(
                    new RoutingTable.Target(new NamespacedName("default", "boom-00001"), 100)))));
    for (int i = 0; i < 50; i++) {
      String reply =
          RawHttp.untilClosed(port, "GET / HTTP/1.1\r\nHost: boom.default.localhost\r\n\r\n");
      assertThat(reply).as("try " + i).startsWith("HTTP/1.1 400").endsWith("bad request\n");
    }
    List<ILoggingEvent> warnings =
        logged.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    assertThat(warnings).as("rate-limited: one line for 50 failures").hasSize(1);
    assertThat(warnings.get(0).getThrowableProxy()).as("no stack trace").isNull();
    assertThat(warnings.get(0).getFormattedMessage())
        .contains("could not be handled")
        .doesNotContain("Exception");
  }
}
