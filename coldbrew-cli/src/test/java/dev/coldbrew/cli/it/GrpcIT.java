package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gRPC end to end through the jar (docs/data-plane.md#http2-and-grpc): a real grpc-java server as
 * the process of a revision whose port is named {@code h2c}, a real grpc-java client through the
 * gateway. All four call kinds, statuses in trailers and in trailers-only answers, a deadline and a
 * cancel reaching the app, a cold start at zero and the scale back to zero.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final String HOST = "grpc.default.localhost";

  @RegisterExtension
  static final PlatformExtension platform =
      PlatformExtension.withConfig(Platform.FAST_SCALE_TO_ZERO);

  private static String manifest(String marker) {
    List<String> cmd = new java.util.ArrayList<>(GrpcApp.command());
    cmd.add(1, "-Dcoldbrew.test.marker=" + marker);
    return """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: grpc
        spec:
          template:
            metadata:
              annotations:
                autoscaling.knative.dev/initial-scale: "0"
                autoscaling.knative.dev/window: "6s"
                autoscaling.knative.dev/target-burst-capacity: "0"
            spec:
              containers:
                - command: %s
                  ports: [{name: h2c, containerPort: 8080}]
        """
        .formatted(Manifests.flow(cmd));
  }

  @Test
  void everyCallKindWorksFromZeroAndTheRevisionScalesBackToZero() throws Exception {
    String marker = "grpc-" + System.nanoTime();
    platform.apply(manifest(marker));
    await()
        .atMost(WAIT)
        .until(
            () ->
                Http.resource(
                        platform, "/apis/serving.knative.dev/v1/namespaces/default/services/grpc")
                    .map(s -> Http.condition(s, "Ready").equals("True"))
                    .orElse(false));
    assertThat(Processes.withMarker(marker)).isEmpty();
    assertThat(Http.sksMode(platform, "grpc-00001")).isEqualTo("Proxy");

    try (GrpcClient grpc = GrpcClient.gateway(platform, HOST)) {
      // the first call is held while the revision cold-starts
      GrpcClient.Reply first = grpc.unary("cold");
      assertThat(first.message()).isEqualTo("echo:cold");
      assertThat(first.revision()).isEqualTo("grpc-00001");
      assertThat(first.authority()).isEqualTo(HOST);
      assertThat(Processes.withMarker(marker)).hasSize(1);

      assertThat(grpc.serverStream("3:x").messages()).containsExactly("1:x", "2:x", "3:x");
      assertThat(grpc.clientStream(List.of("a", "b", "c")).message()).isEqualTo("3:a,b,c");
      // lock step: each echo arrives while the call is open, before the client half-closes
      assertThat(grpc.bidi(List.of("one", "two", "three")).messages())
          .containsExactly("echo:one", "echo:two", "echo:three");

      // an OK status came in trailers after the messages above; an error before any message is a
      // trailers-only answer, with its description, or (an unknown method) with none
      assertThatThrownBy(() -> grpc.serverStream("many:x"))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription()).contains("many");
              });
      MethodDescriptor<String, String> missing =
          GrpcApp.UNARY.toBuilder()
              .setFullMethodName(MethodDescriptor.generateFullMethodName(GrpcApp.SERVICE, "Nope"))
              .build();
      assertThatThrownBy(
              () ->
                  ClientCalls.blockingUnaryCall(
                      grpc.channel,
                      missing,
                      CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
                      "x"))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));

      // the client's deadline ends the call at the app too
      assertThatThrownBy(() -> grpc.slow("20000", Duration.ofMillis(500)))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      await().atMost(WAIT).until(() -> logs().contains("cancelled Slow 20000"));
      // and so does a cancel (an RST_STREAM from the client, long before its deadline)
      var slow = grpc.slowAsync(30000);
      await().atMost(WAIT).until(() -> logs().contains("waiting Slow 30000"));
      slow.cancel(true);
      await().atMost(WAIT).until(() -> logs().contains("cancelled Slow 30000"));
    }

    // nothing in flight: back to zero, then a new cold start serves the next call
    await().atMost(WAIT).until(() -> Processes.withMarker(marker).isEmpty());
    await().atMost(WAIT).until(() -> Http.sksMode(platform, "grpc-00001").equals("Proxy"));
    try (GrpcClient grpc = GrpcClient.gateway(platform, HOST)) {
      assertThat(grpc.unary("again").message()).isEqualTo("echo:again");
    }
  }

  private static String logs() throws Exception {
    return platform.cli("logs", "grpc", "--tail", "200").out();
  }
}
