package dev.coldbrew.cli.it;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Calls {@link GrpcApp}'s service and the health service over one plaintext HTTP/2 channel to
 * 127.0.0.1:PORT: to the app directly, or to the gateway with the {@code :authority} of a route's
 * host (as the HTTP tests send a Host header). Blocking calls fail with {@link
 * StatusRuntimeException} on a non-OK status and carry a deadline of {@link #TIMEOUT} unless they
 * name one, so a test never hangs on a call. Thread-safe: the channel takes concurrent calls.
 */
final class GrpcClient implements AutoCloseable {
  /** The deadline of a call that names none. */
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static final Object END = new Object();

  final ManagedChannel channel;

  /** A channel to 127.0.0.1:{@code port}; its calls carry {@code authority} (null: host:port). */
  GrpcClient(int port, String authority) {
    ManagedChannelBuilder<?> b = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext();
    if (authority != null) {
      b.overrideAuthority(authority);
    }
    channel = b.build();
  }

  /** A client of the gateway of {@code p} for the route of {@code host}. */
  static GrpcClient gateway(Platform p, String host) {
    return new GrpcClient(p.httpPort, host);
  }

  /** One call's response messages and headers. */
  record Reply(List<String> messages, Metadata headers) {
    /** The only message (of a unary or client-streaming call). */
    String message() {
      if (messages.size() != 1) {
        throw new AssertionError("expected one message, got " + messages);
      }
      return messages.get(0);
    }

    /** The pid of the app's process that answered. */
    long pid() {
      return Long.parseLong(headers.get(GrpcApp.PID));
    }

    /** The {@code :authority} the app saw. */
    String authority() {
      return headers.get(GrpcApp.AUTHORITY);
    }

    /** The answering instance's $K_REVISION, or null outside Coldbrew. */
    String revision() {
      return headers.get(GrpcApp.REVISION);
    }
  }

  Reply unary(String request) {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    String reply =
        ClientCalls.blockingUnaryCall(call(GrpcApp.UNARY, options(TIMEOUT), headers), request);
    return new Reply(List.of(reply), headers.get());
  }

  /** An unary call that does not block; it completes exceptionally on a non-OK status. */
  CompletableFuture<Reply> unaryAsync(String request) {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    CompletableFuture<Reply> f = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        call(GrpcApp.UNARY, options(TIMEOUT), headers),
        request,
        new StreamObserver<>() {
          String reply;

          @Override
          public void onNext(String value) {
            reply = value;
          }

          @Override
          public void onError(Throwable t) {
            f.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            f.complete(new Reply(List.of(reply), headers.get()));
          }
        });
    return f;
  }

  /** A server-streaming call: {@code N:TEXT} gets N messages. */
  Reply serverStream(String request) {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    List<String> got = new ArrayList<>();
    ClientCalls.blockingServerStreamingCall(
            call(GrpcApp.SERVER_STREAM, options(TIMEOUT), headers), request)
        .forEachRemaining(got::add);
    return new Reply(got, headers.get());
  }

  /** A client-streaming call sending {@code requests}, then half-closing. */
  Reply clientStream(List<String> requests) throws InterruptedException {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    BlockingQueue<Object> got = new LinkedBlockingQueue<>();
    StreamObserver<String> out =
        ClientCalls.asyncClientStreamingCall(
            call(GrpcApp.CLIENT_STREAM, options(TIMEOUT), headers), into(got));
    requests.forEach(out::onNext);
    out.onCompleted();
    List<String> replies = new ArrayList<>();
    for (Object o = next(got, "the reply"); o != END; o = next(got, "the end of the call")) {
      replies.add((String) o);
    }
    return new Reply(replies, headers.get());
  }

  /**
   * A bidi call in lock step: sends each request and waits for its echo before sending the next;
   * half-closes only after the last echo. So it passes only if messages flow both ways while the
   * call is open: a proxy that holds a stream's messages until its end fails it.
   */
  Reply bidi(List<String> requests) throws InterruptedException {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    BlockingQueue<Object> got = new LinkedBlockingQueue<>();
    StreamObserver<String> out =
        ClientCalls.asyncBidiStreamingCall(
            call(GrpcApp.BIDI, options(TIMEOUT), headers), into(got));
    List<String> replies = new ArrayList<>();
    for (String r : requests) {
      out.onNext(r);
      Object o = next(got, "the echo of \"" + r + "\" while the call is open");
      if (o == END) {
        throw new AssertionError("the call ended before the echo of \"" + r + "\"");
      }
      replies.add((String) o);
    }
    out.onCompleted();
    Object end = next(got, "the end of the call");
    if (end != END) {
      throw new AssertionError("a message after the last echo: " + end);
    }
    return new Reply(replies, headers.get());
  }

  /** A Slow call ({@code request}: milliseconds) with {@code deadline}. */
  Reply slow(String request, Duration deadline) {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    String reply =
        ClientCalls.blockingUnaryCall(call(GrpcApp.SLOW, options(deadline), headers), request);
    return new Reply(List.of(reply), headers.get());
  }

  /**
   * A Slow call of {@code ms} that does not block, with a deadline past its end: {@code
   * cancel(true)} on the future cancels the call (an RST_STREAM on the wire).
   */
  ListenableFuture<String> slowAsync(long ms) {
    return ClientCalls.futureUnaryCall(
        call(GrpcApp.SLOW, options(TIMEOUT.plusMillis(ms)), new AtomicReference<>()),
        String.valueOf(ms));
  }

  /** grpc.health.v1.Health/Check of {@code service} ("" = the whole server). */
  ServingStatus health(String service) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  private static CallOptions options(Duration deadline) {
    return CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A new call on the channel whose response headers land in {@code headers}. */
  private ClientCall<String, String> call(
      MethodDescriptor<String, String> method,
      CallOptions options,
      AtomicReference<Metadata> headers) {
    return ClientInterceptors.intercept(
            channel, MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
        .newCall(method, options);
  }

  /** An observer putting messages, then END or the failure, into {@code q}. */
  private static StreamObserver<String> into(BlockingQueue<Object> q) {
    return new StreamObserver<>() {
      @Override
      public void onNext(String value) {
        q.add(value);
      }

      @Override
      public void onError(Throwable t) {
        q.add(t);
      }

      @Override
      public void onCompleted() {
        q.add(END);
      }
    };
  }

  /** The next message or END from {@code q}; a failure is thrown, nothing within TIMEOUT fails. */
  private static Object next(BlockingQueue<Object> q, String what) throws InterruptedException {
    Object o = q.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (o == null) {
      throw new AssertionError("nothing within " + TIMEOUT.toSeconds() + " s: expected " + what);
    }
    if (o instanceof StatusRuntimeException e) {
      throw e;
    }
    if (o instanceof Throwable t) {
      throw new AssertionError(t);
    }
    return o;
  }

  /** Shuts the channel down, failing calls still open; an interrupt is kept on the thread. */
  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
