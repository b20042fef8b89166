package dev.coldbrew.dataplane;

// Longer than ~500 lines on purpose: the update methods, the request entry (handle, route, reject)
// and the per-connection state and idle sweep all read the same snapshots and counters under one
// confinement rule (swapped by any thread, read on event loops without locks). Split apart, those
// fields would have to be shared across files. Everything with a life of its own is elsewhere:
// ProxiedRequest, Throttler, Breaker, InstanceQueue, RoutingTable, Headers.

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.InstanceDrainer;
import dev.coldbrew.api.stats.Stat;
import dev.coldbrew.dataplane.activator.Throttler;
import dev.coldbrew.dataplane.queue.ConcurrencyStats;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AttributeKey;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.impl.ConnectionBase;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane: the gateway (host → weighted split → revision), each revision's activator and
 * each instance's queue, in one process on Vert.x event loops. The server feeds it routing tables,
 * revision configs, ready instances and SKS modes; it reports load to a {@link Stat.Sink} every
 * second (and at once on a revision's first request, the poke), and tells the runtime when an
 * instance that left the ready set has finished its requests ({@link InstanceDrainer}).
 *
 * <p>Thread-safe. Every {@code update…} method may be called from any thread and never blocks on
 * I/O; it swaps immutable snapshots that request threads read without locking. Held requests are
 * released by {@link #updateInstances} on the calling thread's turn (no polling). {@link #close()}
 * blocks and must not be called from an event loop. The {@code Stat.Sink} is called from event
 * loops and must not block.
 */
public final class DataPlane implements InstanceDrainer, AutoCloseable {
  static final Logger log = LoggerFactory.getLogger(DataPlane.class);
  static final String ACTIVATOR_TIMEOUT = "activator request timeout\n";
  static final String REQUEST_TIMEOUT = "request timeout\n";
  static final String BODY_TIMEOUT = "request body timeout: the client sent nothing for too long\n";
  static final String BODY_TOO_LARGE = "request body too large\n";

  /** What {@link #publicEndpoints} reports for the in-process activator. */
  public static final String ACTIVATOR = "activator";

  /** Where a gateway connection's {@link ConnectionState} hangs: its Netty channel. */
  private static final AttributeKey<ConnectionState> CONNECTION_STATE =
      AttributeKey.valueOf(DataPlane.class, "connectionState");

  final Vertx vertx;
  final HttpClient client;
  final Headers headers;
  final long maxBodyBytes;
  final int defaultTimeoutSeconds;
  final String retryAfter;

  /** {@link DataPlaneOptions#requestBodyIdleTimeout()}; 0 = none. */
  final long bodyIdleNanos;

  private final DataPlaneOptions options;
  private final Stat.Sink sink;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<NamespacedName, RevisionState> revisions =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, InstanceQueue> queues = new ConcurrentHashMap<>();

  /** Per event-loop thread: the connections it serves (header-read timeout). */
  private final ConcurrentHashMap<Thread, IdleSweeper> sweepers = new ConcurrentHashMap<>();

  private volatile RoutingTable routes = RoutingTable.of(Map.of());
  private volatile RequestObserver observer = RequestObserver.NONE;
  volatile boolean coldStartHeader = true;
  private volatile HttpServer server;
  private volatile int port = -1;
  private long statsTimer = -1;
  private HttpServerOptions serverOptions;
  private boolean strictDecoderWarned;
  private final RateLimitedLog clientErrors;

  /** A data plane with its own event loops, reporting load to {@code sink}. Call {@link #start}. */
  public DataPlane(DataPlaneOptions options, Stat.Sink sink) {
    this(options, sink, Clock.systemUTC(), System::nanoTime);
  }

  DataPlane(DataPlaneOptions options, Stat.Sink sink, Clock clock, LongSupplier nanoTime) {
    this.options = options;
    this.sink = sink;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.vertx =
        Vertx.vertx(
            new VertxOptions()
                .setEventLoopPoolSize(options.eventLoops())
                .setPreferNativeTransport(true));
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setKeepAliveTimeout((int) options.backendKeepAliveTimeout().toSeconds())
                .setConnectTimeout((int) options.backendConnectTimeout().toMillis())
                .setTcpNoDelay(true),
            new PoolOptions().setHttp1MaxSize(options.backendPoolSizePerInstance()));
    this.headers = new Headers(options.hopByHopHeaders());
    this.maxBodyBytes = options.maxBodyBytes();
    this.defaultTimeoutSeconds = options.defaultTimeoutSeconds();
    this.retryAfter = Integer.toString(options.retryAfterSeconds());
    this.bodyIdleNanos = options.requestBodyIdleTimeout().toNanos();
    this.clientErrors = new RateLimitedLog(log, TimeUnit.SECONDS.toNanos(10), nanoTime);
  }

  /** Binds the gateway; completes with the bound port. */
  public CompletionStage<Integer> start() {
    serverOptions =
        new HttpServerOptions()
            .setHost(options.bindHost())
            .setPort(options.port())
            .setMaxHeaderSize(options.maxHeaderSize())
            .setMaxInitialLineLength(options.maxInitialLineLength())
            .setTcpNoDelay(true)
            .setCompressionSupported(false)
            .setHttp2ClearTextEnabled(false)
            .setHandle100ContinueAutomatically(false);
    HttpServer s =
        vertx
            .createHttpServer(serverOptions)
            .connectionHandler(this::onConnection)
            .invalidRequestHandler(this::handleInvalid)
            .requestHandler(this::handle);
    return s.listen()
        .map(
            bound -> {
              server = bound;
              port = bound.actualPort();
              statsTimer = vertx.setPeriodic(1000, id -> reportStats());
              log.info(
                  "gateway listening on {}:{} ({})",
                  options.bindHost(),
                  port,
                  vertx.isNativeTransportEnabled()
                      ? "epoll"
                      : "NIO: " + vertx.unavailableNativeTransportCause());
              return port;
            })
        .toCompletionStage();
  }

  /** Stops listening, drops connections and stops the event loops. Blocks; not on an event loop. */
  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("closing the data plane: {}", e.toString());
    }
  }

  /** The bound port, or -1 before {@link #start} completed. */
  public int port() {
    return port;
  }

  /**
   * Where request outcomes go (before {@link #start}); {@code coldStartHeader} adds {@code
   * Coldbrew-Cold-Start: <milliseconds>} to responses that waited for an instance.
   */
  public void observe(RequestObserver observer, boolean coldStartHeader) {
    this.observer = observer;
    this.coldStartHeader = coldStartHeader;
  }

  // ---- updates from the server

  /** Replaces the routing table (which the data plane owns from now on). */
  public void updateRoutes(RoutingTable table) {
    routes = table;
  }

  /**
   * Updates the routing table per host: {@code removed} hosts go, each host of {@code set} takes
   * its split. Costs O(changed hosts); calls must be ordered (not concurrent).
   *
   * @throws IllegalArgumentException on a bad split, naming the host (then nothing is applied)
   */
  public void updateRoutes(Map<String, List<RoutingTable.Target>> set, Collection<String> removed) {
    routes.apply(set, removed);
  }

  /** Adds or replaces a revision's config. */
  public void updateRevision(RevisionConfig config) {
    RevisionState existing = revisions.get(config.revision());
    if (existing == null) {
      existing =
          revisions.computeIfAbsent(
              config.revision(),
              k ->
                  new RevisionState(
                      config,
                      options.maxHeldRequestsPerRevision(),
                      nanoTime(),
                      observer.revisionAdded(k)));
    }
    existing.config = config;
    existing.throttler.updateConcurrency(config.containerConcurrency());
  }

  /** Forgets a revision; requests still held for it get 503. */
  public void removeRevision(NamespacedName revision) {
    RevisionState state = revisions.remove(revision);
    if (state != null) {
      observer.revisionRemoved(revision);
      evictHeld(state, "revision " + revision + " was removed\n");
      updateQueues(state, List.of());
    }
  }

  /**
   * The revision's ready instances (its private endpoints), in the runtime's order. Held requests
   * are sent to a new instance at once. An instance that left keeps its in-flight requests; {@link
   * #awaitIdle} says when they are done. Call {@link #updateRevision} first: an instance's queue
   * takes the revision's containerConcurrency when the instance first appears.
   */
  public void updateInstances(NamespacedName revision, List<Instance> ready) {
    RevisionState state = state(revision);
    updateQueues(state, ready);
    state.throttler.updateInstances(ready);
  }

  /**
   * The revision's SKS mode: in Proxy mode the activator is in the path (it counts, holds and
   * throttles); in Serve mode requests go straight to an instance's queue. A revision in Serve mode
   * with no ready instance still goes through the activator, so a request is never refused because
   * of scaling.
   */
  public void updateMode(NamespacedName revision, SksMode mode) {
    state(revision).mode = mode;
  }

  /**
   * Marks the revision failed (crash loop, progress deadline): held and new requests get 503 at
   * once, naming the revision and {@code reason}, until {@link #clearFailure}.
   */
  public void failRevision(NamespacedName revision, String reason, String message) {
    RevisionState state = state(revision);
    String body =
        "revision "
            + revision
            + " cannot serve: "
            + reason
            + (message == null || message.isEmpty() ? "" : ": " + message)
            + "\n";
    state.failure = new RevisionState.Failure(reason, message, body);
    evictHeld(state, body);
  }

  /** The revision serves again. */
  public void clearFailure(NamespacedName revision) {
    RevisionState state = revisions.get(revision);
    if (state != null) {
      state.failure = null;
    }
  }

  /**
   * The revision's public endpoints as {@code host:port}: in Proxy mode (or with no ready instance)
   * the in-process activator, reported as the gateway's own address; in Serve mode the ready
   * instances.
   */
  public List<String> publicEndpoints(NamespacedName revision) {
    RevisionState state = revisions.get(revision);
    InstanceQueue[] ready = state == null ? RevisionState.NO_QUEUES : state.ready;
    if (state == null || state.mode == SksMode.PROXY || ready.length == 0) {
      return List.of(activatorAddress());
    }
    List<String> out = new ArrayList<>(ready.length);
    for (InstanceQueue q : ready) {
      out.add(q.instance.address());
    }
    return out;
  }

  /** Where the activator listens: the gateway itself ({@code bindHost:port}). */
  public String activatorAddress() {
    return options.bindHost() + ":" + (port >= 0 ? port : options.port());
  }

  /** Requests the activator holds for the revision now (for status and tests). */
  public int heldRequests(NamespacedName revision) {
    RevisionState state = revisions.get(revision);
    return state == null ? 0 : state.throttler.held();
  }

  @Override
  public CompletionStage<Void> awaitIdle(String instanceId, Duration timeout) {
    InstanceQueue q = queues.get(instanceId);
    if (q == null) {
      return CompletableFuture.completedFuture(null);
    }
    return q.idle().completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---- the gateway

  private void handle(HttpServerRequest req) {
    ConnectionState conn = connectionState(req);
    if (conn.closing) {
      // An earlier request ended this connection (rejected, or Connection: close): RFC 9112 §9.6,
      // nothing after it is processed. Vert.x may still hand over a request it had decoded.
      req.connection().close();
      return;
    }
    conn.requestStarted(req);
    try {
      route(req, conn);
    } catch (RuntimeException e) {
      requestFailed(req, e);
    }
  }

  private void route(HttpServerRequest req, ConnectionState conn) {
    MultiMap headers = req.headers();
    conn.scan(headers);
    HostAndPort authority = RequestTarget.authority(headers.get(HttpHeaders.HOST));
    if (authority == null || conn.hosts != 1) { // RFC 9112 §3.2: exactly one valid Host
      reject(req, 400, "missing or malformed Host header\n");
      return;
    }
    String uri = req.uri();
    if (uri.isEmpty() || RequestTarget.hasControl(uri) || req.method() == HttpMethod.CONNECT) {
      reject(req, 400, "malformed request target\n");
      return;
    }
    if (uri.charAt(0) != '/') {
      int end = RequestTarget.absoluteAuthorityEnd(uri);
      if (end > 0) {
        authority = RequestTarget.authority(uri.substring(7, end));
        uri = RequestTarget.originForm(uri, end);
      }
      boolean asterisk = uri.equals("*") && req.method() == HttpMethod.OPTIONS;
      if (authority == null || (end < 0 && !asterisk)) {
        reject(
            req,
            400,
            "request target must be a path, an http:// URI without userinfo, or * for OPTIONS\n");
        return;
      }
    }
    if (conn.connectionClose || (req.version() == HttpVersion.HTTP_1_0 && !conn.keepAlive)) {
      conn.stopAfterThis(); // a pipelined request after this one is never dispatched
    }
    String host = lowerCase(authority.host());
    RoutingTable.HostRoute route = routes.route(host);
    if (route == null) {
      reject(req, 404, "no route for host " + host + "\n");
      return;
    }
    String cl = headers.get(HttpHeaders.CONTENT_LENGTH); // constants: their hash is cached
    if (conn.transferEncodings > 0
        && (cl != null
            || conn.transferEncodings != 1
            || !headers.get(HttpHeaders.TRANSFER_ENCODING).equalsIgnoreCase("chunked"))) {
      reject(req, 400, "unsupported or conflicting Transfer-Encoding\n");
      return;
    }
    long length = 0;
    if (cl != null) {
      length = parseLength(cl);
      if (length < 0) {
        reject(req, 400, "malformed Content-Length\n");
        return;
      }
      if (length > maxBodyBytes) {
        reject(req, 413, BODY_TOO_LARGE);
        return;
      }
    }
    boolean expectContinue = false;
    String expect = headers.get(HttpHeaders.EXPECT);
    if (expect != null) {
      if (conn.expects != 1 || !expect.equalsIgnoreCase("100-continue")) {
        reject(req, 417, "unsupported Expect (only 100-continue is)\n");
        return;
      }
      expectContinue = req.version() != HttpVersion.HTTP_1_0; // RFC 9110 §10.1.1
    }
    RevisionState rev = state(route.pick());
    RevisionState.Failure failure = rev.failure;
    if (failure != null) {
      reject(req, 503, failure.body());
      return;
    }
    // An upgrade is tunnelled only for a bodiless GET (RFC 6455 §4.1); on any other request the
    // Upgrade header is dropped as hop-by-hop and the request proxied as it is.
    boolean webSocket =
        req.method() == HttpMethod.GET
            && conn.transferEncodings == 0
            && length == 0
            && "websocket".equalsIgnoreCase(headers.get(HttpHeaders.UPGRADE));
    new ProxiedRequest(this, req, rev, authority, uri, webSocket, expectContinue).start();
  }

  /**
   * Handling the request threw: the client's input hit something unforeseen. 400 and the connection
   * closed; one line at WARN (rate-limited), the exception at DEBUG.
   */
  private void requestFailed(HttpServerRequest req, RuntimeException e) {
    clientErrors.warn("a request could not be handled and was answered 400", e);
    try {
      reject(req, 400, "bad request\n");
    } catch (RuntimeException again) {
      req.connection().close();
    }
  }

  /** A request the decoder could not parse: 414, 431 or 400, then the connection is closed. */
  private void handleInvalid(HttpServerRequest req) {
    Throwable cause = req.decoderResult().cause();
    int status = 400;
    String body = "malformed request\n";
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      body = "request line too long\n";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      body = "request headers too large\n";
    }
    if (log.isDebugEnabled()) {
      log.debug("refused a malformed request ({}): {}", status, String.valueOf(cause));
    }
    reject(req, status, body);
  }

  /**
   * Answers at once and ends the connection: the decoder stops (nothing sent after this request is
   * read), and the connection closes once the answer is flushed.
   */
  void reject(HttpServerRequest req, int status, String body) {
    ConnectionState conn = connectionState(req);
    if (conn != null) {
      conn.stopReading();
    }
    var res = req.response();
    if (res.headWritten() || res.ended()) {
      req.connection().close();
      return;
    }
    res.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(body)
        .onComplete(v -> req.connection().close());
  }

  /** The connection of {@code req} reads nothing after it (its answer closes the connection). */
  void stopReading(HttpServerRequest req) {
    ConnectionState conn = connectionState(req);
    if (conn != null) {
      conn.stopReading();
    }
  }

  private static String lowerCase(String host) {
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return host.toLowerCase(java.util.Locale.ROOT);
      }
    }
    return host;
  }

  private static long parseLength(String value) {
    if (value.isEmpty() || value.length() > 18) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  // ---- connections: strict decoding, header-read timeout

  private void onConnection(HttpConnection conn) {
    StrictRequestDecoder decoder = StrictRequestDecoder.install(conn, serverOptions);
    if (decoder == null && !strictDecoderWarned) {
      strictDecoderWarned = true;
      log.warn(
          "could not install the strict HTTP decoder: bytes after a rejected request are still"
              + " decoded (such requests are dropped, not dispatched)");
    }
    IdleSweeper sweeper = sweepers.computeIfAbsent(Thread.currentThread(), t -> new IdleSweeper());
    ConnectionState state = new ConnectionState(conn, decoder, nanoTime());
    ((ConnectionBase) conn).channel().attr(CONNECTION_STATE).set(state);
    sweeper.connections.add(state);
    conn.closeHandler(v -> sweeper.connections.remove(state));
    // resets and broken pipes are the client's doing: not worth more than a debug line
    conn.exceptionHandler(e -> log.debug("gateway connection: {}", String.valueOf(e)));
  }

  /**
   * The state {@link #onConnection} attached to the request's connection, found without a map
   * lookup. Vert.x 5.0 internals, as {@link StrictRequestDecoder}: every Vert.x connection is a
   * {@link ConnectionBase} over a Netty channel (the gateway tests fail loudly if that changes).
   */
  private static ConnectionState connectionState(HttpServerRequest req) {
    return ((ConnectionBase) req.connection()).channel().attr(CONNECTION_STATE).get();
  }

  /**
   * The gateway connections served by one event loop; a periodic timer on that loop closes those
   * idle (no request in progress) for longer than the header-read timeout. One timer per loop
   * instead of one per response keeps the check off the request path. Confined to its event loop.
   */
  private final class IdleSweeper implements Handler<Long> {
    final Set<ConnectionState> connections = new HashSet<>();
    private final long timeoutNanos = options.headerReadTimeout().toNanos();

    /** Created on its event loop, so the timer runs there. */
    IdleSweeper() {
      vertx.setPeriodic(sweepPeriodMillis(options.headerReadTimeout()), this);
    }

    @Override
    public void handle(Long timerId) {
      long now = nanoTime();
      List<ConnectionState> expired = null;
      for (ConnectionState c : connections) {
        if (c.active == 0 && now - c.idleSince >= timeoutNanos) {
          if (expired == null) {
            expired = new ArrayList<>();
          }
          expired.add(c);
        }
      }
      if (expired != null) {
        for (ConnectionState c : expired) {
          connections.remove(c);
          c.conn.close();
        }
      }
    }
  }

  /**
   * How often idle connections are checked: a quarter of the timeout, at most 1 s, at least 1 ms.
   */
  static long sweepPeriodMillis(Duration headerReadTimeout) {
    return Math.max(1, Math.min(1000, headerReadTimeout.toMillis() / 4));
  }

  /**
   * One client connection: it must deliver a request's headers within the header-read timeout of
   * opening or of its previous response ending ({@link IdleSweeper} enforces it); once a request on
   * it was rejected or asked to close, it reads and dispatches nothing more. Also the connection's
   * scratch for counting a request's framing headers without allocating. Confined to the
   * connection's event loop.
   */
  private final class ConnectionState implements Handler<Void>, BiConsumer<String, String> {
    final HttpConnection conn;
    private final StrictRequestDecoder decoder;

    /** Requests whose response has not ended. */
    int active;

    /** When {@link #active} last dropped to 0 (or the connection opened), in nanoTime. */
    long idleSince;

    /** No further request of this connection is dispatched. */
    boolean closing;

    // the current request's headers, counted by scan()
    int hosts;
    int transferEncodings;
    int expects;
    boolean connectionClose;
    boolean keepAlive;

    ConnectionState(HttpConnection conn, StrictRequestDecoder decoder, long now) {
      this.conn = conn;
      this.decoder = decoder;
      this.idleSince = now;
    }

    void requestStarted(HttpServerRequest req) {
      active++;
      req.response().endHandler(this);
    }

    /** The response ended. */
    @Override
    public void handle(Void v) {
      if (--active == 0) {
        idleSince = nanoTime();
      }
    }

    /** Requests after the current one are dropped; its own body is still read. */
    void stopAfterThis() {
      closing = true;
    }

    /** Nothing more is decoded, not even the rest of the current request. */
    void stopReading() {
      closing = true;
      if (decoder != null) {
        decoder.stop();
      }
    }

    /** Counts the request's Host, Transfer-Encoding and Expect lines and reads Connection. */
    void scan(MultiMap headers) {
      hosts = 0;
      transferEncodings = 0;
      expects = 0;
      connectionClose = false;
      keepAlive = false;
      headers.forEach(this); // Vert.x's header map walks its entries without allocating
    }

    @Override
    public void accept(String name, String value) {
      switch (name.length()) {
        case 4 -> {
          if (name.equalsIgnoreCase("host")) {
            hosts++;
          }
        }
        case 6 -> {
          if (name.equalsIgnoreCase("expect")) {
            expects++;
          }
        }
        case 10 -> {
          if (name.equalsIgnoreCase("connection")) {
            connectionClose |= Headers.hasToken(value, "close");
            keepAlive |= Headers.hasToken(value, "keep-alive");
          }
        }
        case 17 -> {
          if (name.equalsIgnoreCase("transfer-encoding")) {
            transferEncodings++;
          }
        }
        default -> {}
      }
    }
  }

  // ---- internals used by ProxiedRequest

  long nanoTime() {
    return nanoTime.getAsLong();
  }

  InstanceQueue queue(String instanceId) {
    return queues.get(instanceId);
  }

  void queueExit(InstanceQueue q) {
    if (q.exit()) {
      queues.remove(q.instance.id(), q);
    }
  }

  void poke(NamespacedName revision) {
    sink.accept(new Stat(revision, clock.millis(), ACTIVATOR, 1, 0, 1, 0));
  }

  String heldFullBody(RevisionState rev) {
    return "revision "
        + rev.key
        + ": too many requests waiting for an instance ("
        + options.maxHeldRequestsPerRevision()
        + "); retry later\n";
  }

  String queueFullBody(RevisionState rev) {
    return "revision " + rev.key + ": instance queue full; retry later\n";
  }

  String badGatewayBody(RevisionState rev, String instanceId, String detail) {
    return "revision " + rev.key + ", instance " + instanceId + ": " + detail + "\n";
  }

  /** The revision's state, for tests; null if unknown. */
  RevisionState revisionState(NamespacedName revision) {
    return revisions.get(revision);
  }

  private RevisionState state(NamespacedName revision) {
    RevisionState state = revisions.get(revision);
    if (state != null) {
      return state;
    }
    return revisions.computeIfAbsent(
        revision,
        k ->
            new RevisionState(
                RevisionConfig.defaults(k),
                options.maxHeldRequestsPerRevision(),
                nanoTime(),
                observer.revisionAdded(k)));
  }

  private void evictHeld(RevisionState state, String body) {
    for (Throttler.Waiter w : state.throttler.evictAll()) {
      ProxiedRequest.of(w).evict(body);
    }
  }

  private void updateQueues(RevisionState state, List<Instance> ready) {
    int cc = state.config.containerConcurrency();
    Map<String, InstanceQueue> kept = new HashMap<>();
    InstanceQueue[] next = new InstanceQueue[ready.size()];
    for (int i = 0; i < next.length; i++) {
      Instance inst = ready.get(i);
      InstanceQueue q =
          queues.compute(
              inst.id(),
              (id, old) ->
                  old != null && old.instance.equals(inst)
                      ? old
                      : new InstanceQueue(
                          inst, state.key, cc, options.queueDepthPerConcurrency(), nanoTime()));
      q.setReady(true);
      next[i] = q;
      kept.put(inst.id(), q);
    }
    InstanceQueue[] previous = state.ready;
    state.ready = next;
    for (InstanceQueue q : previous) {
      if (kept.get(q.instance.id()) != q && q.setReady(false)) {
        queues.remove(q.instance.id(), q);
      }
    }
  }

  // ---- stats

  private void reportStats() {
    long now = nanoTime();
    long millis = clock.millis();
    for (InstanceQueue q : queues.values()) {
      ConcurrencyStats.Report r = q.stats.report(now);
      sink.accept(
          new Stat(
              q.revision,
              millis,
              q.instance.id(),
              r.averageConcurrency(),
              r.averageProxiedConcurrency(),
              r.requestCount(),
              r.proxiedRequestCount()));
    }
    for (RevisionState rev : revisions.values()) {
      ConcurrencyStats.Report r = rev.activatorStats.report(now);
      if (r != null) {
        sink.accept(
            new Stat(rev.key, millis, ACTIVATOR, r.averageConcurrency(), 0, r.requestCount(), 0));
      }
    }
  }
}
