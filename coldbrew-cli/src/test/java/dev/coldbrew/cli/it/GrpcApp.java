package dev.coldbrew.cli.it;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A test app speaking gRPC (grpc-java, plaintext HTTP/2) on 127.0.0.1:$PORT, without generated
 * code: the service {@code coldbrew.test.Echo} over UTF-8 string messages, and the standard health
 * service (SERVING for "" and for the Echo service).
 *
 * <ul>
 *   <li>{@code Unary}: answers {@code echo:} + the request;
 *   <li>{@code ServerStream}: a request {@code N:TEXT} gets N messages {@code I:TEXT}, I from 1;
 *   <li>{@code ClientStream}: answers {@code COUNT:} + the messages joined by {@code ,};
 *   <li>{@code Bidi}: answers each message with {@code echo:} + it as soon as it arrives;
 *   <li>{@code Slow}: a request {@code MS} answers {@code slept:MS} after MS milliseconds, unless
 *       cancelled first, which it prints as {@code cancelled Slow MS after E ms, deadline left L
 *       ms} (or {@code no deadline}): a reset by the client shows a deadline far from over.
 * </ul>
 *
 * Every call's response headers carry {@code x-pid} (this process), {@code x-authority} (the {@code
 * :authority} it arrived with) and, when set, {@code x-revision} ($K_REVISION), so a test can tell
 * instances apart and see what the gateway passed on. A malformed request fails with
 * INVALID_ARGUMENT naming the bad value. It prints {@code listening on PORT} once it accepts calls
 * and, on SIGTERM, stops accepting, lets calls in flight finish (5 s at most), prints {@code
 * stopped} and exits. Calls run on grpc-java's default executor; the Slow waits on a scheduler, so
 * no thread is held by a waiting call.
 */
public final class GrpcApp {
  static final String SERVICE = "coldbrew.test.Echo";

  /** UTF-8 strings as messages. */
  static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<String, String> UNARY = method("Unary", MethodType.UNARY);
  static final MethodDescriptor<String, String> SERVER_STREAM =
      method("ServerStream", MethodType.SERVER_STREAMING);
  static final MethodDescriptor<String, String> CLIENT_STREAM =
      method("ClientStream", MethodType.CLIENT_STREAMING);
  static final MethodDescriptor<String, String> BIDI = method("Bidi", MethodType.BIDI_STREAMING);
  static final MethodDescriptor<String, String> SLOW = method("Slow", MethodType.UNARY);

