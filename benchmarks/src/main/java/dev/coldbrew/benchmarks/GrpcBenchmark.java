package dev.coldbrew.benchmarks;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * gRPC unary calls, for {@code bench/run grpc}: an echo server, and a load that keeps CONCURRENCY
 * calls outstanding on one channel (one HTTP/2 connection, plaintext) and reports calls/s and
 * latency percentiles. No generated code: the method {@code coldbrew.bench.Echo/Unary} carries raw
 * bytes.
 *
 * <pre>
 * GrpcBenchmark server [PORT]        # 127.0.0.1:PORT ($PORT when not given)
 * GrpcBenchmark load HOST PORT AUTHORITY SECONDS CONCURRENCY [--warmup S] [--cpu NAME=PID,...]
 * </pre>
 *
 * The load first makes one call (30 s deadline) and exits 3 if it fails; then it runs {@code
 * --warmup} seconds (default 3) unmeasured and SECONDS measured, and prints one line of {@code
 * key=value} fields: {@code grpc-load calls=… seconds=… calls_per_s=… p50_ms=… p90_ms=… p99_ms=…
 * max_ms=… errors=… concurrency=…}, plus {@code NAME_cpu_us_per_call=…} for each {@code --cpu}
 * group (the CPU time those processes used over the measured seconds, per measured call). A call
 * counts when it started and ended within the measured seconds. The server answers on the event
 * loop (direct executor), as a backend that costs little per call; the load's calls also complete
 * on the channel's event loop, each starting the next.
 */
public final class GrpcBenchmark {
  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<byte[], byte[]> ECHO =
      MethodDescriptor.newBuilder(BYTES, BYTES)
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("coldbrew.bench.Echo/Unary")
          .build();

