package dev.coldbrew.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Server;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gRPC load against the echo server on a real socket, and against a port nothing serves. */
class GrpcBenchmarkIT {
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void theLoadCountsCallsAndLatenciesOfTheEchoServer() throws Exception {
    int port = freePort();
    Server server = GrpcBenchmark.server(port);
    try {
      long self = ProcessHandle.current().pid();
      GrpcBenchmark.Result r =
          GrpcBenchmark.load(
              new GrpcBenchmark.LoadArgs(
                  "127.0.0.1",
                  port,
                  "echo.default.localhost",
                  2,
                  4,
                  1,
                  Map.of("self", List.of(self))));
      assertThat(r.errors()).as(r.firstError()).isZero();
      assertThat(r.calls()).isPositive().isEqualTo(r.latenciesNanos().length);
      assertThat(r.percentileMs(50)).isPositive().isLessThanOrEqualTo(r.percentileMs(99));
      assertThat(r.percentileMs(99)).isLessThanOrEqualTo(r.percentileMs(100));
      assertThat(r.percentileMs(100))
          .as("no call counted longer than the window")
          .isLessThanOrEqualTo(2000);
      assertThat(r.cpuUsPerCall().get("self")).as("this JVM did the work").isPositive();
      assertThat(r.line()).startsWith("grpc-load calls=" + r.calls() + " seconds=2.000 ");
    } finally {
      server.shutdownNow().awaitTermination();
    }
  }

  @Test
  void aFirstCallThatFailsEndsTheLoadNamingTheTarget() throws IOException {
    int port = freePort(); // nothing listens
    assertThatThrownBy(
            () ->
                GrpcBenchmark.load(
                    new GrpcBenchmark.LoadArgs(
                        "127.0.0.1", port, "x.default.localhost", 1, 1, 0, Map.of())))
        .isInstanceOf(GrpcBenchmark.FirstCallFailed.class)
        .hasMessageContaining("127.0.0.1:" + port)
        .hasMessageContaining("x.default.localhost")
        .hasMessageContaining("UNAVAILABLE");
  }
}
