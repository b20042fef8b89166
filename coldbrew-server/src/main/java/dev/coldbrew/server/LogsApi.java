package dev.coldbrew.server;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.runtime.local.LogCursor;
import dev.coldbrew.runtime.local.LogLine;
import dev.coldbrew.runtime.local.LogStore;
import dev.coldbrew.store.Store;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * {@code GET /logs/namespaces/{ns}/services/{name}?revision=R&tail=N&follow=true&timestamps=true}:
 * the instance logs behind {@code coldbrew logs}, as text lines prefixed {@code [instance-id]} (and
 * with {@code timestamps} the time each line was received, RFC 3339), each run of an instance
 * starting with its marker line; with {@code follow} the response stays open and new lines are sent
 * as they are written (polled every 200 ms, on a worker thread). Without {@code tail} every line is
 * sent, up to {@link dev.coldbrew.runtime.local.LogStore#MAX_TAIL_BYTES} of text (the newest kept),
 * so no request reads whole log files. Handlers run on the admin event loop, file reads on worker
 * threads.
 */
final class LogsApi {
  static final String PREFIX = "/logs/";
  private static final long FOLLOW_POLL_MILLIS = 200;

  private final LogStore logs;
  private final Store store;

  LogsApi(LogStore logs, Store store) {
    this.logs = logs;
    this.store = store;
  }

  void mount(AdminApi admin) {
    admin.mount(PREFIX, this::handle);
  }

  private void handle(HttpServerRequest req) {
    String[] p = req.path().substring(PREFIX.length()).split("/");
    if (p.length != 4 || !p[0].equals("namespaces") || !p[2].equals("services")) {
      AdminApi.send(
          req, ApiStatus.of(404, "NotFound", "expected /logs/namespaces/{ns}/services/{name}"));
      return;
    }
    String ns = p[1];
    String service = p[3];
    String revision = req.getParam("revision");
    int tail;
    try {
      tail = Integer.parseInt(req.getParam("tail", "-1"));
    } catch (NumberFormatException e) {
      AdminApi.send(
          req, ApiStatus.badParameter("tail", req.getParam("tail"), "a whole number >= 0"));
      return;
    }
    if (tail < 0) {
      tail = Integer.MAX_VALUE;
    }
    boolean follow = Boolean.parseBoolean(req.getParam("follow", "false"));
    String ts = req.getParam("timestamps", "false");
    if (!ts.equals("true") && !ts.equals("false")) {
      AdminApi.send(req, ApiStatus.badParameter("timestamps", ts, "true or false"));
      return;
    }
    boolean timestamps = ts.equals("true");
    int lines = tail;
    var vertx = io.vertx.core.Vertx.currentContext().owner();
    vertx
        .executeBlocking(
            () -> {
              boolean known = store.get(Kind.SERVICE, ns, service).isPresent();
              LogCursor cursor = logs.follow(ns, service, revision, lines);
              List<LogLine> first = cursor.poll();
              if (!known && first.isEmpty()) {
                throw new dev.coldbrew.store.StoreException(
                    dev.coldbrew.store.StoreException.Reason.NOT_FOUND,
                    "service \""
                        + service
                        + "\" not found in namespace \""
                        + ns
                        + "\" and no logs of it");
              }
              return new Object[] {cursor, first};
            },
            false)
        .onFailure(
            e ->
                AdminApi.send(
                    req,
                    e instanceof IllegalArgumentException
                        ? ApiStatus.of(400, "BadRequest", e.getMessage())
                        : ApiStatus.of(e, "logs")))
        .onSuccess(
            r -> {
              LogCursor cursor = (LogCursor) r[0];
              @SuppressWarnings("unchecked")
              List<LogLine> first = (List<LogLine>) r[1];
              HttpServerResponse resp = req.response();
              resp.putHeader("Content-Type", "text/plain; charset=utf-8");
              if (!follow) {
                resp.end(render(first, timestamps));
                return;
              }
              resp.setChunked(true);
              resp.write(render(first, timestamps));
              long timer =
                  vertx.setPeriodic(
                      FOLLOW_POLL_MILLIS,
                      id ->
                          vertx
                              .executeBlocking(cursor::poll, false)
                              .onSuccess(
                                  more -> {
                                    if (!more.isEmpty() && !resp.ended() && !resp.closed()) {
                                      resp.write(render(more, timestamps));
                                    }
                                  }));
              resp.closeHandler(v -> vertx.cancelTimer(timer));
            });
  }

  private static String render(List<LogLine> lines, boolean timestamps) {
    StringBuilder sb = new StringBuilder();
    for (LogLine l : lines) {
      sb.append(l.prefixed(timestamps)).append('\n');
    }
    return sb.toString();
  }
}
