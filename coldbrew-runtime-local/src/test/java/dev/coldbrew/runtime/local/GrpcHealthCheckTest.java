package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gRPC health check against a real gRPC server (grpc-java with its standard health service) and
 * against peers that are not one, on loopback.
 */
class GrpcHealthCheckTest {
  private static final long TIMEOUT_MS = 2000;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private int grpcServer(HealthStatusManager health) throws Exception {
    var b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    if (health != null) {
      b.addService(health.getHealthService());
    }
    Server s = b.build().start();
    open.add(s::shutdownNow);
    return s.getPort();
  }

  private static boolean serving(int port, String service) {
    return GrpcHealthCheck.serving("127.0.0.1", port, service, TIMEOUT_MS);
  }

  @Test
  void theAnswerOfTheHealthServiceDecides() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    int port = grpcServer(health);
    assertThat(serving(port, "")).as("the whole server, SERVING by default").isTrue();

    health.setStatus("", ServingStatus.NOT_SERVING);
    assertThat(serving(port, "")).isFalse();
    health.setStatus("", ServingStatus.SERVING);
    assertThat(serving(port, "")).isTrue();

    assertThat(serving(port, "greeter")).as("a service it does not know: NOT_FOUND").isFalse();
    health.setStatus("greeter", ServingStatus.SERVING);
    assertThat(serving(port, "greeter")).isTrue();
    health.setStatus("greeter", ServingStatus.SERVICE_UNKNOWN);
    assertThat(serving(port, "greeter")).isFalse();
    String longName = "a.very.long.service.name.".repeat(8); // lengths past one-byte encodings
    health.setStatus(longName, ServingStatus.SERVING);
    assertThat(serving(port, longName)).isTrue();
  }

  @Test
  void aGrpcServerWithoutTheHealthServiceFails() throws Exception {
    assertThat(serving(grpcServer(null), "")).as("UNIMPLEMENTED").isFalse();
  }

  @Test
  void peersThatAreNotGrpcServersFailWithinTheTimeout() throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext(
        "/",
        ex -> {
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    http.start();
    open.add(() -> http.stop(0));
    assertThat(serving(http.getAddress().getPort(), "")).as("an HTTP/1.1 server").isFalse();

    ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    open.add(silent);
    List<Socket> accepted = new ArrayList<>();
    Thread acceptor =
        new Thread(
            () -> {
              try {
                while (true) {
                  accepted.add(silent.accept()); // and never answers
                }
              } catch (java.io.IOException e) {
                // closed
              }
            });
    acceptor.start();
    long t0 = System.nanoTime();
    assertThat(GrpcHealthCheck.serving("127.0.0.1", silent.getLocalPort(), "", 300)).isFalse();
    assertThat((System.nanoTime() - t0) / 1_000_000)
        .as("bounded by the timeout")
        .isLessThan(10_000);

    int closed;
    try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertThat(serving(closed, "")).as("nothing listening").isFalse();
  }

  @Test
  void theResponseMessageIsReadAsHealthCheckResponse() {
    assertThat(GrpcHealthCheck.status(new byte[] {0, 0, 0, 0, 2, 0x08, 0x01})).isEqualTo(1);
    assertThat(GrpcHealthCheck.status(new byte[] {0, 0, 0, 0, 2, 0x08, 0x02})).isEqualTo(2);
    assertThat(GrpcHealthCheck.status(new byte[] {0, 0, 0, 0, 0})).as("UNKNOWN left out").isZero();
    assertThat(GrpcHealthCheck.status(new byte[] {0, 0, 0, 0, 2, 0x08})).as("cut short").isNull();
    assertThat(GrpcHealthCheck.status(new byte[] {1, 0, 0, 0, 2, 0x08, 0x01})).isEqualTo(-1);
    assertThat(GrpcHealthCheck.status(new byte[] {0, 0, 0, 0, 2, 0x08, (byte) 0x81}))
        .as("a varint cut short inside the message")
        .isEqualTo(-1);
    assertThat(GrpcHealthCheck.status(new byte[] {0, 0, 0, 0, 3, 0x12, 0x05, 0x41}))
        .as("a length past the message")
        .isEqualTo(-1);
    assertThat(GrpcHealthCheck.status(new byte[] {0, 0, 0, 0, 4, 0x12, 0x01, 0x41, 0x08}))
        .as("an unknown field skipped, then status cut short")
        .isEqualTo(-1);
  }
}