  static final Metadata.Key<String> PID =
      Metadata.Key.of("x-pid", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> AUTHORITY =
      Metadata.Key.of("x-authority", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> REVISION =
      Metadata.Key.of("x-revision", Metadata.ASCII_STRING_MARSHALLER);

  /** The most messages a ServerStream call asks for. */
  static final int MAX_STREAM = 100_000;

  /** The longest a Slow call waits, in ms. */
  static final long MAX_SLOW_MS = 600_000;

  private GrpcApp() {}

  private static MethodDescriptor<String, String> method(String name, MethodType type) {
    return MethodDescriptor.newBuilder(UTF8, UTF8)
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .build();
  }

  /** The command line that runs this app with this JVM's classpath (which has grpc-java). */
  static List<String> command() {
    return Platform.app(GrpcApp.class.getName(), System.getProperty("java.class.path"));
  }

  public static void main(String[] args) throws Exception {
    String portEnv = System.getenv("PORT");
    int port;
    try {
      port = Integer.parseInt(portEnv == null ? "" : portEnv);
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      System.err.println("grpc app: PORT: \"" + portEnv + "\" (expected: a port, 1-65535)");
      System.exit(2);
    }
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(SERVICE, ServingStatus.SERVING);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .addService(ServerInterceptors.intercept(echo(timer), new IdentityHeaders()))
            .addService(health.getHealthService())
            .build()
            .start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  health.enterTerminalState();
                  server.shutdown();
                  try {
                    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                      server.shutdownNow();
                    }
                  } catch (InterruptedException e) {
                    server.shutdownNow();
                  }
                  timer.shutdownNow();
                  System.out.println("stopped");
                  System.out.flush();
                }));
    System.out.println("listening on " + port);
    System.out.flush();
    server.awaitTermination();
  }

  static ServerServiceDefinition echo(ScheduledExecutorService timer) {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(
            UNARY,
            ServerCalls.asyncUnaryCall(
                (req, out) -> {
                  out.onNext("echo:" + req);
                  out.onCompleted();
                }))
        .addMethod(SERVER_STREAM, ServerCalls.asyncServerStreamingCall(GrpcApp::serverStream))
        .addMethod(
            CLIENT_STREAM,
            ServerCalls.asyncClientStreamingCall(
                out ->
                    new StreamObserver<String>() {
                      final List<String> got = new ArrayList<>();

                      @Override
                      public void onNext(String value) {
                        got.add(value);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        out.onNext(got.size() + ":" + String.join(",", got));
                        out.onCompleted();
                      }
                    }))
        .addMethod(
            BIDI,
            ServerCalls.asyncBidiStreamingCall(
                out ->
                    new StreamObserver<String>() {
                      @Override
                      public void onNext(String value) {
                        out.onNext("echo:" + value);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        out.onCompleted();
                      }
                    }))
        .addMethod(SLOW, ServerCalls.asyncUnaryCall((req, out) -> slow(req, out, timer)))
        .build();
  }

  private static void serverStream(String req, StreamObserver<String> out) {
    int colon = req.indexOf(':');
    int n = -1;
    try {
      n = colon < 0 ? -1 : Integer.parseInt(req.substring(0, colon));
    } catch (NumberFormatException e) {
      // n stays -1: refused below
    }
    if (n < 0 || n > MAX_STREAM) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "ServerStream request: \""
                      + req
                      + "\" (expected: N:TEXT, N from 0 to "
                      + MAX_STREAM
                      + ")")
              .asRuntimeException());
      return;
    }
    String text = req.substring(colon + 1);
    for (int i = 1; i <= n; i++) {
      out.onNext(i + ":" + text);
    }
    out.onCompleted();
  }

  private static void slow(String req, StreamObserver<String> out, ScheduledExecutorService timer) {
    long ms = -1;
    try {
      ms = Long.parseLong(req);
    } catch (NumberFormatException e) {
      // ms stays -1: refused below
    }
    if (ms < 0 || ms > MAX_SLOW_MS) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "Slow request: \""
                      + req
                      + "\" (expected: milliseconds from 0 to "
                      + MAX_SLOW_MS
                      + ")")
              .asRuntimeException());
      return;
    }
    ServerCallStreamObserver<String> call = (ServerCallStreamObserver<String>) out;
    io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
    long start = System.nanoTime();
    long wait = ms;
    ScheduledFuture<?> done =
        timer.schedule(
            () -> {
              if (!call.isCancelled()) {
                call.onNext("slept:" + wait);
                call.onCompleted();
              }
            },
            ms,
            TimeUnit.MILLISECONDS);
    call.setOnCancelHandler(
        () -> {
          done.cancel(false);
          // how much of the call's deadline (grpc-timeout) was left tells a cancel by the
          // deadline from a reset by the client or a proxy
          String left =
              deadline == null
                  ? "no deadline"
                  : "deadline left " + deadline.timeRemaining(TimeUnit.MILLISECONDS) + " ms";
          System.out.println(
              "cancelled Slow "
                  + wait
                  + " after "
                  + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                  + " ms, "
                  + left);
          System.out.flush();
        });
    System.out.println("waiting Slow " + ms);
    System.out.flush();
  }

  /** Adds x-pid, x-authority and x-revision to every call's response headers. */
  private static final class IdentityHeaders implements ServerInterceptor {
    private static final String PID_VALUE = String.valueOf(ProcessHandle.current().pid());
    private static final String REVISION_VALUE = System.getenv("K_REVISION");

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      String authority = call.getAuthority();
      return next.startCall(
          new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
              responseHeaders.put(PID, PID_VALUE);
              if (authority != null) {
                responseHeaders.put(AUTHORITY, authority);
              }
              if (REVISION_VALUE != null) {
                responseHeaders.put(REVISION, REVISION_VALUE);
              }
              super.sendHeaders(responseHeaders);
            }
          },
          headers);
    }
  }
}
