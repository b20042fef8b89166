package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.runtime.Instance;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An app that writes its response head and body in two segments with Nagle's algorithm on (as the
 * JDK's HttpServer does by default) answers kept-alive requests through the gateway without the 40
 * ms delayed-ACK stall: the gateway acknowledges the head at once on its pooled connection. The
 * same app, asked directly by a client that does nothing about it, stalls: that is checked first,
 * so the bound below (a quarter of the stall) says something on this machine.
 */
class DelayedAckIT {
  private static final String HOST = "nagle.default.localhost";
  private static final NamespacedName REV = new NamespacedName("default", "nagle-00001");
  private static final int REQUESTS = 50;

  private NagleApp app;
  private DataPlane dataPlane;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    app = new NagleApp();
    dataPlane =
        new DataPlane(
            DataPlaneOptions.defaults().withBind("127.0.0.1", 0).withEventLoops(2), stat -> {});
    port = dataPlane.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    dataPlane.updateRoutes(
        RoutingTable.of(Map.of(HOST, List.of(new RoutingTable.Target(REV, 100)))));
    dataPlane.updateRevision(RevisionConfig.defaults(REV));
    dataPlane.updateInstances(REV, List.of(new Instance("n1", "127.0.0.1", app.port())));
    dataPlane.updateMode(REV, Mode.SERVE);
  }

  @AfterEach
  void tearDown() throws Exception {
    dataPlane.close();
    app.close();
  }

  @Test
  void keepAliveRequestsToAnAppThatWritesHeadAndBodyApartDoNotStall() throws Exception {
    double direct = medianMillis(app.port(), "localhost");
    assumeThat(direct)
        .as("the app stalls when asked directly on this machine (else this test shows nothing)")
        .isGreaterThan(30);

    double throughGateway = medianMillis(port, HOST);
    assertThat(throughGateway)
        .as("median ms per kept-alive request through the gateway")
        .isLessThan(10);
  }

  /** The median time of {@link #REQUESTS} requests on one kept-alive connection, in ms. */
  private static double medianMillis(int port, String host) throws Exception {
    double[] ms = new double[REQUESTS];
    String request = "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
    try (Socket socket = RawHttp.open(port, "")) {
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      for (int i = 0; i < REQUESTS; i++) {
        long t0 = System.nanoTime();
        RawHttp.send(socket, request);
        String response = RawHttp.readUntil(in, "hello\n");
        ms[i] = (System.nanoTime() - t0) / 1e6;
        assertThat(response).as("request " + i).startsWith("HTTP/1.1 200").endsWith("hello\n");
      }
    }
    Arrays.sort(ms);
    return ms[REQUESTS / 2];
  }
}
