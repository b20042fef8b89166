package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.Instance;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When the gateway sends a request to an instance a second time: a connection that closes after the
 * request went out and before any response is retried once for an idempotent request without a body
 * or with a body of at most 64 KiB (on another ready instance, else through the activator); a POST,
 * a larger or chunked body, or a request whose response had begun is never sent twice.
 */
class RetryIT {
  private static final String HOST = "hello.default.localhost";
  private static final NamespacedName REV = new NamespacedName("default", "hello-00001");

  private Vertx vertx;
  private HttpClient client;
  private DataPlane dataPlane;
  private int instances;
  private final RecordingObserver observer = new RecordingObserver();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    dataPlane =
        new DataPlane(
            DataPlaneOptions.defaults().withBind("127.0.0.1", 0).withEventLoops(2), stat -> {});
    dataPlane.observe(observer, false);
    dataPlane.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    dataPlane.updateRoutes(
        RoutingTable.of(Map.of(HOST, List.of(new RoutingTable.Target(REV, 100)))));
    dataPlane.updateRevision(new RevisionConfig(REV, "hello", "hello", 0, 0, null, null, false));
  }

  @AfterEach
  void tearDown() throws Exception {
    dataPlane.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A backend counting the requests it receives; {@code handler} answers (or not). */
  private Instance backend(AtomicInteger received, Consumer<HttpServerRequest> handler)
      throws Exception {
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  received.incrementAndGet();
                  handler.accept(req);
                })
            .listen(0, "127.0.0.1")
            .await(30, TimeUnit.SECONDS);
    return new Instance("i" + ++instances, "127.0.0.1", server.actualPort());
  }

  /** Closes the connection of every request it receives, before any response. */
  private Instance closer(AtomicInteger received) throws Exception {
    return backend(received, req -> req.connection().close());
  }

  private Instance ok(AtomicInteger received) throws Exception {
    return backend(received, req -> req.body().onSuccess(b -> req.response().end("ok")));
  }

  private void serve(Instance... instances) {
    dataPlane.updateInstances(REV, List.of(instances));
    dataPlane.updateMode(REV, SksMode.SERVE);
  }

  /** The status, or -1 when the connection closed without a complete response. */
  private int send(HttpMethod method, String body) throws Exception {
    return send(method, body, false);
  }

  /** Likewise, with the body in chunked transfer coding if {@code chunked}. */
  private int send(HttpMethod method, String body, boolean chunked) throws Exception {
    RequestOptions options =
        new RequestOptions()
            .setServer(SocketAddress.inetSocketAddress(dataPlane.port(), "127.0.0.1"))
            .setHost(HOST)
            .setPort(dataPlane.port())
            .setURI("/")
            .setMethod(method);
    return client
        .request(options)
        .compose(r -> body == null ? r.send() : r.setChunked(chunked).send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .otherwise(-1)
        .await(30, TimeUnit.SECONDS);
  }

  @Test
  void anIdempotentRequestWhoseConnectionClosedIsSentToAnotherInstance() throws Exception {
    AtomicInteger closed = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    serve(closer(closed), ok(answered));
    for (HttpMethod m :
        List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.DELETE, HttpMethod.OPTIONS)) {
      for (int i = 0; i < 2; i++) { // round robin: one of two picks the closing instance first
        assertThat(send(m, null)).as(m.name()).isEqualTo(200);
      }
    }
    assertThat(closed.get()).isBetween(4, 8);
    assertThat(answered.get()).isEqualTo(8);
    assertThat(observer.starting("retried "))
        .hasSize(closed.get())
        .containsOnly("retried closed_before_response");
  }

  @Test
  void theOnlyInstanceIsAskedAgainThroughTheActivator() throws Exception {
    AtomicInteger received = new AtomicInteger();
    Instance once =
        backend(
            received,
            req -> {
              if (received.get() == 1) {
                req.connection().close();
              } else {
                req.response().end("ok");
              }
            });
    serve(once);
    assertThat(send(HttpMethod.GET, null)).isEqualTo(200);
    assertThat(received.get()).isEqualTo(2);
    assertThat(observer.starting("retried ")).containsExactly("retried closed_before_response");
  }

  @Test
  void aRequestIsSentTwiceAtMost() throws Exception {
    AtomicInteger received = new AtomicInteger();
    serve(closer(received));
    assertThat(send(HttpMethod.GET, null)).isEqualTo(502);
    assertThat(received.get()).isEqualTo(2);
    assertThat(observer.starting("retried ")).containsExactly("retried closed_before_response");
    assertThat(observer.starting("answered ")).containsExactly("answered 502 upstream_closed");
  }

  @Test
  void aSmallBodyIsKeptAndSentAgainWithAnIdempotentRequest() throws Exception {
    AtomicInteger closed = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    Queue<String> bodies = new ConcurrentLinkedQueue<>();
    String body = "x".repeat(60_000) + "-end";
    serve(
        closer(closed),
        backend(
            answered,
            req ->
                req.body()
                    .onSuccess(
                        b -> {
                          bodies.add(b.toString());
                          req.response().end("ok");
                        })));
    for (int i = 0; i < 4; i++) {
      assertThat(send(HttpMethod.PUT, body)).isEqualTo(200);
    }
    assertThat(closed.get()).isPositive();
    assertThat(bodies).hasSize(4).containsOnly(body);
    assertThat(observer.starting("retried ")).hasSize(closed.get());
  }

  @Test
  void aPostOrALargeOrChunkedBodyIsNeverSentTwice() throws Exception {
    AtomicInteger closed = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    serve(closer(closed), ok(answered));
    String large = "y".repeat((int) RequestContext.RESEND_BODY_LIMIT + 1);
    int bad = 0;
    for (int i = 0; i < 4; i++) {
      int post = send(HttpMethod.POST, null);
      int put = send(HttpMethod.PUT, large);
      int chunked = send(HttpMethod.PUT, "a chunked body", true);
      bad += (post == 502 ? 1 : 0) + (put == 502 ? 1 : 0) + (chunked == 502 ? 1 : 0);
      assertThat(List.of(post, put, chunked)).containsOnly(200, 502);
    }
    assertThat(bad).isEqualTo(closed.get()).isPositive();
    assertThat(closed.get() + answered.get()).isEqualTo(12);
    assertThat(observer.starting("retried ")).isEmpty();
  }

  @Test
  void aResponseThatBeganIsNeverSentTwice() throws Exception {
    AtomicInteger received = new AtomicInteger();
    serve(
        backend(
            received,
            req ->
                req.response()
                    .putHeader("content-length", "10")
                    .write("abc")
                    .onComplete(v -> req.connection().close())));
    assertThat(send(HttpMethod.GET, null)).isEqualTo(-1); // the client saw the cut
    assertThat(received.get()).isEqualTo(1);
    assertThat(observer.starting("retried ")).isEmpty();
  }
}
