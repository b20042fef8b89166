package dev.coldbrew.dataplane;

import java.time.Duration;
import java.util.List;

/**
 * Every pool size, queue bound and timeout of the data plane, in one place. {@link #defaults()}
 * gives each its default; the reason for each is on its accessor below. Immutable.
 *
 * @param bindHost where the gateway listens: loopback, since the local product serves this machine
 * @param port the gateway port, 8080 as in Knative's URLs here; 0 picks a free port (tests)
 * @param eventLoops event-loop threads for the gateway and its backend connections: one per core,
 *     since throughput follows cores (on a machine loaded by other work, p99 latency follows the
 *     number of busy threads, so such a machine may prefer 1). Every one of them accepts client
 *     connections and serves them with its own backend connections
 * @param backendPoolSizePerInstance pooled keep-alive HTTP/1.1 connections per instance and event
 *     loop: 100, as Knative's activator transport keeps 100 per host; requests beyond wait for a
 *     connection of their loop
 * @param maxHeldRequestsPerRevision requests the activator holds per revision before answering 503
 *     with {@code Retry-After}: 10 000, Knative's revision breaker queue depth
 * @param queueDepthPerConcurrency waiting requests per unit of containerConcurrency in an
 *     instance's queue: 10, Knative's queue-proxy ({@code 10 × cc} waiting, 503 beyond)
 * @param retryAfterSeconds the {@code Retry-After} of an overload 503: 1 s, the autoscaler's tick
 *     rate is 2 s and a cold start about as long, so a client retries about when capacity exists
 * @param maxHeaderSize total request header bytes before 431: 8 KiB, Netty's and nginx's default
 *     line budget; large cookies fit, header floods do not
 * @param maxInitialLineLength request line bytes before 414: 8 KiB, nginx's large-header buffer
 *     size; longer URIs are almost always abuse
 * @param maxBodyBytes request body bytes before 413: 32 MiB, Cloud Run's HTTP/1 request limit; a
 *     declared longer {@code Content-Length} is refused before anything is proxied
 * @param headerReadTimeout a connection must deliver a request's complete headers within this of
 *     being opened or of its previous response ending, else it is closed (slowloris): 10 s, as
 *     haproxy's {@code timeout http-request}, which is also how long an idle keep-alive client
 *     connection stays open. Idle connections are checked periodically, every quarter of this
 *     timeout but at least every second (and at most every millisecond), so a connection is closed
 *     between this timeout and this timeout plus that period: 10 to 11 s by default
 * @param requestBodyIdleTimeout while the gateway reads a request body for an instance, a client
 *     that sends no byte of it for this long gets 408 (or, once the response has started, a closed
 *     connection) and the instance's request is cancelled: 10 s, the header-read timeout, so a
 *     stalled upload holds an instance no longer than stalled headers hold a connection; time the
 *     gateway itself stops reading (the instance is slower than the client) does not count. Zero
 *     turns it off
 * @param backendConnectTimeout opening a connection to an instance: 1 s, loopback connects are
 *     immediate, so a slow one means the instance is gone and another may be tried
 * @param backendKeepAliveTimeout how long an idle pooled backend connection is kept: 4 s, under
 *     Node.js's 5 s default keep-alive, so the gateway closes an idle connection before the app
 *     does (a request sent on a connection the app is closing would be a 502)
 * @param defaultTimeoutSeconds a revision's {@code timeoutSeconds} when it gives 0: 300, Knative's
 *     {@code revision-timeout-seconds}
 * @param hopByHopHeaders headers that describe one connection and are never forwarded either way
 *     (RFC 9110 §7.6.1), plus those named in {@code Connection}; lower case
 * @param transport the Netty transport of the gateway and its backend connections: {@code io_uring}
 *     (the default: it used less CPU per proxied request than epoll in the proxy benchmark, see
 *     docs/performance.md), {@code epoll} or {@code nio}; a native one that cannot load here (an
 *     old kernel, io_uring disabled or filtered by seccomp) falls back to the next: io_uring →
 *     epoll → NIO
 */
