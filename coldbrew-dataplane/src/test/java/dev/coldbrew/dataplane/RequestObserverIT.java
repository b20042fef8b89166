package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.Instance;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the data plane tells its {@link RequestObserver}, and the cold-start header. */
class RequestObserverIT {
  private static final NamespacedName REV = new NamespacedName("default", "hello-00001");
  private static final String HOST = "hello.default.localhost";

  private final RecordingObserver observer = new RecordingObserver();
  private final Queue<String> seen = observer.seen;
  private Vertx vertx;
  private HttpClient client;
  private HttpServer backend;
  private DataPlane dataPlane;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    backend =
        vertx
            .createHttpServer()
            .requestHandler(r -> r.response().end("ok"))
            .listen(0, "127.0.0.1")
            .await(30, TimeUnit.SECONDS);
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void tearDown() throws Exception {
    dataPlane.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void start(boolean coldStartHeader) throws Exception {
    dataPlane =
        new DataPlane(
            DataPlaneOptions.defaults().withBind("127.0.0.1", 0).withEventLoops(1), stat -> {});
    dataPlane.observe(observer, coldStartHeader);
    dataPlane.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    dataPlane.updateRoutes(
        RoutingTable.of(Map.of(HOST, List.of(new RoutingTable.Target(REV, 100)))));
  }

  record Reply(int status, MultiMap headers) {}

  private CompletableFuture<Reply> send() {
    RequestOptions options =
        new RequestOptions()
            .setServer(SocketAddress.inetSocketAddress(dataPlane.port(), "127.0.0.1"))
            .setHost(HOST)
            .setPort(dataPlane.port())
            .setURI("/")
            .setMethod(HttpMethod.GET);
    return client
        .request(options)
        .compose(r -> r.send())
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers())))
        .toCompletionStage()
        .toCompletableFuture();
  }

  private Instance instance() {
    return new Instance("i1", "127.0.0.1", backend.actualPort());
  }

  @Test
  void aRequestAtZeroIsAColdStartAndSaysHowLongItWaited() throws Exception {
    start(true);
    var reply = send();
    await().atMost(Duration.ofSeconds(30)).until(() -> dataPlane.heldRequests(REV) == 1);
    dataPlane.updateInstances(REV, List.of(instance()));
    Reply r = reply.get(30, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(200);
    assertThat(Long.parseLong(r.headers().get("Coldbrew-Cold-Start"))).isNotNegative();

    dataPlane.updateMode(REV, SksMode.SERVE);
    Reply warm = send().get(30, TimeUnit.SECONDS);
    assertThat(warm.headers().get("Coldbrew-Cold-Start")).isNull();
    dataPlane.removeRevision(REV);

    assertThat(seen)
        .containsExactly(
            "added hello-00001",
            "cold start",
            "done 200 via activator",
            "done 200 direct",
            "removed hello-00001");
  }

  @Test
  void aConnectionThatCannotBeOpenedIsTriedOnAnotherInstanceAndCounted() throws Exception {
    start(false);
    int closedPort;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    dataPlane.updateRevision(new RevisionConfig(REV, "hello", "hello", 0, 0, null, null, false));
    dataPlane.updateInstances(
        REV, List.of(new Instance("gone", "127.0.0.1", closedPort), instance()));
    dataPlane.updateMode(REV, SksMode.SERVE);
    // round robin: at least one of the two requests picks the closed port first
    for (int i = 0; i < 2; i++) {
      assertThat(send().get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> seen.stream().filter(e -> e.startsWith("done")).count() == 2);
    assertThat(seen.stream().filter(e -> e.startsWith("done"))).containsOnly("done 200 direct");
    assertThat(seen.stream().filter(e -> e.equals("retried connect_failed")).count())
        .isBetween(1L, 2L);
    assertThat(seen)
        .containsOnly("added hello-00001", "retried connect_failed", "done 200 direct")
        .startsWith("added hello-00001");
  }

  @Test
  void theHeaderCanBeTurnedOff() throws Exception {
    start(false);
    var reply = send();
    await().atMost(Duration.ofSeconds(30)).until(() -> dataPlane.heldRequests(REV) == 1);
    dataPlane.updateInstances(REV, List.of(instance()));
    Reply r = reply.get(30, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers().get("Coldbrew-Cold-Start")).isNull();
    assertThat(seen).contains("cold start");
  }

  @Test
  void aHeldRequestThatTimesOutIsCountedAs504NotAsClientLeft() throws Exception {
    start(false);
    dataPlane.updateRevision(new RevisionConfig(REV, "hello", "hello", 0, 1, null, null, false));
    Reply r = send().get(30, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(504);
    await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains("done 504 via activator"));
    assertThat(seen).doesNotContain("done 0 via activator");
  }
}
