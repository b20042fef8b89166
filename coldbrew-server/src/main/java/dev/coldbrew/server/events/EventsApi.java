package dev.coldbrew.server.events;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.server.AdminApi;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * {@code GET /events[/namespaces/{ns}]}: the {@link EventLog} as a Kubernetes-style {@code
 * EventList}; with {@code ?watch=true} the response stays open and sends the events kept, then each
 * new one, as one JSON object per line. Called on the admin API's event loop.
 */
public final class EventsApi {
  public static final String PREFIX = "/events";

  private final EventLog log;

  public EventsApi(EventLog log) {
    this.log = log;
  }

  public void mount(AdminApi admin) {
    admin.mount(PREFIX, this::handle);
  }

  private void handle(HttpServerRequest req) {
    String rest = req.path().substring(PREFIX.length());
    String namespace;
    if (rest.isEmpty() || rest.equals("/")) {
      namespace = null;
    } else if (rest.startsWith("/namespaces/") && rest.indexOf('/', 12) < 0 && rest.length() > 12) {
      namespace = rest.substring(12);
    } else {
      AdminApi.sendError(req, 404, "NotFound", "expected /events or /events/namespaces/{ns}");
      return;
    }
    HttpServerResponse resp = req.response();
    if (!Boolean.parseBoolean(req.getParam("watch", "false"))) {
      ObjectNode list = ResourceCodec.json().createObjectNode();
      list.put("apiVersion", "v1").put("kind", "EventList");
      ArrayNode items = list.putArray("items");
      log.list(namespace).forEach(e -> items.add(toJson(e)));
      resp.putHeader("Content-Type", "application/json").end(list.toString());
      return;
    }
    resp.setChunked(true).putHeader("Content-Type", "application/x-ndjson");
    Context ctx = Vertx.currentContext();
    StringBuilder first = new StringBuilder();
    log.list(namespace).forEach(e -> first.append(toJson(e)).append('\n'));
    resp.write(first.toString());
    AutoCloseable watch =
        log.watch(
            e -> {
              if (namespace == null || namespace.equals(e.namespace())) {
                String line = toJson(e) + "\n";
                ctx.runOnContext(
                    v -> {
                      if (!resp.ended() && !resp.closed()) {
                        resp.write(line);
                      }
                    });
              }
            });
    resp.closeHandler(
        v -> {
          try {
            watch.close();
          } catch (Exception ignored) {
            // removing a watcher cannot fail
          }
        });
  }

  static ObjectNode toJson(EventLog.Event e) {
    ObjectNode n = ResourceCodec.json().createObjectNode();
    n.put("lastTimestamp", e.time().toString());
    n.put("namespace", e.namespace());
    n.put("type", e.type());
    n.put("reason", e.reason());
    n.put("object", e.object());
    n.put("message", e.message());
    return n;
  }
}