public record DataPlaneOptions(
    String bindHost,
    int port,
    int eventLoops,
    int backendPoolSizePerInstance,
    int maxHeldRequestsPerRevision,
    int queueDepthPerConcurrency,
    int retryAfterSeconds,
    int maxHeaderSize,
    int maxInitialLineLength,
    long maxBodyBytes,
    Duration headerReadTimeout,
    Duration requestBodyIdleTimeout,
    Duration backendConnectTimeout,
    Duration backendKeepAliveTimeout,
    int defaultTimeoutSeconds,
    List<String> hopByHopHeaders,
    String transport) {

  public DataPlaneOptions {
    hopByHopHeaders = List.copyOf(hopByHopHeaders);
    atLeast("port", port, 0);
    atLeast("eventLoops", eventLoops, 1);
    atLeast("backendPoolSizePerInstance", backendPoolSizePerInstance, 1);
    atLeast("maxHeldRequestsPerRevision", maxHeldRequestsPerRevision, 0);
    atLeast("queueDepthPerConcurrency", queueDepthPerConcurrency, 0);
    atLeast("retryAfterSeconds", retryAfterSeconds, 0);
    atLeast("maxHeaderSize", maxHeaderSize, 256);
    atLeast("maxInitialLineLength", maxInitialLineLength, 64);
    atLeast("maxBodyBytes", maxBodyBytes, 0);
    atLeast("defaultTimeoutSeconds", defaultTimeoutSeconds, 1);
    Transport.Kind.parse(transport);
    if (requestBodyIdleTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "requestBodyIdleTimeout: " + requestBodyIdleTimeout + " (expected: >= 0)");
    }
  }

  /** The defaults, with the reasons given above. */
  public static DataPlaneOptions defaults() {
    return new DataPlaneOptions(
        "127.0.0.1",
        8080,
        Math.max(1, Runtime.getRuntime().availableProcessors()),
        100,
        10_000,
        10,
        1,
        8192,
        8192,
        32L * 1024 * 1024,
        Duration.ofSeconds(10),
        Duration.ofSeconds(10),
        Duration.ofSeconds(1),
        Duration.ofSeconds(4),
        300,
        List.of(
            "connection",
            "keep-alive",
            "proxy-connection",
            "proxy-authenticate",
            "proxy-authorization",
            "te",
            "trailer",
            "transfer-encoding",
            "upgrade"),
        "io_uring");
  }

  public DataPlaneOptions withBind(String bindHost, int port) {
    Copy c = new Copy(this);
    c.bindHost = bindHost;
    c.port = port;
    return c.build();
  }

  public DataPlaneOptions withEventLoops(int eventLoops) {
    Copy c = new Copy(this);
    c.eventLoops = eventLoops;
    return c.build();
  }

  public DataPlaneOptions withMaxHeldRequestsPerRevision(int maxHeldRequestsPerRevision) {
    Copy c = new Copy(this);
    c.maxHeldRequestsPerRevision = maxHeldRequestsPerRevision;
    return c.build();
  }

  public DataPlaneOptions withLimits(
      int maxHeaderSize, int maxInitialLineLength, long maxBodyBytes, Duration headerReadTimeout) {
    Copy c = new Copy(this);
    c.maxHeaderSize = maxHeaderSize;
    c.maxInitialLineLength = maxInitialLineLength;
    c.maxBodyBytes = maxBodyBytes;
    c.headerReadTimeout = headerReadTimeout;
    return c.build();
  }

  public DataPlaneOptions withRequestBodyIdleTimeout(Duration requestBodyIdleTimeout) {
    Copy c = new Copy(this);
    c.requestBodyIdleTimeout = requestBodyIdleTimeout;
    return c.build();
  }

  public DataPlaneOptions withTransport(String transport) {
    Copy c = new Copy(this);
    c.transport = transport;
    return c.build();
  }

  /** Every component, settable: each {@code with…} above changes only what it names. */
  private static final class Copy {
    String bindHost;
    int port;
    int eventLoops;
    int backendPoolSizePerInstance;
    int maxHeldRequestsPerRevision;
    int queueDepthPerConcurrency;
    int retryAfterSeconds;
    int maxHeaderSize;
    int maxInitialLineLength;
    long maxBodyBytes;
    Duration headerReadTimeout;
    Duration requestBodyIdleTimeout;
    Duration backendConnectTimeout;
    Duration backendKeepAliveTimeout;
    int defaultTimeoutSeconds;
    List<String> hopByHopHeaders;
    String transport;

    Copy(DataPlaneOptions o) {
      bindHost = o.bindHost;
      port = o.port;
      eventLoops = o.eventLoops;
      backendPoolSizePerInstance = o.backendPoolSizePerInstance;
      maxHeldRequestsPerRevision = o.maxHeldRequestsPerRevision;
      queueDepthPerConcurrency = o.queueDepthPerConcurrency;
      retryAfterSeconds = o.retryAfterSeconds;
      maxHeaderSize = o.maxHeaderSize;
      maxInitialLineLength = o.maxInitialLineLength;
      maxBodyBytes = o.maxBodyBytes;
      headerReadTimeout = o.headerReadTimeout;
      requestBodyIdleTimeout = o.requestBodyIdleTimeout;
      backendConnectTimeout = o.backendConnectTimeout;
      backendKeepAliveTimeout = o.backendKeepAliveTimeout;
      defaultTimeoutSeconds = o.defaultTimeoutSeconds;
      hopByHopHeaders = o.hopByHopHeaders;
      transport = o.transport;
    }

    DataPlaneOptions build() {
      return new DataPlaneOptions(
          bindHost,
          port,
          eventLoops,
          backendPoolSizePerInstance,
          maxHeldRequestsPerRevision,
          queueDepthPerConcurrency,
          retryAfterSeconds,
          maxHeaderSize,
          maxInitialLineLength,
          maxBodyBytes,
          headerReadTimeout,
          requestBodyIdleTimeout,
          backendConnectTimeout,
          backendKeepAliveTimeout,
          defaultTimeoutSeconds,
          hopByHopHeaders,
          transport);
    }
  }

  private static void atLeast(String name, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= " + min + ")");
    }
  }
}
