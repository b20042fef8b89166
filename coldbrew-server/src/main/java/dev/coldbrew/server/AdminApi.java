package dev.coldbrew.server;

// Longer than ~500 lines on purpose: the API's routes and its port's defences (Conn: header-read
// timeout and connection cap; BodyReader: size and time limits on bodies) are inner classes that
// share the server's connection table and limits, and every handler depends on both. Access checks
// (AdminAccess), the dashboard and metrics are in their own classes.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.LabelSelector;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.Validation;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.store.ListResult;
import dev.coldbrew.store.Store;
import dev.coldbrew.store.admission.Admission;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API: Kubernetes-shaped paths over the store for every kind ({@code
 * /apis/serving.knative.dev/v1/namespaces/{ns}/services[/{name}]}, {@code
 * /api/v1/namespaces/{ns}/endpoints}), GET/list, POST, PUT, DELETE, and apply as {@code PATCH} with
 * {@code application/apply-patch+yaml|json}; errors as Kubernetes {@code Status}. Every request but
 * {@code GET /healthz} passes {@link AdminAccess} first (Host, Origin, token or session cookie,
 * media type), and {@code /login} turns one-time links into dashboard sessions. A list with {@code
 * ?watch=true} streams changes ({@link ResourceWatch}); a write's answer carries Kubernetes {@code
 * Warning} headers for what is valid but probably a mistake. No CORS headers are ever sent.
 *
 * <p>The port defends itself like the gateway: a connection must deliver a request's headers within
 * the header-read timeout of opening or of its previous response, connections beyond a cap are
 * closed at once, HTTP/2 cleartext is off, and a body is counted as it arrives (413 and a closed
 * connection past {@link #MAX_BODY_BYTES}, whether declared or chunked; 408 when it takes too long;
 * see {@link Limits}). Handlers run on the admin event loop; store calls run on worker threads,
 * never on the event loop.
 */
public final class AdminApi {
  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);

  /** Manifests are small; a body larger than this is refused (413) as soon as it is seen. */
  static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

  /** Bodies being read or decoded, all connections together; beyond it writes get 503. */
  static final long MAX_BUFFERED_BODY_BYTES = 64L * 1024 * 1024;

  /**
   * The admin port's connection bounds.
   *
   * @param headerReadTimeout a connection is closed when a request's headers are not complete
   *     within this of its opening or of its previous response's end (the gateway's {@link
   *     dev.coldbrew.dataplane.DataPlaneOptions#headerReadTimeout()}, 10 s)
   * @param maxConnections connections open at once; more are closed as soon as they open (the
   *     config's {@code coldbrew.admin-max-connections}, 256)
   * @param bodyReadTimeout a request body must arrive within this of its headers, else 408 (60 s: a
   *     4 MiB manifest at 70 KB/s)
   */
  public record Limits(Duration headerReadTimeout, int maxConnections, Duration bodyReadTimeout) {
    /** The given header timeout and cap, and a 60 s body timeout. */
    public static Limits of(Duration headerReadTimeout, int maxConnections) {
      return new Limits(headerReadTimeout, maxConnections, Duration.ofSeconds(60));
    }
  }

  private final Vertx vertx;
  private final Store store;
  private final Admission admission;
  private final AdminAccess access;
  private final ResourceWatch watches;
  private final java.util.Map<String, ExtraRoute> extra =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<HttpConnection, Conn> connections =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong bufferedBodyBytes = new AtomicLong();
  private volatile boolean ready;
  private volatile boolean capWarned;
  private long headerReadTimeoutMillis;
  private long bodyReadTimeoutMillis;
  private int maxConnections;
  private HttpServer server;

  /** Extra GET handlers mounted under a path prefix (logs, metrics, dashboard). */
  @FunctionalInterface
  public interface ExtraRoute {
    void handle(HttpServerRequest request);
  }

  public AdminApi(Vertx vertx, Store store, Admission admission, AdminAccess access) {
    this.vertx = vertx;
    this.store = store;
    this.admission = admission;
    this.access = access;
    this.watches = new ResourceWatch(vertx, store);
  }

  /** Mounts a handler for every path starting with {@code prefix}. */
  public void mount(String prefix, ExtraRoute route) {
    extra.put(prefix, route);
  }

  /** Binds; completes with the port. */
  public Future<Integer> listen(String host, int port, Limits limits) {
    this.headerReadTimeoutMillis = Math.max(1, limits.headerReadTimeout().toMillis());
    this.bodyReadTimeoutMillis = Math.max(1, limits.bodyReadTimeout().toMillis());
    this.maxConnections = limits.maxConnections();
    server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(16384)
                .setHttp2ClearTextEnabled(false)
                .setHandle100ContinueAutomatically(false)
                .setIdleTimeout(120));
    return server
        .connectionHandler(this::onConnection)
        .requestHandler(this::handle)
        .exceptionHandler(e -> LOG.debug("admin API connection: {}", e.toString()))
        .listen()
        .map(
            s -> {
              access.boundTo(s.actualPort());
              return s.actualPort();
            });
  }

  /** {@code /healthz} answers 200 from now on. */
  public void markReady() {
    ready = true;
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  // ---- connections: cap and header-read timeout

  private void onConnection(HttpConnection c) {
    if (connections.size() >= maxConnections) {
      if (!capWarned) {
        capWarned = true;
        LOG.warn(
            "admin API: {} connections open, closing new ones (coldbrew.admin-max-connections)",
            connections.size());
      }
      c.close();
      return;
    }
    Conn state = new Conn(c);
    connections.put(c, state);
    state.arm();
    c.closeHandler(
        v -> {
          state.disarm();
          connections.remove(c);
          if (connections.size() < maxConnections) {
            capWarned = false;
          }
        });
  }

  /**
   * One connection's header-read deadline: armed while no request is in progress, disarmed while
   * one is. Confined to the connection's event loop.
   */
  private final class Conn implements Handler<Long> {
    final HttpConnection connection;
    int active;
    long timer = -1;

    Conn(HttpConnection connection) {
      this.connection = connection;
    }

    void arm() {
      timer = vertx.setTimer(headerReadTimeoutMillis, this);
    }

    void disarm() {
      if (timer != -1) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }

    void started(HttpServerRequest req) {
      active++;
      disarm();
      req.response()
          .endHandler(
              v -> {
                if (--active == 0) {
                  arm();
                }
              });
    }

    @Override
    public void handle(Long id) {
      timer = -1;
      if (active == 0) {
        connection.close();
      }
    }
  }

  // ---- requests

  private void handle(HttpServerRequest req) {
    Conn c = connections.get(req.connection());
    if (c != null) {
      c.started(req);
    }
    try {
      route(req);
    } catch (RuntimeException e) {
      LOG.debug("admin API: {} {} refused: {}", req.method(), req.path(), e.toString());
      if (!req.response().headWritten()) {
        refuse(req, ApiStatus.of(400, "BadRequest", "malformed request"));
      } else {
        req.connection().close();
      }
    }
  }

  private void route(HttpServerRequest req) {
    ApiStatus refusal = access.checkOrigin(req);
    if (refusal != null) {
      refuse(req, refusal);
      return;
    }
    String path = req.path();
    HttpMethod m = req.method();
    if (path.equals("/healthz")) {
      req.response()
          .setStatusCode(ready ? 200 : 503)
          .putHeader("Content-Type", "text/plain")
          .end(ready ? "ok\n" : "starting\n");
      return;
    }
    if (path.equals("/login") && m.equals(HttpMethod.GET)) {
      login(req);
      return;
    }
    if (path.equals("/")) {
      req.response().setStatusCode(302).putHeader("Location", "/dashboard/").end();
      return;
    }
    if (!access.authenticated(req)) {
      refuse(
          req,
          ApiStatus.of(
              401,
              "Unauthorized",
              "the bearer token is required: the CLI finds it on this machine (see `coldbrew"
                  + " --help`), other clients send Authorization: Bearer <the data dir's"
                  + " admin-token>; in a browser open the login URL `coldbrew serve` printed, or"
                  + " get a new one with `coldbrew dashboard`"));
      return;
    }
    refusal = AdminAccess.checkContentType(req);
    if (refusal != null) {
      refuse(req, refusal);
      return;
    }
    if (path.equals("/login")) {
      if (m.equals(HttpMethod.POST)) {
        ObjectNode n = ResourceCodec.json().createObjectNode();
        n.put("url", "http://" + req.getHeader("Host") + "/login?once=" + access.newLoginLink());
        n.put("expiresInSeconds", AdminAccess.LINK_LIFETIME.toSeconds());
        req.response()
            .setStatusCode(201)
            .putHeader("Content-Type", "application/json")
            .putHeader("Cache-Control", "no-store")
            .end(n.toString());
      } else {
        refuse(req, ApiStatus.of(405, "MethodNotAllowed", m + " is not allowed on /login"));
      }
      return;
    }
    for (var e : extra.entrySet()) {
      if (path.startsWith(e.getKey())) {
        e.getValue().handle(req);
        return;
      }
    }
    Target t;
    try {
      t = Target.parse(path);
    } catch (IllegalArgumentException e) {
      send(req, ApiStatus.of(404, "NotFound", "no such path: " + path));
      return;
    }
    if (t == null) {
      send(req, ApiStatus.of(404, "NotFound", "no such path: " + path));
      return;
    }
    if (m.equals(HttpMethod.GET) && t.name == null && ResourceWatch.asked(req)) {
      watches.handle(req, t.kind, t.namespace);
    } else if (m.equals(HttpMethod.GET)) {
      LabelSelector selector;
      try {
        String given = req.getParam("labelSelector");
        selector = given == null ? null : LabelSelector.parse(given);
      } catch (IllegalArgumentException e) {
        send(
            req,
            ApiStatus.of(
                400,
                "BadRequest",
                "labelSelector: "
                    + e.getMessage()
                    + " (expected: "
                    + LabelSelector.EXPECTED
                    + ")"));
        return;
      }
      blocking(req, () -> t.name == null ? list(t, selector) : get(t), 200, t.subject());
    } else if (m.equals(HttpMethod.DELETE) && t.name != null) {
      blocking(
          req,
          () -> {
            admission.delete(t.kind, t.namespace, t.name);
            ObjectNode ok = ResourceCodec.json().createObjectNode();
            ok.put("kind", "Status").put("apiVersion", "v1").put("status", "Success");
            ok.putObject("details").put("name", t.name).put("kind", t.kind.plural());
            return ok.toString();
          },
          200,
          t.subject());
    } else if ((m.equals(HttpMethod.POST) && t.name == null)
        || (m.equals(HttpMethod.PUT) && t.name != null)
        || (m.equals(HttpMethod.PATCH) && t.name != null)) {
      withBody(req, t, m);
    } else {
      refuse(req, ApiStatus.of(405, "MethodNotAllowed", m + " is not allowed on " + path));
    }
  }

  /** {@code GET /login?once=…}: a valid one-time link becomes a session cookie. */
  private void login(HttpServerRequest req) {
    String session = access.redeem(req.getParam("once"));
    if (session == null) {
      refuse(
          req,
          ApiStatus.of(
              401,
              "Unauthorized",
              "this login link was already used, has expired (links last "
                  + AdminAccess.LINK_LIFETIME.toMinutes()
                  + " minutes) or is not this platform's; `coldbrew dashboard` prints a new one"));
      return;
    }
    req.response()
        .setStatusCode(303)
        .putHeader("Location", "/dashboard/")
        .putHeader("Set-Cookie", access.sessionCookie(session))
        .putHeader("Cache-Control", "no-store")
        .putHeader("Referrer-Policy", "no-referrer")
        .end();
  }

  private void withBody(HttpServerRequest req, Target t, HttpMethod m) {
    String len = req.getHeader("Content-Length");
    if (len != null) {
      long declared = parseLength(len);
      if (declared < 0) {
        refuse(req, ApiStatus.of(400, "BadRequest", "malformed Content-Length"));
        return;
      }
      if (declared > MAX_BODY_BYTES) {
        refuse(req, tooLarge());
        return;
      }
    }
    if (m.equals(HttpMethod.PATCH)) {
      String ct = String.valueOf(req.getHeader("Content-Type"));
      if (!ct.startsWith("application/apply-patch")) {
        refuse(
            req,
            ApiStatus.of(
                415,
                "UnsupportedMediaType",
                "PATCH takes application/apply-patch+yaml or +json (server-side apply), not "
                    + ct));
        return;
      }
    }
    if ("100-continue".equalsIgnoreCase(req.getHeader("Expect"))) {
      req.response().writeContinue();
    }
    new BodyReader(
        req,
        body ->
            blocking(
                req,
                () -> {
                  Resource r = decode(body, t);
                  warn(req, Validation.warnings(r));
                  if (m.equals(HttpMethod.POST)) {
                    return ResourceCodec.toJson(admission.create(r));
                  }
                  if (m.equals(HttpMethod.PUT)) {
                    return ResourceCodec.toJson(admission.update(r));
                  }
                  Admission.Applied a = admission.apply(r);
                  req.response().putHeader("Coldbrew-Apply-Outcome", a.outcome().word());
                  if (a.outcome() == Admission.Outcome.CREATED) {
                    req.response().setStatusCode(201);
                  }
                  return ResourceCodec.toJson(a.resource());
                },
                m.equals(HttpMethod.POST) ? 201 : 200,
                t.subject()));
  }

  /** Most warnings one answer carries; the rest are counted in a last one. */
  static final int MAX_WARNINGS = 10;

  /** Longest warning text; longer ones are cut. */
  static final int MAX_WARNING_CHARS = 512;

  /**
   * Adds Kubernetes API warnings ({@code Warning: 299 - "text"}, as the API server sends them): at
   * most {@link #MAX_WARNINGS}, each printable ASCII and at most {@link #MAX_WARNING_CHARS}.
   */
  static void warn(HttpServerRequest req, java.util.List<String> warnings) {
    int n = 0;
    for (String w : warnings) {
      if (++n > MAX_WARNINGS) {
        w = (warnings.size() - MAX_WARNINGS) + " more warnings";
      }
      StringBuilder v = new StringBuilder("299 - \"");
      for (int i = 0; i < w.length() && i < MAX_WARNING_CHARS; i++) {
        char c = w.charAt(i);
        if (c == '"' || c == '\\') {
          v.append('\\');
        }
        v.append(c < 0x20 || c > 0x7e ? '?' : c);
      }
      req.response().headers().add("Warning", v.append('"').toString());
      if (n > MAX_WARNINGS) {
        return;
      }
    }
  }

  private static ApiStatus tooLarge() {
    return ApiStatus.of(
        413,
        "RequestEntityTooLarge",
        "body over " + MAX_BODY_BYTES + " bytes (the manifest limit)");
  }

  /** A decimal Content-Length, or -1 when malformed. */
  static long parseLength(String value) {
    String v = value.trim();
    if (v.isEmpty() || v.length() > 18) {
      return -1;
    }
    for (int i = 0; i < v.length(); i++) {
      if (v.charAt(i) < '0' || v.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(v);
  }

  /**
   * Reads a request body chunk by chunk, counting it against {@link #MAX_BODY_BYTES} and the shared
   * {@link #MAX_BUFFERED_BODY_BYTES}; refuses (and closes) at the first byte too many, or when the
   * body takes longer than {@link Limits#bodyReadTimeout()}. Confined to the event loop.
   */
  private final class BodyReader {
    private final HttpServerRequest req;
    private final java.util.function.Function<Buffer, Future<Void>> onBody;
    private final long timer;
    private Buffer body = Buffer.buffer();
    private long reserved;
    private boolean done;

    BodyReader(HttpServerRequest req, java.util.function.Function<Buffer, Future<Void>> onBody) {
      this.req = req;
      this.onBody = onBody;
      this.timer =
          vertx.setTimer(
              bodyReadTimeoutMillis,
              id ->
                  fail(
                      ApiStatus.of(
                          408,
                          "RequestTimeout",
                          "the body did not arrive within " + bodyReadTimeoutMillis + " ms")));
      req.handler(this::chunk);
      req.endHandler(v -> end());
      req.exceptionHandler(
          e -> fail(ApiStatus.of(400, "BadRequest", "cannot read body: " + e.getMessage())));
    }

    private void chunk(Buffer b) {
      if (done) {
        return;
      }
      if (body.length() + (long) b.length() > MAX_BODY_BYTES) {
        fail(tooLarge());
        return;
      }
      if (bufferedBodyBytes.addAndGet(b.length()) > MAX_BUFFERED_BODY_BYTES) {
        bufferedBodyBytes.addAndGet(-b.length());
        req.response().putHeader("Retry-After", "1");
        fail(
            ApiStatus.of(
                503,
                "ServiceUnavailable",
                "too many large requests at once (more than "
                    + MAX_BUFFERED_BODY_BYTES
                    + " body bytes); retry"));
        return;
      }
      reserved += b.length();
      body.appendBuffer(b);
    }

    private void end() {
      if (done) {
        return;
      }
      done = true;
      vertx.cancelTimer(timer);
      Buffer b = body;
      body = null;
      onBody.apply(b).onComplete(v -> release());
    }

    private void fail(ApiStatus s) {
      if (done) {
        return;
      }
      done = true;
      vertx.cancelTimer(timer);
      body = null;
      release();
      if (!req.response().ended() && !req.response().closed()) {
        refuse(req, s);
      }
    }

    private void release() {
      bufferedBodyBytes.addAndGet(-reserved);
      reserved = 0;
    }
  }

  /** Decodes a body and checks it names the kind, namespace and name of the path. */
  private static Resource decode(Buffer body, Target t) {
    JsonNode doc;
    var docs = ResourceCodec.split(body.toString(StandardCharsets.UTF_8));
    if (docs.size() != 1) {
      throw new ValidationException(
          new FieldError("", "expected exactly one resource in the body, found " + docs.size()));
    }
    doc = docs.get(0);
    Resource r = ResourceCodec.decode(doc);
    if (r.resourceKind() != t.kind) {
      throw new ValidationException(
          FieldError.invalid("kind", r.kind, t.kind.kindName() + " (the kind of the path)"));
    }
    if (r.metadata.namespace == null || r.metadata.namespace.isEmpty()) {
      r.metadata.namespace = t.namespace;
    } else if (!r.metadata.namespace.equals(t.namespace)) {
      throw new ValidationException(
          FieldError.invalid(
              "metadata.namespace",
              r.metadata.namespace,
              t.namespace + " (the namespace of the path)"));
    }
    if (t.name != null) {
      if (r.metadata.name == null || r.metadata.name.isEmpty()) {
        r.metadata.name = t.name;
      } else if (!r.metadata.name.equals(t.name)) {
        throw new ValidationException(
            FieldError.invalid(
                "metadata.name", r.metadata.name, t.name + " (the name in the path)"));
      }
    }
    return r;
  }

  private String get(Target t) {
    Optional<Resource> r = store.get(t.kind, t.namespace, t.name);
    if (r.isEmpty()) {
      throw new dev.coldbrew.store.StoreException(
          dev.coldbrew.store.StoreException.Reason.NOT_FOUND,
          t.kind.plural() + " \"" + t.name + "\" not found in namespace \"" + t.namespace + "\"");
    }
    return ResourceCodec.toJson(r.get());
  }

  /**
   * Streams the items into the JSON (no tree of them: a list may hold thousands), those {@code
   * selector} selects (null: all).
   */
  private String list(Target t, LabelSelector selector) throws java.io.IOException {
    ListResult lr = store.list(t.kind, t.namespace);
    var out = new java.io.StringWriter();
    try (var g = ResourceCodec.json().getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("apiVersion", t.kind.apiVersion());
      g.writeStringField("kind", t.kind.kindName() + "List");
      g.writeObjectFieldStart("metadata");
      g.writeStringField("resourceVersion", String.valueOf(lr.resourceVersion()));
      g.writeEndObject();
      g.writeArrayFieldStart("items");
      for (Resource r : lr.items()) {
        if (selector == null || selector.test(r.metadata.labels)) {
          ResourceCodec.json().writeValue(g, r);
        }
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return out.toString();
  }

  /** Runs {@code work} on a worker and answers with its JSON; completes once answered. */
  private Future<Void> blocking(
      HttpServerRequest req, Callable<String> work, int code, String subject) {
    return vertx
        .executeBlocking(work, false)
        .transform(
            ar -> {
              if (req.response().closed()) {
                return Future.succeededFuture();
              }
              if (ar.succeeded()) {
                HttpServerResponse resp = req.response();
                if (resp.getStatusCode() == 200) {
                  resp.setStatusCode(code);
                }
                resp.putHeader("Content-Type", "application/json").end(ar.result());
              } else {
                ApiStatus s = ApiStatus.of(ar.cause(), subject);
                if (s.code() == 500) {
                  LOG.error("admin API: {} {} failed", req.method(), req.path(), ar.cause());
                }
                send(req, s);
              }
              return Future.succeededFuture();
            });
  }

  /** Answers with a Kubernetes {@code Status} (for mounted routes). */
  public static void sendError(HttpServerRequest req, int code, String reason, String message) {
    send(req, ApiStatus.of(code, reason, message));
  }

  static void send(HttpServerRequest req, ApiStatus s) {
    req.response()
        .setStatusCode(s.code())
        .putHeader("Content-Type", "application/json")
        .end(s.toJson());
  }

  /**
   * Answers a refusal with {@code Connection: close} and closes: nothing more is read from a
   * connection whose request was refused (its body, if any, is never read as another request).
   */
  static void refuse(HttpServerRequest req, ApiStatus s) {
    req.response()
        .putHeader("Connection", "close")
        .setStatusCode(s.code())
        .putHeader("Content-Type", "application/json")
        .end(s.toJson())
        .onComplete(v -> req.connection().close());
  }

  /** A parsed resource path: kind, namespace (null = all), name (null = collection). */
  record Target(Kind kind, String namespace, String name) {
    String subject() {
      return kind.kindName() + (name == null ? "" : " \"" + name + "\"");
    }

    /** Parses {@code /apis/G/V/[namespaces/NS/]PLURAL[/NAME]} or {@code /api/v1/...}. */
    static Target parse(String path) {
      String[] p = path.substring(1).split("/", -1);
      int i;
      String group;
      String version;
      if (p.length >= 3 && p[0].equals("apis")) {
        group = p[1];
        version = p[2];
        i = 3;
      } else if (p.length >= 2 && p[0].equals("api")) {
        group = "";
        version = p[1];
        i = 2;
      } else {
        return null;
      }
      String ns = null;
      if (p.length > i + 1 && p[i].equals("namespaces")) {
        ns = decode(p[i + 1]);
        i += 2;
      }
      if (p.length <= i || p.length > i + 2) {
        return null;
      }
      Optional<Kind> kind = Kind.byPath(group, version, p[i]);
      if (kind.isEmpty()) {
        return null;
      }
      String name = p.length == i + 2 ? decode(p[i + 1]) : null;
      if (name != null && (name.isEmpty() || ns == null)) {
        return null;
      }
      return new Target(kind.get(), ns, name);
    }

    private static String decode(String s) {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
  }
}
