package dev.coldbrew.server.dashboard;

import dev.coldbrew.server.AdminApi;
import dev.coldbrew.server.BufferOutputStream;
import dev.coldbrew.server.metrics.RevisionMeters;
import dev.coldbrew.server.metrics.Telemetry;
import dev.coldbrew.store.ResourceCache;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live dashboard at {@code /dashboard/} (the admin port's {@code /} redirects to it): an
 * overview table of every service (URL, readiness) and revision (traffic share, ready/desired
 * instances, concurrency, requests per second, state, SKS mode), and a revision's charts of the
 * last 15 minutes while the user keeps its row open (the history survives restarts through {@link
 * dev.coldbrew.server.metrics.HistoryFile}). The page and its chart library (uPlot, from its
 * WebJar) come from the classpath (read once, at construction), so it works offline; {@code
 * /dashboard/api/state} is the state as JSON and {@code /dashboard/api/stream} pushes it every 2 s
 * as server-sent events.
 *
 * <p>Threading: the state ({@link DashboardState}, linear in services plus revisions) is built on
 * one thread of its own, never on the admin API's event loop, so however long a build takes with
 * thousands of services, {@code /healthz} and every other admin request are answered meanwhile.
 * Each tick ({@link RevisionMeters#SAMPLE}) takes {@link Telemetry#sample()} on that thread and,
 * while a stream is open, builds one state, serialized once and written to every stream (a client
 * that is not reading is skipped); a tick that finds a build under way shares it. {@code api/state}
 * and a new stream get the latest state when it is younger than one tick, otherwise the build under
 * way or a new one (concurrent requests share it). Request handlers run on the admin API's event
 * loop; writes to a stream go through the stream's own context.
 */
public final class Dashboard {
  public static final String PREFIX = "/dashboard/";
  private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);
  private static final String UPLOT =
      "META-INF/resources/webjars/uplot/" + webjarVersion("org.webjars.npm", "uplot") + "/dist/";
  private static final String EVENT_PREFIX = "data: ";
  private static final String EVENT_SUFFIX = "\n\n";

  /** A page or script served from the classpath. */
  private record Asset(Buffer content, String type) {}

  /** A built state: as a server-sent event, and the JSON inside it. */
  private record Snapshot(long builtAtNanos, Buffer event, Buffer json) {}

  private final Vertx vertx;
  private final ResourceCache cache;
  private final Telemetry telemetry;
  private final long periodMillis;
  private final Map<String, Asset> assets = new HashMap<>();
  private final Map<HttpServerResponse, Context> streams = new ConcurrentHashMap<>();
  private final ExecutorService builder =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "coldbrew-dashboard");
            t.setDaemon(true);
            return t;
          });
  private final AtomicReference<CompletableFuture<Snapshot>> building = new AtomicReference<>();
  private final AtomicBoolean ticking = new AtomicBoolean();
  private final AtomicLong builds = new AtomicLong();
  private final AtomicLong ticks = new AtomicLong();
  private volatile Snapshot latest;
  private long timer = -1;

  public Dashboard(Vertx vertx, ResourceCache cache, Telemetry telemetry) {
    this(vertx, cache, telemetry, RevisionMeters.SAMPLE);
  }

  /** With another tick than {@link RevisionMeters#SAMPLE}, for tests. */
  Dashboard(Vertx vertx, ResourceCache cache, Telemetry telemetry, Duration period) {
    this.vertx = vertx;
    this.cache = cache;
    this.telemetry = telemetry;
    this.periodMillis = period.toMillis();
    asset("", "dev/coldbrew/server/dashboard/index.html", "text/html; charset=utf-8");
    asset("dashboard.js", "dev/coldbrew/server/dashboard/dashboard.js", "text/javascript");
    asset("assets/uPlot.iife.min.js", UPLOT + "uPlot.iife.min.js", "text/javascript");
    asset("assets/uPlot.min.css", UPLOT + "uPlot.min.css", "text/css");
  }

  /** Mounts the page and starts sampling and pushing every tick. */
  public void mount(AdminApi admin) {
    admin.mount(PREFIX, this::handle);
    timer = vertx.setPeriodic(periodMillis, id -> tick());
  }

  /** Stops the timer and the builder and closes the streams. */
  public void close() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
    builder.shutdownNow();
    streams.forEach((r, ctx) -> ctx.runOnContext(v -> endQuietly(r)));
    streams.clear();
  }

  private void tick() {
    ticks.incrementAndGet();
    if (ticking.compareAndSet(false, true)) { // else the previous sample is still waiting
      try {
        builder.execute(
            () -> {
              try {
                telemetry.sample();
              } catch (RuntimeException e) {
                LOG.warn("dashboard: sampling failed", e);
              } finally {
                ticking.set(false);
              }
            });
      } catch (RejectedExecutionException e) {
        ticking.set(false);
        return; // closed
      }
    }
    if (!streams.isEmpty()) {
      next();
    }
  }

  /**
   * The next state: the build under way, or a new one queued on the builder. Every build is pushed
   * to every open stream when it is done.
   */
  private CompletableFuture<Snapshot> next() {
    while (true) {
      CompletableFuture<Snapshot> running = building.get();
      if (running != null) {
        return running;
      }
      CompletableFuture<Snapshot> mine = new CompletableFuture<>();
      if (!building.compareAndSet(null, mine)) {
        continue;
      }
      try {
        builder.execute(
            () -> {
              Snapshot s;
              try {
                s = build();
              } catch (RuntimeException | Error e) {
                building.set(null);
                LOG.warn("dashboard: building the state failed", e);
                mine.completeExceptionally(e);
                return;
              }
              latest = s;
              building.set(null);
              mine.complete(s);
              publish(s);
            });
      } catch (RejectedExecutionException e) {
        building.set(null);
        mine.completeExceptionally(e);
      }
      return mine;
    }
  }

  private Snapshot build() {
    builds.incrementAndGet();
    Snapshot last = latest;
    // sized like the last state, so the buffer is written once, without growing
    Buffer event = Buffer.buffer(last == null ? 64 * 1024 : last.event().length() * 9 / 8);
    event.appendString(EVENT_PREFIX);
    DashboardState.write(
        new BufferOutputStream(event), cache, telemetry.revisions(), System.currentTimeMillis());
    int end = event.length();
    event.appendString(EVENT_SUFFIX);
    return new Snapshot(System.nanoTime(), event, event.slice(EVENT_PREFIX.length(), end));
  }

  /** The latest state if it is younger than one tick, else the next one. */
  private CompletableFuture<Snapshot> fresh() {
    Snapshot s = latest;
    return isFresh(s) ? CompletableFuture.completedFuture(s) : next();
  }

  private boolean isFresh(Snapshot s) {
    return s != null && System.nanoTime() - s.builtAtNanos() < periodMillis * 1_000_000;
  }

  private void publish(Snapshot s) {
    streams.forEach((resp, ctx) -> ctx.runOnContext(v -> send(resp, s)));
  }

  private static void send(HttpServerResponse resp, Snapshot s) {
    if (!resp.ended() && !resp.closed() && !resp.writeQueueFull()) {
      resp.write(s.event());
    }
  }

  private void handle(HttpServerRequest req) {
    String path = req.path().substring(PREFIX.length());
    HttpServerResponse resp = req.response();
    Context ctx = vertx.getOrCreateContext();
    if (path.equals("api/state")) {
      fresh()
          .whenComplete(
              (s, e) ->
                  ctx.runOnContext(
                      v -> {
                        if (e != null) {
                          AdminApi.sendError(
                              req, 503, "ServiceUnavailable", "the dashboard state is unavailable");
                        } else if (!resp.closed()) {
                          resp.putHeader("Content-Type", "application/json").end(s.json());
                        }
                      }));
      return;
    }
    if (path.equals("api/stream")) {
      resp.setChunked(true)
          .putHeader("Content-Type", "text/event-stream")
          .putHeader("Cache-Control", "no-cache");
      resp.write("retry: 2000\n");
      streams.put(resp, ctx);
      resp.closeHandler(v -> streams.remove(resp));
      Snapshot s = latest;
      if (isFresh(s)) {
        send(resp, s);
      } else {
        next(); // pushed to every stream, this one included, when built
      }
      return;
    }
    Asset asset = assets.get(path);
    if (asset == null) {
      AdminApi.sendError(req, 404, "NotFound", "no such dashboard page: " + req.path());
      return;
    }
    resp.putHeader("Content-Type", asset.type())
        .putHeader("Cache-Control", "no-cache")
        .end(asset.content());
  }

  private void asset(String path, String resource, String type) {
    try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing from the classpath: " + resource);
      }
      assets.put(path, new Asset(Buffer.buffer(in.readAllBytes()), type));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The version of a WebJar on the classpath, from its {@code pom.properties}, so that the root pom
   * alone names it.
   */
  static String webjarVersion(String group, String artifact) {
    String resource = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing from the classpath: " + resource);
      }
      Properties p = new Properties();
      p.load(in);
      String version = p.getProperty("version");
      if (version == null || version.isBlank()) {
        throw new IllegalStateException(resource + ": no version");
      }
      return version;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void endQuietly(HttpServerResponse r) {
    if (!r.ended() && !r.closed()) {
      r.end();
    }
  }

  /** A state built now, on the caller's thread (tests and benchmarks). */
  String state() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DashboardState.write(out, cache, telemetry.revisions(), System.currentTimeMillis());
    return out.toString(StandardCharsets.UTF_8);
  }

  /** States built so far. */
  long builds() {
    return builds.get();
  }

  /** Ticks so far. */
  long ticks() {
    return ticks.get();
  }
}
