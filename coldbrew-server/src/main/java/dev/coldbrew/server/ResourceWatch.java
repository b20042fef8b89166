package dev.coldbrew.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.store.ListResult;
import dev.coldbrew.store.Store;
import dev.coldbrew.store.Watch;
import dev.coldbrew.store.WatchEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET <collection>?watch=true[&resourceVersion=N][&timeoutSeconds=S]}: Kubernetes' watch on
 * a resource list, as {@code kubectl get -w} and {@code coldbrew get -w} use it. The answer stays
 * open and sends one JSON object per line, {@code
 * {"type":"ADDED|MODIFIED|DELETED","object":{...}}}: without a resourceVersion first every current
 * item as ADDED, then each change of the collection's kind and namespace from the store's watch; a
 * {@code BOOKMARK} with the latest resourceVersion every {@link #BOOKMARK_MILLIS} keeps an idle
 * watch open; a watch the store can no longer continue ends with an {@code ERROR} event (410 Gone:
 * list again). Bounded like the rest of the admin port: at most {@link #MAX_WATCHES} at once (more
 * get 429), each ends after {@code timeoutSeconds} (default {@link #DEFAULT_TIMEOUT_SECONDS}, at
 * most {@link #MAX_TIMEOUT_SECONDS}; a client watches on from the last resourceVersion it saw), and
 * one whose client does not read fast enough (more than Vert.x's write queue unsent) is closed.
 * Requests reach it only after {@link AdminAccess}'s checks. Handlers run on the admin event loop;
 * the list runs on a worker thread, the store's watch on its own thread, and writes are handed back
 * to the event loop. Thread-safe.
 */
final class ResourceWatch {
  static final int MAX_WATCHES = 64;
  static final long BOOKMARK_MILLIS = 30_000;
  static final int DEFAULT_TIMEOUT_SECONDS = 1800;
  static final int MAX_TIMEOUT_SECONDS = 3600;

  private final Vertx vertx;
  private final Store store;
  private final AtomicInteger open = new AtomicInteger();

  ResourceWatch(Vertx vertx, Store store) {
    this.vertx = vertx;
    this.store = store;
  }

  /** Whether a GET asks for a watch. */
  static boolean asked(HttpServerRequest req) {
    return "true".equals(req.getParam("watch")) || "1".equals(req.getParam("watch"));
  }

  /** Answers a watch of {@code kind} in {@code namespace} (null: every namespace). */
  void handle(HttpServerRequest req, Kind kind, String namespace) {
    String rvParam = req.getParam("resourceVersion");
    long from;
    try {
      from = rvParam == null || rvParam.isEmpty() ? -1 : Long.parseLong(rvParam);
      if (rvParam != null && !rvParam.isEmpty() && from < 0) {
        throw new NumberFormatException(rvParam);
      }
    } catch (NumberFormatException e) {
      AdminApi.send(
          req, ApiStatus.badParameter("resourceVersion", rvParam, "the resourceVersion of a list"));
      return;
    }
    String timeoutParam = req.getParam("timeoutSeconds");
    int timeout;
    try {
      timeout = timeoutParam == null ? DEFAULT_TIMEOUT_SECONDS : Integer.parseInt(timeoutParam);
      if (timeout < 1 || timeout > MAX_TIMEOUT_SECONDS) {
        throw new NumberFormatException(timeoutParam);
      }
    } catch (NumberFormatException e) {
      AdminApi.send(
          req, ApiStatus.badParameter("timeoutSeconds", timeoutParam, "1.." + MAX_TIMEOUT_SECONDS));
      return;
    }
    if (open.incrementAndGet() > MAX_WATCHES) {
      open.decrementAndGet();
      req.response().putHeader("Retry-After", "5");
      AdminApi.send(
          req,
          ApiStatus.of(
              429, "TooManyRequests", "too many watches open (" + MAX_WATCHES + "); retry later"));
      return;
    }
    new Stream(req, kind, namespace, from, timeout).start();
  }

  /** Watches open now (for tests). */
  int open() {
    return open.get();
  }

  /** One open watch. Its fields are read and written on the event loop unless noted. */
  private final class Stream {
    private final HttpServerRequest req;
    private final HttpServerResponse resp;
    private final Kind kind;
    private final String namespace;
    private final long from;
    private final int timeoutSeconds;
    private final Context ctx = Vertx.currentContext();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile long lastResourceVersion;
    private volatile Watch watch;
    private long bookmarkTimer = -1;
    private long endTimer = -1;

    Stream(HttpServerRequest req, Kind kind, String namespace, long from, int timeoutSeconds) {
      this.req = req;
      this.resp = req.response();
      this.kind = kind;
      this.namespace = namespace;
      this.from = from;
      this.timeoutSeconds = timeoutSeconds;
    }

    void start() {
      resp.closeHandler(v -> end(false));
      vertx
          .executeBlocking(
              () -> {
                StringBuilder initial = new StringBuilder();
                long rv = from;
                if (from < 0) {
                  ListResult lr = store.list(kind, namespace);
                  for (Resource r : lr.items()) {
                    initial.append(event("ADDED", ResourceCodec.toTree(r))).append('\n');
                  }
                  rv = lr.resourceVersion();
                }
                return new Object[] {initial.toString(), rv};
              },
              false)
          .onComplete(
              ar -> {
                if (ended.get()) {
                  return;
                }
                if (ar.failed()) {
                  AdminApi.send(req, ApiStatus.of(ar.cause(), kind.kindName()));
                  end(false);
                  return;
                }
                resp.setChunked(true)
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store");
                resp.write((String) ar.result()[0]);
                lastResourceVersion = (long) ar.result()[1];
                bookmarkTimer = vertx.setPeriodic(BOOKMARK_MILLIS, id -> bookmark());
                endTimer = vertx.setTimer(timeoutSeconds * 1000L, id -> end(true));
                watch = store.watch(lastResourceVersion, this::onEvent);
                if (ended.get()) {
                  watch.close();
                }
              });
    }

    /** On the store's watch thread. */
    private void onEvent(WatchEvent e) {
      if (e.type() == WatchEvent.Type.RESET) {
        ObjectNode status = ResourceCodec.json().createObjectNode();
        status.put("apiVersion", "v1").put("kind", "Status").put("status", "Failure");
        status.put("code", 410).put("reason", "Expired");
        status.put("message", "the watch fell behind the store's changes: list again");
        String line = event("ERROR", status) + "\n";
        ctx.runOnContext(
            v -> {
              if (!ended.get()) {
                resp.write(line);
                end(true);
              }
            });
        return;
      }
      lastResourceVersion = e.resourceVersion();
      if (e.kind() != kind || (namespace != null && !namespace.equals(e.namespace()))) {
        return;
      }
      String line = event(e.type().name(), ResourceCodec.toTree(e.resource())) + "\n";
      ctx.runOnContext(v -> send(line));
    }

    private void bookmark() {
      ObjectNode obj = ResourceCodec.json().createObjectNode();
      obj.put("apiVersion", kind.apiVersion()).put("kind", kind.kindName());
      obj.putObject("metadata").put("resourceVersion", String.valueOf(lastResourceVersion));
      send(event("BOOKMARK", obj) + "\n");
    }

    private void send(String line) {
      if (ended.get()) {
        return;
      }
      if (resp.writeQueueFull()) { // a client that does not read: drop it, it re-lists
        end(false);
        req.connection().close();
        return;
      }
      resp.write(line);
    }

    /** Ends the watch once: the response too when {@code finish} (the connection stays). */
    private void end(boolean finish) {
      if (!ended.compareAndSet(false, true)) {
        return;
      }
      open.decrementAndGet();
      if (bookmarkTimer != -1) {
        vertx.cancelTimer(bookmarkTimer);
      }
      if (endTimer != -1) {
        vertx.cancelTimer(endTimer);
      }
      Watch w = watch;
      if (w != null) {
        w.close();
      }
      if (finish && !resp.ended() && !resp.closed()) {
        resp.end();
      }
    }
  }

  private static String event(String type, com.fasterxml.jackson.databind.JsonNode object) {
    ObjectNode e = ResourceCodec.json().createObjectNode();
    e.put("type", type);
    e.set("object", object);
    return e.toString();
  }
}