  private static final byte[] PAYLOAD = "hello, coldbrew".getBytes(StandardCharsets.US_ASCII);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);

  private GrpcBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !(args[0].equals("server") || args[0].equals("load"))) {
      usage("the first argument: " + (args.length == 0 ? "none" : "\"" + args[0] + "\""));
    }
    List<String> rest = List.of(args).subList(1, args.length);
    try {
      if (args[0].equals("server")) {
        if (rest.size() > 1) {
          throw new IllegalArgumentException(
              "server takes at most one argument, PORT; got " + rest.size());
        }
        serve(port("PORT", rest.isEmpty() ? System.getenv("PORT") : rest.get(0)));
      } else {
        Result r = load(LoadArgs.parse(rest));
        System.out.println(r.line());
        if (r.errors() > 0) {
          System.err.println(
              "grpc-load: " + r.errors() + " calls failed, first: " + r.firstError());
        }
      }
    } catch (IllegalArgumentException e) {
      usage(e.getMessage());
    } catch (FirstCallFailed e) {
      System.err.println("grpc-load: " + e.getMessage());
      System.exit(3);
    }
  }

  private static void usage(String problem) {
    System.err.println(
        "GrpcBenchmark: "
            + problem
            + "\nusage: GrpcBenchmark server [PORT]\n"
            + "       GrpcBenchmark load HOST PORT AUTHORITY SECONDS CONCURRENCY [--warmup S]"
            + " [--cpu NAME=PID,...]");
    System.exit(2);
  }

  // ---------------------------------------------------------------- server

  /** An echo server on 127.0.0.1:{@code port}, started. */
  static Server server(int port) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .directExecutor()
        .addService(
            ServerServiceDefinition.builder("coldbrew.bench.Echo")
                .addMethod(
                    ECHO,
                    ServerCalls.asyncUnaryCall(
                        (req, out) -> {
                          out.onNext(req);
                          out.onCompleted();
                        }))
                .build())
        .build()
        .start();
  }

  private static void serve(int port) throws Exception {
    Server server = server(port);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.shutdown();
                  try {
                    server.awaitTermination(5, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  server.shutdownNow();
                }));
    System.out.println("listening on " + port);
    System.out.flush();
    server.awaitTermination();
  }

  // ---------------------------------------------------------------- load

  /** The arguments of {@code load}. */
  record LoadArgs(
      String host,
      int port,
      String authority,
      int seconds,
      int concurrency,
      int warmupSeconds,
      Map<String, List<Long>> cpu) {

    static LoadArgs parse(List<String> a) {
      if (a.size() < 5) {
        throw new IllegalArgumentException(
            "load needs HOST PORT AUTHORITY SECONDS CONCURRENCY; got " + a.size() + " arguments");
      }
      int warmup = 3;
      Map<String, List<Long>> cpu = new LinkedHashMap<>();
      for (int i = 5; i < a.size(); i += 2) {
        String flag = a.get(i);
        if (i + 1 >= a.size()) {
          throw new IllegalArgumentException(flag + ": no value");
        }
        String v = a.get(i + 1);
        switch (flag) {
          case "--warmup" -> warmup = number("--warmup", v, 0, 3600);
          case "--cpu" -> {
            int eq = v.indexOf('=');
            String name = eq < 0 ? "" : v.substring(0, eq);
            if (!name.matches("[a-z][a-z0-9_]{0,30}")) {
              throw new IllegalArgumentException(
                  "--cpu: \"" + v + "\" (expected: NAME=PID,... with NAME of a-z, 0-9 and _)");
            }
            List<Long> pids = new ArrayList<>();
            for (String p : v.substring(eq + 1).split(",", -1)) {
              pids.add((long) number("--cpu " + name + " pid", p, 1, Integer.MAX_VALUE));
            }
            if (cpu.put(name, pids) != null) {
              throw new IllegalArgumentException("--cpu: " + name + " given twice");
            }
          }
          default ->
              throw new IllegalArgumentException(
                  "unknown option \"" + flag + "\" (expected: --warmup or --cpu)");
        }
      }
      String host = a.get(0);
      String authority = a.get(2);
      if (host.isBlank()) {
        throw new IllegalArgumentException("HOST: \"\" (expected: a host name or address)");
      }
      if (authority.isBlank() || authority.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
        throw new IllegalArgumentException(
            "AUTHORITY: \"" + authority + "\" (expected: host[:port], printable ASCII)");
      }
      return new LoadArgs(
          host,
          GrpcBenchmark.port("PORT", a.get(1)),
          authority,
          number("SECONDS", a.get(3), 1, 3600),
          number("CONCURRENCY", a.get(4), 1, 10_000),
          warmup,
          cpu);
    }
  }

  static int port(String what, String v) {
    return number(what, v, 1, 65535);
  }

  static int number(String what, String v, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(v == null ? "" : v);
    } catch (NumberFormatException e) {
      n = min - 1;
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(
          what + ": \"" + v + "\" (expected: a whole number from " + min + " to " + max + ")");
    }
    return n;
  }

  /** A load's outcome; {@code latenciesNanos} sorted. */
  record Result(
      long calls,
      double seconds,
      long errors,
      String firstError,
      long[] latenciesNanos,
      int concurrency,
      Map<String, Double> cpuUsPerCall) {

    double percentileMs(double p) {
      if (latenciesNanos.length == 0) {
        return Double.NaN;
      }
      int i = (int) Math.ceil(p / 100 * latenciesNanos.length) - 1;
      return latenciesNanos[Math.max(0, Math.min(latenciesNanos.length - 1, i))] / 1e6;
    }

    String line() {
      StringBuilder sb =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "grpc-load calls=%d seconds=%.3f calls_per_s=%.1f p50_ms=%.3f p90_ms=%.3f"
                      + " p99_ms=%.3f max_ms=%.3f errors=%d concurrency=%d",
                  calls,
                  seconds,
                  calls / seconds,
                  percentileMs(50),
                  percentileMs(90),
                  percentileMs(99),
                  percentileMs(100),
                  errors,
                  concurrency));
      cpuUsPerCall.forEach(
          (name, us) ->
              sb.append(' ')
                  .append(name)
                  .append("_cpu_us_per_call=")
                  .append(String.format(Locale.ROOT, "%.2f", us)));
      return sb.toString();
    }
  }

  /** The first call failed: nothing answers gRPC there. */
  static final class FirstCallFailed extends Exception {
    private static final long serialVersionUID = 1L;

    FirstCallFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  static Result load(LoadArgs a) throws InterruptedException, FirstCallFailed {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(a.host(), a.port())
            .usePlaintext()
            .overrideAuthority(a.authority())
            .directExecutor()
            .build();
    try {
      try {
        ClientCalls.blockingUnaryCall(channel, ECHO, options(), PAYLOAD);
      } catch (RuntimeException e) {
        throw new FirstCallFailed(
            "the first call to "
                + a.host()
                + ":"
                + a.port()
                + " (:authority "
                + a.authority()
                + ") failed: "
                + describe(e),
            e);
      }
      long start = System.nanoTime();
      long measureFrom = start + TimeUnit.SECONDS.toNanos(a.warmupSeconds());
      long stopAt = measureFrom + TimeUnit.SECONDS.toNanos(a.seconds());
      CountDownLatch done = new CountDownLatch(a.concurrency());
      AtomicLong errors = new AtomicLong();
      AtomicReference<String> firstError = new AtomicReference<>();
      List<Slot> slots = new ArrayList<>();
      for (int i = 0; i < a.concurrency(); i++) {
        slots.add(new Slot(channel, measureFrom, stopAt, done, errors, firstError));
      }
      slots.forEach(Slot::next);
      TimeUnit.NANOSECONDS.sleep(Math.max(0, measureFrom - System.nanoTime()));
      long[] cpuBefore = cpu(a.cpu());
      TimeUnit.NANOSECONDS.sleep(Math.max(0, stopAt - System.nanoTime()));
      long[] cpuAfter = cpu(a.cpu());
      if (!done.await(CALL_DEADLINE.toSeconds() + 10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("calls still open " + CALL_DEADLINE + " after the end");
      }
      int n = 0;
      for (Slot s : slots) {
        n += s.count;
      }
      long[] all = new long[n];
      int at = 0;
      for (Slot s : slots) {
        System.arraycopy(s.latencies, 0, all, at, s.count);
        at += s.count;
      }
      Arrays.sort(all);
      Map<String, Double> cpuPerCall = new LinkedHashMap<>();
      int g = 0;
      for (String name : a.cpu().keySet()) {
        cpuPerCall.put(name, n == 0 ? Double.NaN : (cpuAfter[g] - cpuBefore[g]) / 1e3 / n);
        g++;
      }
      return new Result(
          n, a.seconds(), errors.get(), firstError.get(), all, a.concurrency(), cpuPerCall);
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** A failed call's status in one line: code, description and the cause's message. */
  static String describe(Throwable t) {
    Status s = Status.fromThrowable(t);
    String d = s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
    return s.getCause() == null ? d : d + " (" + s.getCause().getMessage() + ")";
  }

  private static CallOptions options() {
    return CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** CPU time (ns) so far of each group's processes; a process gone or unreadable counts 0. */
  private static long[] cpu(Map<String, List<Long>> groups) {
    long[] out = new long[groups.size()];
    int g = 0;
    for (List<Long> pids : groups.values()) {
      for (long pid : pids) {
        out[g] +=
            ProcessHandle.of(pid)
                .flatMap(p -> p.info().totalCpuDuration())
                .map(Duration::toNanos)
                .orElse(0L);
      }
      g++;
    }
    return out;
  }

  /**
   * One outstanding call at a time: each completion records its latency (when it started and ended
   * in the measured window) and starts the next until the end. Its fields are written by one call's
   * callback at a time, each call started by the previous one's callback, and read after the load's
   * latch.
   */
  private static final class Slot implements StreamObserver<byte[]> {
    private final ManagedChannel channel;
    private final long measureFrom;
    private final long stopAt;
    private final CountDownLatch done;
    private final AtomicLong errors;
    private final AtomicReference<String> firstError;
    long[] latencies = new long[1024];
    int count;
    private long started;

    Slot(
        ManagedChannel channel,
        long measureFrom,
        long stopAt,
        CountDownLatch done,
        AtomicLong errors,
        AtomicReference<String> firstError) {
      this.channel = channel;
      this.measureFrom = measureFrom;
      this.stopAt = stopAt;
      this.done = done;
      this.errors = errors;
      this.firstError = firstError;
    }

    void next() {
      started = System.nanoTime();
      if (started >= stopAt) {
        done.countDown();
        return;
      }
      ClientCalls.asyncUnaryCall(channel.newCall(ECHO, options()), PAYLOAD, this);
    }

    @Override
    public void onNext(byte[] value) {}

    @Override
    public void onError(Throwable t) {
      if (started >= measureFrom) {
        errors.incrementAndGet();
        firstError.compareAndSet(null, describe(t));
      }
      // a call can fail inside asyncUnaryCall (on the direct executor): the next one starts on
      // another thread, so failing calls do not nest on one stack
      ForkJoinPool.commonPool().execute(this::next);
    }

    @Override
    public void onCompleted() {
      long end = System.nanoTime();
      if (started >= measureFrom && end <= stopAt) {
        if (count == latencies.length) {
          latencies = Arrays.copyOf(latencies, count * 2);
        }
        latencies[count++] = end - started;
      }
      next();
    }
  }
}
