package dev.coldbrew.dataplane;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * The gateway: accepts client connections on every event loop, decodes requests with the {@link
 * StrictRequestDecoder}, checks each head (Host, request target, framing, sizes, Expect), routes it
 * (host → the route's weighted split → a revision) and starts its {@link ProxiedRequest}; or
 * answers it at once (400, 404, 413, 414, 417, 431, 503) and reads nothing more from the
 * connection. With a native transport every event loop has its own listening socket on the port
 * ({@code SO_REUSEPORT}), so each accepts and serves its own connections; with NIO one socket
 * accepts and hands connections to the loops in turn.
 *
 * <p>Thread-safe: {@link #bind} and {@link #close} from any thread but an event loop; {@link
 * #onHead} on the connection's event loop. Holds what every request of every loop shares (limits,
 * header rules, the registry, the load reporter).
 */
final class Gateway {
  static final String ACTIVATOR_TIMEOUT = "activator request timeout\n";
  static final String REQUEST_TIMEOUT = "request timeout\n";
  static final String BODY_TIMEOUT = "request body timeout: the client sent nothing for too long\n";
  static final String BODY_TOO_LARGE = "request body too large\n";

  final DataPlaneOptions options;
  final Transport transport;
  final RevisionRegistry registry;
  final LoadReporter reporter;
  final Headers headers;
  final long maxBodyBytes;
  final long bodyIdleNanos;
  final String retryAfter;
  volatile boolean coldStartHeader = true;
  private final EventLoopGroup group;
  private final ConnectionTracker[] loops;
  private final LongSupplier nanoTime;
  private final HttpDecoderConfig requestDecoder;

  /** The period of the answer logs: one line per revision and answer at most. */
  private static final long ANSWER_LOG_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** The answer logs of requests refused before routing, by answer (a revision keeps its own). */
  private final AtomicReferenceArray<RateLimitedLog> unroutedLogs =
      new AtomicReferenceArray<>(GatewayAnswer.values().length);

  private final List<Channel> servers = new CopyOnWriteArrayList<>();

  Gateway(
      DataPlaneOptions options,
      Transport transport,
      EventLoopGroup group,
      ConnectionTracker[] loops,
      RevisionRegistry registry,
      LoadReporter reporter,
      LongSupplier nanoTime) {
    this.options = options;
    this.transport = transport;
    this.group = group;
    this.loops = loops;
    this.registry = registry;
    this.reporter = reporter;
    this.nanoTime = nanoTime;
    this.headers = new Headers(options.hopByHopHeaders());
    this.maxBodyBytes = options.maxBodyBytes();
    this.bodyIdleNanos = options.requestBodyIdleTimeout().toNanos();
    this.retryAfter = Integer.toString(options.retryAfterSeconds());
    this.requestDecoder =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(options.maxInitialLineLength())
            .setMaxHeaderSize(options.maxHeaderSize())
            .setMaxChunkSize(8192)
            .setAllowDuplicateContentLengths(false);
  }

  long nanoTime() {
    return nanoTime.getAsLong();
  }

  // ---- listening

  /** Listens on every event loop; completes with the bound port. */
  CompletionStage<Integer> bind() {
    CompletableFuture<Integer> bound = new CompletableFuture<>();
    String host = options.bindHost();
    int port = options.port();
    if (!transport.reusePort()) {
      listen(
          new ServerBootstrap().group(group, group),
          host,
          port,
          bound,
          () -> bound.complete(boundPort()));
      return bound;
    }
    if (port != 0) {
      // SO_REUSEPORT would let these sockets join another process's listening socket (of the same
      // user) instead of failing: a plain bind first says whether the port is taken
      try (ServerSocket probe = new ServerSocket()) {
        probe.bind(new InetSocketAddress(host, port));
      } catch (IOException e) {
        bound.completeExceptionally(e);
        return bound;
      }
    }
    listenOn(0, host, port, bound);
    return bound;
  }

  private void listenOn(int i, String host, int port, CompletableFuture<Integer> bound) {
    EventLoop loop = loops[i].loop;
    ServerBootstrap b =
        new ServerBootstrap().group(loop, loop).option(transport.reusePortOption(), true);
    listen(
        b,
        host,
        port,
        bound,
        () -> {
          if (i + 1 < loops.length) {
            listenOn(i + 1, host, boundPort(), bound);
          } else {
            bound.complete(boundPort());
          }
        });
  }

  private void listen(
      ServerBootstrap b, String host, int port, CompletableFuture<Integer> bound, Runnable then) {
    b.channel(transport.serverChannel)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                StrictRequestDecoder decoder = new StrictRequestDecoder(requestDecoder);
                ConnectionTracker tracker = tracker(ch.eventLoop());
                ch.pipeline()
                    .addLast(Http2.sniffer(p -> serveHttp2(p, tracker, null, null)))
                    .addLast(HTTP1.get(0), decoder)
                    .addLast(HTTP1.get(1), new HttpResponseEncoder())
                    .addLast(HTTP1.get(2), new ClientConnection(Gateway.this, tracker, decoder));
              }
            })
        .bind(host, port)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                close();
                bound.completeExceptionally(f.cause());
                return;
              }
              servers.add(((io.netty.channel.ChannelFuture) f).channel());
              if (!bound.isDone()) {
                then.run();
              }
            });
  }

  /** The names of a connection's HTTP/1.1 handlers, which HTTP/2's replace. */
  private static final List<String> HTTP1 = List.of("http1-decoder", "http1-encoder", "http1");

  /**
   * Makes a client's connection HTTP/2 (its HTTP/1.1 handlers go), each stream a connection of the
   * request path's; after an {@code Upgrade: h2c}, {@code upgrade} is stream 1's request and {@code
   * settings} the client's (both null otherwise).
   */
  void serveHttp2(
      ChannelPipeline p,
      ConnectionTracker tracker,
      FullHttpRequest upgrade,
      Http2Settings settings) {
    for (String name : HTTP1) {
      p.remove(name);
    }
    ChannelInitializer<Http2StreamChannel> streams =
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(Http2StreamChannel ch) {
            Http2.clientStream(ch.pipeline());
            ch.pipeline().addLast(new ClientConnection(Gateway.this, tracker, null));
            if (upgrade != null && ch.stream().id() == 1) {
              // once the stream is active: the request arrives as if it had been sent on it
              ch.eventLoop().execute(() -> ch.pipeline().fireChannelRead(upgrade));
            }
          }
        };
    Http2.serve(
        p, streams, options.maxHeaderSize(), options.headerReadTimeout().toNanos(), settings);
  }

  private int boundPort() {
    return ((InetSocketAddress) servers.get(0).localAddress()).getPort();
  }

  /** Stops listening (open connections are closed with the event loops). */
  void close() {
    for (Channel s : servers) {
      s.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    servers.clear();
  }

  private ConnectionTracker tracker(EventLoop loop) {
    for (ConnectionTracker t : loops) {
      if (t.loop == loop) {
        return t;
      }
    }
    throw new IllegalStateException("a channel on an event loop the data plane does not own");
  }

  // ---- a request head

  /** A head was read on {@code conn}: check, route and start it, or refuse it. */
  void onHead(ClientConnection conn, HttpRequest head) {
    if (head.decoderResult().isFailure()) {
      invalid(conn, head);
      return;
    }
    try {
      route(conn, head);
    } catch (RuntimeException e) {
      if (conn.current == null) {
        reject(
            conn,
            head.protocolVersion(),
            GatewayAnswer.MALFORMED_REQUEST,
            "bad request\n",
            null,
            "the request could not be handled",
            e);
      } else {
        answerLog(GatewayAnswer.MALFORMED_REQUEST, null)
            .warn("the request could not be handled; its connection was closed", e);
        conn.close();
      }
    }
  }

  private void route(ClientConnection conn, HttpRequest head) {
    HttpVersion version = head.protocolVersion();
    if (version.majorVersion() != 1 || version.minorVersion() > 1) {
      reject(
          conn,
          HttpVersion.HTTP_1_1,
          GatewayAnswer.MALFORMED_REQUEST,
          "unsupported HTTP version\n",
          null);
      return;
    }
    HttpHeaders h = head.headers();
    Headers.RequestScan scan = conn.scan;
    headers.scan(h, scan);
    // RFC 9112 §3.2: exactly one valid Host
    RequestTarget.Authority authority = scan.hosts == 1 ? conn.authority(scan.host) : null;
    if (authority == null) {
      reject(
          conn,
          version,
          GatewayAnswer.MALFORMED_REQUEST,
          "missing or malformed Host header\n",
          null);
      return;
    }
    String host = conn.routeHost();
    String uri = head.uri();
    HttpMethod method = head.method();
    if (uri.isEmpty() || RequestTarget.hasControl(uri) || HttpMethod.CONNECT.equals(method)) {
      reject(conn, version, GatewayAnswer.MALFORMED_REQUEST, "malformed request target\n", null);
      return;
    }
    String absoluteAuthority = null;
    if (uri.charAt(0) != '/') {
      int end = RequestTarget.absoluteAuthorityEnd(uri);
      if (end > 0) {
        absoluteAuthority = uri.substring(7, end);
        authority = RequestTarget.authority(absoluteAuthority);
        host = authority == null ? null : lowerCase(authority.host());
        uri = RequestTarget.originForm(uri, end);
        head.setUri(uri);
      }
      boolean asterisk = uri.equals("*") && HttpMethod.OPTIONS.equals(method);
      if (authority == null || (end < 0 && !asterisk)) {
        reject(
            conn,
            version,
            GatewayAnswer.MALFORMED_REQUEST,
            "request target must be a path, an http:// URI without userinfo, or * for OPTIONS\n",
            null);
        return;
      }
    }
    boolean http10 = version.minorVersion() == 0;
    boolean keepAlive = !scan.connectionClose && (!http10 || scan.keepAlive);
    if (!keepAlive) {
      conn.stopAfterThis(); // a pipelined request after this one is never dispatched
    }
    RoutingTable.HostRoute route = registry.route(host, conn.onThisMachine);
    if (route == null) {
      reject(conn, version, GatewayAnswer.NO_ROUTE, "no route for host " + host + "\n", null);
      return;
    }
    RevisionState rev = registry.state(route.pick());
    String cl = scan.contentLength;
    if (scan.transferEncodings > 0
        && (cl != null
            || scan.transferEncodings != 1
            || !scan.transferEncoding.equalsIgnoreCase("chunked"))) {
      reject(
          conn,
          version,
          GatewayAnswer.MALFORMED_REQUEST,
          "unsupported or conflicting Transfer-Encoding\n",
          rev);
      return;
    }
    long length = 0;
    if (cl != null) {
      length = parseLength(cl);
      if (length < 0) {
        reject(conn, version, GatewayAnswer.MALFORMED_REQUEST, "malformed Content-Length\n", rev);
        return;
      }
      if (length > maxBodyBytes) {
        reject(conn, version, GatewayAnswer.BODY_TOO_LARGE, BODY_TOO_LARGE, rev);
        return;
      }
    }
    boolean expectContinue = false;
    if (scan.expects > 0) {
      if (scan.expects != 1 || !scan.expect.equalsIgnoreCase("100-continue")) {
        reject(
            conn,
            version,
            GatewayAnswer.UNSUPPORTED_EXPECT,
            "unsupported Expect (only 100-continue is)\n",
            rev);
        return;
      }
      expectContinue = !http10; // RFC 9110 §10.1.1
    }
    RevisionState.Failure failure = rev.failure;
    if (failure != null) {
      reject(conn, version, GatewayAnswer.REVISION_FAILED, failure.body(), rev);
      return;
    }
    // An upgrade is tunnelled only for a bodiless GET (RFC 6455 §4.1); on any other request the
    // Upgrade header is dropped as hop-by-hop and the request proxied as it is. A bodiless HTTP/1.1
    // request may ask for HTTP/2 (h2c, RFC 7540 §3.2): it is then stream 1 of the new connection.
    String upgrade = scan.upgrade;
    if (upgrade != null
        && "h2c".equalsIgnoreCase(upgrade)
        && !conn.http2()
        && !http10
        && length == 0
        && scan.transferEncodings == 0
        && Http2.upgradeNamed(h)) {
      Http2Settings settings = Http2.upgradeSettings(h);
      if (settings != null) {
        conn.upgradeToHttp2(head, settings);
        return;
      }
    }
    boolean webSocket =
        HttpMethod.GET.equals(method)
            && scan.transferEncodings == 0
            && length == 0
            && "websocket".equalsIgnoreCase(upgrade);
    // HTTP/2: the names Netty's conversion adds are not headers; TE (hop-by-hop) passes as
    // "trailers" only, which gRPC servers look for
    boolean http2 = rev.config.http2();
    boolean teTrailers =
        http2 && h.containsValue(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS, true);
    long grpcTimeout = 0;
    if (http2 || conn.http2()) {
      Http2.dropExtensionHeaders(h);
      grpcTimeout = Http2.grpcTimeoutNanos(h.get(Http2.GRPC_TIMEOUT));
    }
    headers.rewriteRequest(
        h,
        scan,
        absoluteAuthority,
        webSocket ? upgrade : null,
        conn.clientAddress,
        conn.forwardedNode);
    if (teTrailers) {
      h.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
    }
    head.setProtocolVersion(HttpVersion.HTTP_1_1);
    RequestContext context =
        RequestContext.of(
            rev,
            options.defaultTimeoutSeconds(),
            method,
            version,
            keepAlive,
            scan.transferEncodings > 0 ? -1 : length,
            webSocket,
            expectContinue,
            grpcTimeout,
            nanoTime());
    new ProxiedRequest(this, conn, context, head).start();
  }

  /**
   * A stream whose request Netty's conversion could not read (e.g. {@code :authority} and {@code
   * Host} disagreeing): 400, then the stream ends.
   */
  void malformedStream(ClientConnection conn, Throwable cause) {
    reject(
        conn,
        HttpVersion.HTTP_1_1,
        GatewayAnswer.MALFORMED_REQUEST,
        "malformed request\n",
        null,
        "an HTTP/2 request that could not be read",
        cause);
  }

  /** A head the decoder could not parse: 414, 431 or 400, then the connection is closed. */
  private void invalid(ClientConnection conn, HttpRequest head) {
    Throwable cause = head.decoderResult().cause();
    GatewayAnswer answer = GatewayAnswer.MALFORMED_REQUEST;
    String body = "malformed request\n";
    if (cause instanceof TooLongHttpLineException) {
      answer = GatewayAnswer.REQUEST_LINE_TOO_LONG;
      body = "request line too long\n";
    } else if (cause instanceof TooLongHttpHeaderException) {
      answer = GatewayAnswer.HEADERS_TOO_LARGE;
      body = "request headers too large\n";
    }
    if (DataPlane.log.isDebugEnabled()) {
      DataPlane.log.debug(
          "refused a malformed request ({}): {}", answer.status, String.valueOf(cause));
    }
    reject(conn, head.protocolVersion(), answer, body, null);
  }

  /**
   * Answers at once and ends the connection: the decoder stops (nothing sent after this request is
   * read), and the connection closes once the answer is flushed. {@code rev} is null before the
   * request was routed.
   */
  private void reject(
      ClientConnection conn,
      HttpVersion version,
      GatewayAnswer answer,
      String body,
      RevisionState rev) {
    reject(conn, version, answer, body, rev, body, null);
  }

  /** Likewise, logged as {@code detail} with {@code cause}'s message. */
  private void reject(
      ClientConnection conn,
      HttpVersion version,
      GatewayAnswer answer,
      String body,
      RevisionState rev,
      String detail,
      Throwable cause) {
    conn.stopReading();
    conn.reading = null;
    conn.reply(version, answer.status, body, true, null);
    answered(answer, rev, null, detail, cause);
  }

  /**
   * The gateway answered a request itself: counted by the revision's recorder (or the observer,
   * before routing) and logged, at most one line per period for each revision and answer. {@code
   * detail} is the answer's body; {@code instance} and {@code cause} may be null.
   */
  void answered(
      GatewayAnswer answer, RevisionState rev, String instance, String detail, Throwable cause) {
    if (rev != null) {
      rev.recorder.answered(answer);
    } else {
      registry.observer.refused(answer);
    }
    answerLog(answer, rev)
        .warn(
            () ->
                (rev == null
                        ? ""
                        : "revision "
                            + rev.key
                            + (instance == null ? "" : ", instance " + instance)
                            + ": ")
                    + answer.status
                    + " "
                    + answer.label
                    + ": "
                    + detail.strip()
                    + (cause == null || cause.getMessage() == null
                        ? ""
                        : " (" + cause.getMessage() + ")"),
            cause);
  }

  /** The log of {@code answer} for {@code rev} (null: before routing), made on first use. */
  private RateLimitedLog answerLog(GatewayAnswer answer, RevisionState rev) {
    AtomicReferenceArray<RateLimitedLog> logs = rev == null ? unroutedLogs : rev.answerLogs;
    RateLimitedLog log = logs.get(answer.ordinal());
    if (log == null) {
      logs.compareAndSet(
          answer.ordinal(),
          null,
          new RateLimitedLog(DataPlane.log, ANSWER_LOG_PERIOD_NANOS, nanoTime));
      log = logs.get(answer.ordinal());
    }
    return log;
  }

  static String lowerCase(String host) {
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return host.toLowerCase(Locale.ROOT);
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

  // ---- answers that name the revision

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
}
