package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.stats.Stat;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DataPlaneIT {
  private static final String HOST = "hello.default.localhost";
  private static final NamespacedName REV = new NamespacedName("default", "hello-00001");

  private Vertx vertx;
  private HttpClient client;
  private DataPlane dataPlane;
  private int port;
  private final Queue<Stat> stats = new ConcurrentLinkedQueue<>();
  private final List<HttpServer> backends = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    client =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(false), new PoolOptions().setHttp1MaxSize(100));
    start(DataPlaneOptions.defaults());
  }

  private void start(DataPlaneOptions options) throws Exception {
    if (dataPlane != null) {
      dataPlane.close();
    }
    dataPlane = new DataPlane(options.withBind("127.0.0.1", 0).withEventLoops(2), stats::add);
    port = get(dataPlane.start());
    dataPlane.updateRoutes(
        RoutingTable.of(Map.of(HOST, List.of(new RoutingTable.Target(REV, 100)))));
  }

  @AfterEach
  void tearDown() throws Exception {
    dataPlane.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  // ---- helpers

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static <T> T get(Future<T> future) throws Exception {
    return get(future.toCompletionStage());
  }

  private Instance backend(Consumer<HttpServerRequest> handler) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(handler::accept);
    get(server.listen(0, "127.0.0.1"));
    backends.add(server);
    return new Instance("i" + backends.size(), "127.0.0.1", server.actualPort());
  }

  private Instance okBackend() throws Exception {
    return backend(req -> req.response().end("ok"));
  }

  private void config(int cc, int timeoutSeconds) {
    dataPlane.updateRevision(
        new RevisionConfig(REV, "hello", "hello", cc, timeoutSeconds, null, null, false));
  }

  private void serve(Instance... instances) {
    dataPlane.updateInstances(REV, List.of(instances));
    dataPlane.updateMode(REV, SksMode.SERVE);
  }

  record Reply(int status, MultiMap headers, String body) {}

  private CompletableFuture<Reply> send(String host, String path) {
    return send(new RequestOptions().setHost(host).setURI(path), null);
  }

  private CompletableFuture<Reply> send(RequestOptions options, Buffer body) {
    options.setServer(io.vertx.core.net.SocketAddress.inetSocketAddress(port, "127.0.0.1"));
    options.setPort(port);
    if (options.getMethod() == null) {
      options.setMethod(HttpMethod.GET);
    }
    return client
        .request(options)
        .compose(r -> body == null ? r.send() : r.send(body))
        .compose(
            resp ->
                resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())))
        .toCompletionStage()
        .toCompletableFuture();
  }

  // ---- tests

  @Test
  void serveModeProxiesWithForwardingHeadersAndStripsInternalOnes() throws Exception {
    AtomicReference<MultiMap> seen = new AtomicReference<>();
    AtomicReference<String> seenUri = new AtomicReference<>();
    Instance instance =
        backend(
            req -> {
              seen.set(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
              seenUri.set(req.uri());
              req.response().putHeader("x-app", "yes").end("hello");
            });
    config(0, 0);
    serve(instance);
    RequestOptions options =
        new RequestOptions()
            .setHost(HOST)
            .setURI("/path?q=1")
            .putHeader("X-Forwarded-For", "203.0.113.7")
            .putHeader("Knative-Serving-Revision", "other-00001")
            .putHeader("K-Foo", "bar")
            .putHeader("X-User", "kept")
            .putHeader("Keep-Alive", "timeout=5");
    Reply reply = get(send(options, null));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo("hello");
    assertThat(reply.headers().get("x-app")).isEqualTo("yes");
    MultiMap h = seen.get();
    assertThat(seenUri.get()).isEqualTo("/path?q=1");
    assertThat(h.get("host")).isEqualTo(HOST + ":" + port);
    assertThat(h.get("x-forwarded-for")).isEqualTo("203.0.113.7, 127.0.0.1");
    assertThat(h.get("x-forwarded-proto")).isEqualTo("http");
    assertThat(h.get("forwarded")).isEqualTo("for=127.0.0.1;proto=http");
    assertThat(h.get("x-user")).isEqualTo("kept");
    assertThat(h.contains("knative-serving-revision")).isFalse();
    assertThat(h.contains("k-foo")).isFalse();
    assertThat(h.contains("keep-alive")).isFalse();
    assertThat(dataPlane.publicEndpoints(REV)).containsExactly(instance.address());
  }

  @Test
  void streamsBodiesBothWaysWithoutBuffering() throws Exception {
    Instance echo =
        backend(
            req -> {
              req.response().setChunked(true);
              req.handler(b -> req.response().write(b));
              req.endHandler(v -> req.response().end());
            });
    config(0, 0);
    serve(echo);
    HttpClient streaming = vertx.createHttpClient();
    var request =
        get(
            streaming.request(
                new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setPort(port)
                    .setHost(HOST)
                    .setServer(io.vertx.core.net.SocketAddress.inetSocketAddress(port, "127.0.0.1"))
                    .setURI("/echo")));
    request.setChunked(true);
    CompletableFuture<Void> firstChunkEchoed = new CompletableFuture<>();
    StringBuilder received = new StringBuilder();
    CompletableFuture<String> done = new CompletableFuture<>();
    request
        .response()
        .onSuccess(
            resp -> {
              resp.handler(
                  b -> {
                    received.append(b);
                    firstChunkEchoed.complete(null);
                  });
              resp.endHandler(v -> done.complete(received.toString()));
            });
    request.write("ping-1;");
    // the echo comes back before the request ends: nothing buffers the whole body
    firstChunkEchoed.get(30, TimeUnit.SECONDS);
    request.write("ping-2;");
    request.end();
    assertThat(done.get(30, TimeUnit.SECONDS)).isEqualTo("ping-1;ping-2;");
  }

  @Test
  void holdsRequestInProxyModeUntilAnInstanceIsReady() throws Exception {
    config(1, 0);
    CompletableFuture<Reply> reply = send(HOST, "/");
    await().atMost(Duration.ofSeconds(30)).until(() -> dataPlane.heldRequests(REV) == 1);
    // the poke went out at once
    assertThat(stats)
        .anyMatch(s -> s.podName().equals("activator") && s.averageConcurrentRequests() == 1);
    assertThat(reply).isNotDone();
    assertThat(dataPlane.publicEndpoints(REV)).containsExactly(dataPlane.activatorAddress());

    dataPlane.updateInstances(REV, List.of(okBackend()));

    assertThat(get(reply).status()).isEqualTo(200);
    assertThat(get(reply).body()).isEqualTo("ok");
  }

  @Test
  void proxyModeUnderLoadAnswersEveryRequestAndGivesEverySlotBack() throws Exception {
    Instance a = okBackend();
    Instance b = okBackend();
    config(2, 0);
    dataPlane.updateInstances(REV, List.of(a, b)); // mode stays Proxy: every request is throttled
    HttpClient keepAlive =
        vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(20));
    List<Future<Integer>> replies = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      replies.add(
          keepAlive
              .request(
                  new RequestOptions()
                      .setServer(
                          io.vertx.core.net.SocketAddress.inetSocketAddress(port, "127.0.0.1"))
                      .setHost(HOST)
                      .setPort(port)
                      .setURI("/"))
              .compose(r -> r.send().compose(resp -> resp.body().map(x -> resp.statusCode()))));
    }
    for (Future<Integer> f : replies) {
      assertThat(get(f)).isEqualTo(200);
    }
    RevisionState rev = dataPlane.revisionState(REV);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                rev.throttler.inFlight() == 0
                    && dataPlane.queue(a.id()).breaker.inFlight() == 0
                    && dataPlane.queue(b.id()).breaker.inFlight() == 0);
    // both instances served, and the queues counted those requests as proxied
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                stats.stream()
                        .anyMatch(s -> s.podName().equals(a.id()) && s.proxiedRequestCount() > 0)
                    && stats.stream()
                        .anyMatch(s -> s.podName().equals(b.id()) && s.proxiedRequestCount() > 0));
    assertThat(stats).anyMatch(s -> s.podName().equals("activator") && s.requestCount() > 0);
  }

  @Test
  void rejectsBeyondTheHeldBoundWithRetryAfter() throws Exception {
    start(DataPlaneOptions.defaults().withMaxHeldRequestsPerRevision(1));
    config(1, 0);
    CompletableFuture<Reply> held = send(HOST, "/");
    await().atMost(Duration.ofSeconds(30)).until(() -> dataPlane.heldRequests(REV) == 1);
    Reply rejected = get(send(HOST, "/"));
    assertThat(rejected.status()).isEqualTo(503);
    assertThat(rejected.headers().get("retry-after")).isEqualTo("1");
    assertThat(held).isNotDone();
  }

  @Test
  void heldRequestTimesOutWith504() throws Exception {
    config(0, 1);
    Reply reply = get(send(HOST, "/"));
    assertThat(reply.status()).isEqualTo(504);
    assertThat(reply.body()).isEqualTo("activator request timeout\n");
    await().atMost(Duration.ofSeconds(30)).until(() -> dataPlane.heldRequests(REV) == 0);
  }

  @Test
  void responseStartTimeoutIs504WhenTheInstanceSendsNothing() throws Exception {
    Instance silent = backend(req -> {});
    dataPlane.updateRevision(new RevisionConfig(REV, "hello", "hello", 0, 300, 1, null, false));
    serve(silent);
    Reply reply = get(send(HOST, "/"));
    assertThat(reply.status()).isEqualTo(504);
    assertThat(reply.body()).isEqualTo("request timeout\n");
    // the instance is free again: nothing stays in flight
    get(dataPlane.awaitIdle(silent.id(), Duration.ofSeconds(30)));
    assertThat(dataPlane.queue(silent.id()).stats.concurrency()).isZero();
  }

  @Test
  void failedRevisionAnswers503AtOnceNamingIt() throws Exception {
    config(0, 0);
    CompletableFuture<Reply> held = send(HOST, "/");
    await().atMost(Duration.ofSeconds(30)).until(() -> dataPlane.heldRequests(REV) == 1);
    dataPlane.failRevision(REV, "ExitCode1", "container exited");
    Reply heldReply = get(held);
    assertThat(heldReply.status()).isEqualTo(503);
    assertThat(heldReply.body()).contains("default/hello-00001").contains("ExitCode1");
    Reply fresh = get(send(HOST, "/"));
    assertThat(fresh.status()).isEqualTo(503);
    assertThat(fresh.body()).contains("default/hello-00001");

    dataPlane.clearFailure(REV);
    dataPlane.updateInstances(REV, List.of(okBackend()));
    assertThat(get(send(HOST, "/")).status()).isEqualTo(200);
  }

  @Test
  void unknownHostIs404NamingIt() throws Exception {
    Reply reply = get(send("nope.default.localhost", "/"));
    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.body()).contains("nope.default.localhost");
  }

  @Test
  void queueRejectsBeyondElevenTimesConcurrencyWith503() throws Exception {
    Queue<HttpServerRequest> parked = new ConcurrentLinkedQueue<>();
    Instance slow = backend(parked::add);
    config(1, 0);
    serve(slow);
    List<CompletableFuture<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      replies.add(send(HOST, "/"));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> parked.size() == 1 && dataPlane.queue(slow.id()).breaker.waiting() == 10);
    // 1 in flight + 10 waiting: the 12th is refused at once
    Reply rejected = get(send(HOST, "/"));
    assertThat(rejected.status()).isEqualTo(503);
    assertThat(rejected).isNotNull();
    assertThat(rejected.headers().get("retry-after")).isEqualTo("1");
    assertThat(parked).hasSize(1);
    // releasing the instance lets every waiter through, one at a time
    vertx.setPeriodic(
        20,
        id -> {
          HttpServerRequest r = parked.poll();
          if (r != null) {
            r.response().end("done");
          }
        });
    for (CompletableFuture<Reply> r : replies) {
      assertThat(get(r).status()).isEqualTo(200);
    }
  }

  @Test
  void connectionThatCannotBeOpenedIsTriedOnAnotherInstance() throws Exception {
    int closedPort;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    Instance gone = new Instance("gone", "127.0.0.1", closedPort);
    config(0, 0);
    serve(gone, okBackend());
    for (int i = 0; i < 6; i++) {
      assertThat(get(send(HOST, "/")).status()).isEqualTo(200);
    }
  }

  @Test
  void upstreamDyingMidRequestIs502() throws Exception {
    Instance dying = backend(req -> req.connection().close());
    config(0, 0);
    serve(dying);
    Reply reply = get(send(HOST, "/"));
    assertThat(reply.status()).isEqualTo(502);
    assertThat(reply.body()).contains("default/hello-00001");
  }

  @Test
  void awaitIdleCompletesOnlyAfterInFlightRequestsEnd() throws Exception {
    Promise<HttpServerRequest> parked = Promise.promise();
    Instance slow = backend(parked::tryComplete);
    config(0, 0);
    serve(slow);
    CompletableFuture<Reply> reply = send(HOST, "/");
    HttpServerRequest inFlight = get(parked.future());
    dataPlane.updateInstances(REV, List.of());
    CompletableFuture<Void> idle =
        dataPlane.awaitIdle(slow.id(), Duration.ofSeconds(60)).toCompletableFuture();
    assertThat(idle).isNotDone();
    inFlight.response().end("late");
    assertThat(get(reply).body()).isEqualTo("late");
    get(idle);
    assertThat(dataPlane.awaitIdle("unknown", Duration.ofSeconds(1)).toCompletableFuture())
        .isDone();
  }

  @Test
  void reportsQueueStatsEverySecond() throws Exception {
    Instance instance = okBackend();
    config(0, 0);
    serve(instance);
    assertThat(get(send(HOST, "/")).status()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                stats.stream()
                    .anyMatch(
                        s ->
                            s.podName().equals(instance.id())
                                && s.revision().equals(REV)
                                && s.requestCount() == 1));
  }

  @Test
  void passesWebSocketsThrough() throws Exception {
    HttpServer wsServer =
        vertx.createHttpServer().webSocketHandler(ws -> ws.handler(b -> ws.write(b)));
    get(wsServer.listen(0, "127.0.0.1"));
    Instance instance = new Instance("ws", "127.0.0.1", wsServer.actualPort());
    config(0, 0);
    serve(instance);
    io.vertx.core.http.WebSocketConnectOptions options =
        new io.vertx.core.http.WebSocketConnectOptions();
    // the WebSocket client resolves the host it is given, so route the loopback address
    dataPlane.updateRoutes(
        RoutingTable.of(Map.of("127.0.0.1", List.of(new RoutingTable.Target(REV, 100)))));
    options.setHost("127.0.0.1").setPort(port).setURI("/ws");
    String rawReply =
        raw(
            "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    assertThat(rawReply)
        .startsWith("HTTP/1.1 101")
        .contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    var wsClient = vertx.createWebSocketClient();
    io.vertx.core.http.WebSocket ws = get(wsClient.connect(options));
    CompletableFuture<String> echoed = new CompletableFuture<>();
    ws.handler(b -> echoed.complete(b.toString()));
    ws.writeTextMessage("hi there");
    assertThat(echoed.get(30, TimeUnit.SECONDS)).isEqualTo("hi there");
    get(ws.close());
    get(wsServer.close());
  }

  // ---- hostile HTTP over raw sockets

  private Socket open(String request) throws Exception {
    return RawHttp.open(port, request);
  }

  private String raw(String request) throws Exception {
    return RawHttp.raw(port, request);
  }

  @Test
  void hostIsForwardedExactlyAsSent() throws Exception {
    config(0, 0);
    serve(backend(req -> req.response().end("host=" + req.getHeader("host"))));
    String response = raw("GET / HTTP/1.1\r\nHost: Hello.Default.Localhost\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 200").endsWith("host=Hello.Default.Localhost");
  }

  @Test
  void duplicateContentLengthIs400() throws Exception {
    config(0, 0);
    serve(okBackend());
    String response =
        raw(
            "POST / HTTP/1.1\r\nHost: "
                + HOST
                + "\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
    assertThat(response).startsWith("HTTP/1.1 400");
  }

  @Test
  void contentLengthWithTransferEncodingIs400() throws Exception {
    config(0, 0);
    serve(okBackend());
    String response =
        raw(
            "POST / HTTP/1.1\r\nHost: "
                + HOST
                + "\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 400");
  }

  @Test
  void unsupportedTransferEncodingIs400() throws Exception {
    config(0, 0);
    serve(okBackend());
    String response =
        raw("POST / HTTP/1.1\r\nHost: " + HOST + "\r\nTransfer-Encoding: gzip\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 400");
  }

  @Test
  void hugeHeaderIs431() throws Exception {
    String response =
        raw("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 431");
  }

  @Test
  void longUriIs414() throws Exception {
    String response = raw("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
    assertThat(response).matches("(?s)HTTP/1\\.[01] 414.*");
  }

  @Test
  void bodyBeyondTheLimitIs413() throws Exception {
    start(DataPlaneOptions.defaults().withLimits(8192, 8192, 10, Duration.ofSeconds(10)));
    config(0, 0);
    serve(okBackend());
    String declared =
        raw("POST / HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 11\r\n\r\nabcdefghijk");
    assertThat(declared).startsWith("HTTP/1.1 413");
    String chunked =
        raw(
            "POST / HTTP/1.1\r\nHost: "
                + HOST
                + "\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n");
    assertThat(chunked).startsWith("HTTP/1.1 413");
  }

  @Test
  void slowHeaderSenderIsCutOff() throws Exception {
    start(DataPlaneOptions.defaults().withLimits(8192, 8192, 1024, Duration.ofMillis(300)));
    try (Socket socket = open("GET / HTTP/1.1\r\nHost: ")) {
      // never finishes its headers: the gateway closes the connection
      assertThat(socket.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void twoHostHeadersAre400() throws Exception {
    config(0, 0);
    serve(okBackend());
    String response = raw("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nHost: " + HOST + "\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 400").contains("missing or malformed Host header");
  }

  @Test
  void headersNamedInConnectionAreDroppedBothWays() throws Exception {
    AtomicReference<MultiMap> seen = new AtomicReference<>();
    config(0, 0);
    serve(
        backend(
            req -> {
              seen.set(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
              req.response()
                  .putHeader("Connection", "X-Reply-Hop")
                  .putHeader("X-Reply-Hop", "1")
                  .putHeader("X-Reply", "2")
                  .end("done");
            }));
    try (Socket socket =
        open(
            "GET / HTTP/1.1\r\nHost: "
                + HOST
                + "\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nX-End: 2\r\n"
                + "Forwarded: for=203.0.113.7\r\n\r\n")) {
      String response = readUntil(socket.getInputStream(), "done").toLowerCase();
      assertThat(response).startsWith("http/1.1 200").contains("x-reply: 2");
      assertThat(response).doesNotContain("x-reply-hop");
    }
    MultiMap h = seen.get();
    assertThat(h.contains("x-hop")).isFalse();
    assertThat(h.get("x-end")).isEqualTo("2");
    assertThat(h.get("forwarded")).isEqualTo("for=203.0.113.7, for=127.0.0.1;proto=http");
  }

  @Test
  void idleKeepAliveConnectionIsClosedAfterTheTimeout() throws Exception {
    start(DataPlaneOptions.defaults().withLimits(8192, 8192, 1024, Duration.ofMillis(300)));
    config(0, 0);
    serve(okBackend());
    try (Socket socket = open("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n")) {
      InputStream in = socket.getInputStream();
      String response = readUntil(in, "ok");
      assertThat(response).startsWith("HTTP/1.1 200");
      // the response ended and no next request comes: the gateway closes the connection
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void requestInProgressOutlivesTheHeaderReadTimeout() throws Exception {
    start(DataPlaneOptions.defaults().withLimits(8192, 8192, 1024, Duration.ofMillis(300)));
    config(0, 0);
    // answers after three header-read timeouts: the connection is busy, not idle, meanwhile
    serve(backend(req -> vertx.setTimer(900, id -> req.response().end("late"))));
    try (Socket socket = open("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n")) {
      String response = readUntil(socket.getInputStream(), "late");
      assertThat(response).startsWith("HTTP/1.1 200").endsWith("late");
    }
  }

  private static String readUntil(InputStream in, String end) throws Exception {
    return RawHttp.readUntil(in, end);
  }
}
