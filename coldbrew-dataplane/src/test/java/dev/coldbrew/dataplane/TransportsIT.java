package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.Instance;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.InputStream;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway works the same on every transport it may run on: kept-alive requests with and without
 * a body, through the activator and straight to an instance, on a connection of each event loop
 * (every loop accepts; with NIO one socket hands connections out).
 */
class TransportsIT {
  private static final String HOST = "echo.default.localhost";
  private static final NamespacedName REV = new NamespacedName("default", "echo-00001");

  @ParameterizedTest
  @ValueSource(strings = {"epoll", "io_uring", "nio"})
  void servesOnEveryTransport(String transport) throws Exception {
    Vertx vertx = Vertx.vertx();
    DataPlane dataPlane =
        new DataPlane(
            DataPlaneOptions.defaults()
                .withBind("127.0.0.1", 0)
                .withEventLoops(2)
                .withTransport(transport),
            stat -> {});
    try {
      HttpServer echo =
          vertx
              .createHttpServer()
              .requestHandler(
                  req -> req.body().onSuccess(b -> req.response().end(req.method() + ":" + b)))
              .listen(0, "127.0.0.1")
              .await(30, TimeUnit.SECONDS);
      int port = dataPlane.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      dataPlane.updateRoutes(
          RoutingTable.of(Map.of(HOST, List.of(new RoutingTable.Target(REV, 100)))));
      dataPlane.updateRevision(RevisionConfig.defaults(REV));
      dataPlane.updateInstances(REV, List.of(new Instance("e1", "127.0.0.1", echo.actualPort())));
      for (SksMode mode : SksMode.values()) {
        dataPlane.updateMode(REV, mode);
        for (int connection = 0; connection < 4; connection++) {
          try (Socket socket = RawHttp.open(port, "")) {
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 3; i++) {
              RawHttp.send(socket, "GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
              assertThat(RawHttp.readUntil(in, "GET:")).as(transport).startsWith("HTTP/1.1 200");
              RawHttp.send(
                  socket, "POST / HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 4\r\n\r\nbody");
              assertThat(RawHttp.readUntil(in, "POST:body"))
                  .as(transport)
                  .startsWith("HTTP/1.1 200");
            }
          }
        }
      }
    } finally {
      dataPlane.close();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
