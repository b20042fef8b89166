package dev.coldbrew.runtime.local;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real gRPC server (grpc-java) with the standard health service, for the {@code grpc} probe's
 * tests: on 127.0.0.1:$PORT, SERVING while the file $GRPC_GATE exists and NOT_SERVING otherwise
 * (looked at every 50 ms). Run with the test classpath.
 */
public final class GrpcHealthApp {
  private GrpcHealthApp() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(System.getenv("PORT"));
    Path gate = Path.of(System.getenv("GRPC_GATE"));
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.NOT_SERVING);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .addService(health.getHealthService())
            .build()
            .start();
    System.out.println("listening on " + port);
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    while (true) {
      health.setStatus("", Files.exists(gate) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
      Thread.sleep(50);
    }
  }
}
