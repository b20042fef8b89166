package dev.coldbrew.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.store.ListResult;
import dev.coldbrew.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API: Kubernetes-shaped paths over the store for every kind ({@code
 * /apis/serving.knative.dev/v1/namespaces/{ns}/services[/{name}]}, {@code
 * /api/v1/namespaces/{ns}/endpoints}), GET/list, POST, PUT, DELETE, and apply as {@code PATCH} with
 * {@code application/apply-patch+yaml|json}; errors as Kubernetes {@code Status}. Store calls run
 * on worker threads, never on the event loop. A bearer token is required when one is configured; no
 * CORS headers are ever sent.
 */
public final class AdminApi {
  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);

  /** Manifests are small; anything larger is refused before it is buffered. */
  static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

  private final Vertx vertx;
  private final Store store;
  private final Admission admission;
  private final String token;
  private final java.util.Map<String, ExtraRoute> extra =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean ready;
  private HttpServer server;

  /** Extra GET handlers mounted under a path prefix (logs, metrics, dashboard). */
  @FunctionalInterface
  public interface ExtraRoute {
    void handle(HttpServerRequest request);
  }

  public AdminApi(Vertx vertx, Store store, Admission admission, String token) {
    this.vertx = vertx;
    this.store = store;
    this.admission = admission;
    this.token = token;
  }

  /** Mounts a handler for every path starting with {@code prefix}. */
  public void mount(String prefix, ExtraRoute route) {
    extra.put(prefix, route);
  }

  /** Binds; completes with the port. */
  public Future<Integer> listen(String host, int port) {
    server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(16384)
                .setIdleTimeout(120));
    return server.requestHandler(this::handle).listen().map(HttpServer::actualPort);
  }

  /** {@code /healthz} answers 200 from now on. */
  public void markReady() {
    ready = true;
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (path.equals("/healthz")) {
      req.response()
          .setStatusCode(ready ? 200 : 503)
          .putHeader("Content-Type", "text/plain")
          .end(ready ? "ok\n" : "starting\n");
      return;
    }
    if (path.equals("/")) {
      req.response().setStatusCode(302).putHeader("Location", "/dashboard/").end();
      return;
    }
    if (token != null && !authorized(req)) {
      send(
          req,
          ApiStatus.of(
              401, "Unauthorized", "a bearer token is required (see the data dir's admin-token)"));
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
    HttpMethod m = req.method();
    if (m.equals(HttpMethod.GET)) {
      blocking(req, () -> t.name == null ? list(t) : get(t), 200, t.subject());
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
      send(req, ApiStatus.of(405, "MethodNotAllowed", m + " is not allowed on " + path));
    }
  }

  private void withBody(HttpServerRequest req, Target t, HttpMethod m) {
    String len = req.getHeader("Content-Length");
    if (len != null && len.length() < 12 && Long.parseLong(len) > MAX_BODY_BYTES) {
      send(
          req,
          ApiStatus.of(413, "RequestEntityTooLarge", "body over " + MAX_BODY_BYTES + " bytes"));
      return;
    }
    req.body()
        .onFailure(
            e -> send(req, ApiStatus.of(400, "BadRequest", "cannot read body: " + e.getMessage())))
        .onSuccess(
            body -> {
              if (body.length() > MAX_BODY_BYTES) {
                send(
                    req,
                    ApiStatus.of(
                        413, "RequestEntityTooLarge", "body over " + MAX_BODY_BYTES + " bytes"));
                return;
              }
              if (m.equals(HttpMethod.PATCH)) {
                String ct = String.valueOf(req.getHeader("Content-Type"));
                if (!ct.startsWith("application/apply-patch")) {
                  send(
                      req,
                      ApiStatus.of(
                          415,
                          "UnsupportedMediaType",
                          "PATCH takes application/apply-patch+yaml or +json (server-side apply), not "
                              + ct));
                  return;
                }
              }
              blocking(
                  req,
                  () -> {
                    Resource r = decode(body, t);
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
                  t.subject());
            });
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

  /** Streams the items into the JSON (no tree of them: a list may hold thousands). */
  private String list(Target t) throws java.io.IOException {
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
        ResourceCodec.json().writeValue(g, r);
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return out.toString();
  }

  private void blocking(HttpServerRequest req, Callable<String> work, int code, String subject) {
    vertx
        .executeBlocking(work, false)
        .onComplete(
            ar -> {
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

  private boolean authorized(HttpServerRequest req) {
    String h = req.getHeader("Authorization");
    if (h == null || !h.startsWith("Bearer ")) {
      return false;
    }
    return MessageDigest.isEqual(
        h.substring(7).trim().getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8));
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
