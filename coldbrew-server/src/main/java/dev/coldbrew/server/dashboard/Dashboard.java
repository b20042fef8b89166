package dev.coldbrew.server.dashboard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.model.TrafficTarget;
import dev.coldbrew.server.AdminApi;
import dev.coldbrew.server.metrics.RevisionMeters;
import dev.coldbrew.server.metrics.Telemetry;
import dev.coldbrew.store.ResourceCache;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The live dashboard at {@code /dashboard/} (the admin port's {@code /} redirects to it): every
 * service with its URL, readiness, traffic split, and per revision desired/actual instances, SKS
 * mode and charts of the last 15 minutes. The page and its chart library (uPlot, from its WebJar)
 * come from the classpath, so it works offline; {@code /dashboard/api/state} is the state as JSON
 * and {@code /dashboard/api/stream} pushes it every 2 s as server-sent events. Runs on the admin
 * API's event loop; the timer also takes {@link Telemetry#sample()}.
 */
public final class Dashboard {
  public static final String PREFIX = "/dashboard/";
  private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
  private static final Map<String, String[]> ASSETS =
      Map.of(
          "",
          new String[] {"dev/coldbrew/server/dashboard/index.html", "text/html; charset=utf-8"},
          "dashboard.js",
          new String[] {"dev/coldbrew/server/dashboard/dashboard.js", "text/javascript"},
          "assets/uPlot.iife.min.js",
          new String[] {UPLOT + "uPlot.iife.min.js", "text/javascript"},
          "assets/uPlot.min.css",
          new String[] {UPLOT + "uPlot.min.css", "text/css"});

  private final Vertx vertx;
  private final ResourceCache cache;
  private final Telemetry telemetry;
  private final Set<HttpServerResponse> streams = new CopyOnWriteArraySet<>();
  private long timer = -1;

  public Dashboard(Vertx vertx, ResourceCache cache, Telemetry telemetry) {
    this.vertx = vertx;
    this.cache = cache;
    this.telemetry = telemetry;
  }

  /** Mounts the page and starts sampling and pushing every {@link RevisionMeters#SAMPLE}. */
  public void mount(AdminApi admin) {
    admin.mount(PREFIX, this::handle);
    timer = vertx.setPeriodic(RevisionMeters.SAMPLE.toMillis(), id -> tick());
  }

  /** Stops the timer and closes the streams. */
  public void close() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
    streams.forEach(r -> r.end());
  }

  private void tick() {
    telemetry.sample();
    if (streams.isEmpty()) {
      return;
    }
    Buffer event = Buffer.buffer("data: " + state() + "\n\n");
    for (HttpServerResponse r : streams) {
      if (!r.writeQueueFull()) {
        r.write(event);
      }
    }
  }

  private void handle(HttpServerRequest req) {
    String path = req.path().substring(PREFIX.length());
    HttpServerResponse resp = req.response();
    if (path.equals("api/state")) {
      resp.putHeader("Content-Type", "application/json").end(state());
      return;
    }
    if (path.equals("api/stream")) {
      resp.setChunked(true)
          .putHeader("Content-Type", "text/event-stream")
          .putHeader("Cache-Control", "no-cache");
      resp.write("retry: 2000\ndata: " + state() + "\n\n");
      streams.add(resp);
      resp.closeHandler(v -> streams.remove(resp));
      return;
    }
    String[] asset = ASSETS.get(path);
    if (asset == null) {
      AdminApi.sendError(req, 404, "NotFound", "no such dashboard page: " + req.path());
      return;
    }
    resp.putHeader("Content-Type", asset[1])
        .putHeader("Cache-Control", "no-cache")
        .end(Buffer.buffer(resource(asset[0])));
  }

  private static byte[] resource(String name) {
    try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing from the classpath: " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every service, its traffic and revisions, with each revision's history. */
  String state() {
    ObjectNode root = ResourceCodec.json().createObjectNode();
    root.put("time", System.currentTimeMillis());
    ArrayNode services = root.putArray("services");
    Map<NamespacedName, RevisionMeters> meters = telemetry.revisions();
    List<Resource> all = new java.util.ArrayList<>(cache.list(Kind.SERVICE, null));
    all.sort(
        Comparator.comparing((Resource r) -> r.metadata.namespace)
            .thenComparing(r -> r.metadata.name));
    for (Resource r : all) {
      Service s = (Service) r;
      ObjectNode n = services.addObject();
      n.put("namespace", s.metadata.namespace);
      n.put("name", s.metadata.name);
      Condition ready = s.status == null ? null : s.status.condition(Status.READY);
      n.put("url", s.status == null ? null : s.status.url);
      n.put("ready", ready == null ? Condition.UNKNOWN : ready.status);
      n.put("reason", ready == null ? null : ready.reason);
      ArrayNode traffic = n.putArray("traffic");
      if (s.status != null && s.status.traffic != null) {
        for (TrafficTarget t : s.status.traffic) {
          traffic
              .addObject()
              .put("revision", t.revisionName)
              .put("percent", t.percent == null ? 0 : t.percent)
              .put("tag", t.tag);
        }
      }
      ArrayNode revisions = n.putArray("revisions");
      List<Resource> revs =
          new java.util.ArrayList<>(cache.list(Kind.REVISION, s.metadata.namespace));
      revs.sort(Comparator.comparing((Resource x) -> x.metadata.name).reversed());
      for (Resource x : revs) {
        Revision rev = (Revision) x;
        if (!s.metadata.name.equals(rev.metadata.label("serving.knative.dev/service"))) {
          continue;
        }
        revisions.add(revision(rev, meters.get(NamespacedName.of(rev))));
      }
    }
    return root.toString();
  }

  private ObjectNode revision(Revision rev, RevisionMeters m) {
    ObjectNode n = ResourceCodec.json().createObjectNode();
    String ns = rev.metadata.namespace;
    String name = rev.metadata.name;
    n.put("name", name);
    Condition ready = rev.status == null ? null : rev.status.condition(Status.READY);
    n.put("ready", ready == null ? Condition.UNKNOWN : ready.status);
    PodAutoscaler pa = (PodAutoscaler) cache.get(Kind.POD_AUTOSCALER, ns, name).orElse(null);
    ServerlessService sks =
        (ServerlessService) cache.get(Kind.SERVERLESS_SERVICE, ns, name).orElse(null);
    n.put("desired", pa == null || pa.status == null ? null : pa.status.desiredScale);
    n.put("actual", pa == null || pa.status == null ? null : pa.status.actualScale);
    n.put("sksMode", sks == null || sks.spec.mode == null ? null : sks.spec.mode.wireName());
    var d = m == null ? null : m.decision();
    n.put("panic", d != null && d.panicMode());
    ObjectNode h = n.putObject("history");
    ArrayNode t = h.putArray("t");
    ArrayNode concurrency = h.putArray("concurrency");
    ArrayNode desired = h.putArray("desired");
    ArrayNode actual = h.putArray("actual");
    ArrayNode rps = h.putArray("rps");
    ArrayNode cold = h.putArray("coldStarts");
    if (m != null) {
      for (RevisionMeters.Sample s : m.history()) {
        t.add(s.timeMillis() / 1000.0);
        concurrency.add(Math.round(s.stableConcurrency() * 100) / 100.0);
        desired.add(s.desiredInstances());
        actual.add(s.readyInstances());
        rps.add(Math.round(s.requestsPerSecond() * 100) / 100.0);
        cold.add(s.coldStarts());
      }
    }
    return n;
  }
}
