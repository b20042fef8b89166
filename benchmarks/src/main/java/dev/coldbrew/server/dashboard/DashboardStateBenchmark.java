package dev.coldbrew.server.dashboard;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.model.TrafficTarget;
import dev.coldbrew.controller.AutoscalerObserver;
import dev.coldbrew.server.AdminApi;
import dev.coldbrew.server.PlatformConfig;
import dev.coldbrew.server.events.EventLog;
import dev.coldbrew.server.metrics.Telemetry;
import dev.coldbrew.store.ResourceCache;
import dev.coldbrew.store.SqliteStore;
import dev.coldbrew.store.admission.Admission;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The dashboard with thousands of services: how long one state takes to build (wall-clock and CPU
 * time of the building thread; the CPU time does not depend on how loaded the machine is), and how
 * long the admin API's {@code /healthz} takes while states are built (one {@code GET
 * /dashboard/api/state}, then a dashboard stream open for 10 s). Writes a Service (with status), a
 * Revision, its PodAutoscaler and its SKS per service into a SQLite store in a temporary directory,
 * as the controller leaves them, and serves them with the real admin API and dashboard on loopback.
 * A plain main, not JMH: one build of the state took seconds before it was made linear.
 *
 * <pre>
 * mvn -B -pl benchmarks -am package -DskipTests
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar \
 *     dev.coldbrew.server.dashboard.DashboardStateBenchmark [--build-only] 3000 10000
 * </pre>
 *
 * <p>{@code --build-only}: one build, timed, and no HTTP.
 */
public final class DashboardStateBenchmark {
  private static final String TOKEN = "benchmark-token";

  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private DashboardStateBenchmark() {}

  public static void main(String[] args) throws Exception {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("ROOT"))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    List<Integer> counts = new ArrayList<>();
    boolean http = true;
    for (String a : args) {
      if (a.equals("--build-only")) {
        http = false;
      } else {
        counts.add(Integer.parseInt(a));
      }
    }
    if (counts.isEmpty()) {
      counts = List.of(3000, 10000);
    }
    System.out.printf(
        "%-9s %-12s %-14s %-14s %-24s %-24s%n",
        "SERVICES",
        "STATE_BYTES",
        "BUILD_MS",
        "BUILD_CPU_MS",
        "HEALTHZ_DURING_GET_MS",
        "HEALTHZ_WITH_STREAM_MS");
    System.out.println("(each: median/max (samples), in milliseconds)");
    for (int n : counts) {
      run(n, http);
    }
  }

  private static void run(int services, boolean http) throws Exception {
    Path dir = Files.createTempDirectory("coldbrew-dashboard-bench");
    SqliteStore store = SqliteStore.open(dir);
    ResourceCache cache = null;
    Telemetry telemetry = null;
    Vertx vertx = null;
    try {
      populate(store, services);
      cache = ResourceCache.of(store).start();
      telemetry =
          new Telemetry(
              new EventLog(Clock.systemUTC(), Duration.ofMinutes(1), 100),
              Clock.systemUTC(),
              r -> Map.of(),
              r -> 0);
      for (int i = 0; i < services; i++) {
        telemetry.decided(
            new NamespacedName("default", String.format("svc-%05d-00001", i)),
            new AutoscalerObserver.Decision(1, 1, 1, false, 0.5, 0.5, 70, 100, SksMode.SERVE));
      }
      telemetry.sample();
      vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(8));
      AdminApi api =
          new AdminApi(
              vertx,
              store,
              new Admission(store, PlatformConfig.standard().validationContext()),
              new dev.coldbrew.server.AdminAccess(
                  TOKEN,
                  dev.coldbrew.server.AdminAccess.allowedHosts("127.0.0.1", List.of()),
                  java.time.Clock.systemUTC()));
      Dashboard dashboard = new Dashboard(vertx, cache, telemetry);
      dashboard.mount(api);
      int port =
          api.listen("127.0.0.1", 0, AdminApi.Limits.of(java.time.Duration.ofSeconds(10), 256))
              .toCompletionStage()
              .toCompletableFuture()
              .get();
      api.markReady();

      List<Long> builds = new ArrayList<>();
      List<Long> cpu = new ArrayList<>();
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      int bytes = 0;
      for (int i = 0; i < (http ? 7 : 1); i++) {
        long t0 = System.nanoTime();
        long c0 = threads.getCurrentThreadCpuTime();
        bytes = dashboard.state().length();
        cpu.add((threads.getCurrentThreadCpuTime() - c0) / 1_000_000);
        builds.add((System.nanoTime() - t0) / 1_000_000);
      }
      if (!http) {
        System.out.printf(
            "%-9d %-12d %-14s %-14s%n", services, bytes, summary(builds), summary(cpu));
        return;
      }

      // the client's connections and the server's /healthz path warmed up first
      List<CompletableFuture<HttpResponse<Void>>> warm = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        warm.add(HTTP.sendAsync(request(port, "/healthz"), HttpResponse.BodyHandlers.discarding()));
      }
      CompletableFuture.allOf(warm.toArray(CompletableFuture[]::new)).join();
      for (int i = 0; i < 50; i++) {
        healthz(port);
      }

      // /healthz while one GET /dashboard/api/state is answered
      CompletableFuture<HttpResponse<String>> get =
          HTTP.sendAsync(
              request(port, "/dashboard/api/state"), HttpResponse.BodyHandlers.ofString());
      List<Long> duringGet = new ArrayList<>();
      while (!get.isDone()) {
        duringGet.add(healthz(port));
        Thread.sleep(20);
      }
      get.get();

      // /healthz for 10 s while one dashboard tab (a stream) is open
      HttpResponse<InputStream> stream =
          HTTP.send(
              request(port, "/dashboard/api/stream"), HttpResponse.BodyHandlers.ofInputStream());
      InputStream body = stream.body();
      Thread drain =
          new Thread(
              () -> {
                byte[] buf = new byte[1 << 16];
                try {
                  while (body.read(buf) >= 0) {
                    // discard
                  }
                } catch (IOException e) {
                  // closed
                }
              });
      drain.setDaemon(true);
      drain.start();
      List<Long> withStream = new ArrayList<>();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < end) {
        withStream.add(healthz(port));
        Thread.sleep(20);
      }
      body.close();
      dashboard.close();

      System.out.printf(
          "%-9d %-12d %-14s %-14s %-24s %-24s%n",
          services, bytes, summary(builds), summary(cpu), summary(duringGet), summary(withStream));
    } finally {
      if (vertx != null) {
        vertx.close().toCompletionStage().toCompletableFuture().get();
      }
      if (cache != null) {
        cache.close();
      }
      if (telemetry != null) {
        telemetry.close();
      }
      store.close();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static HttpRequest request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + TOKEN)
        .timeout(Duration.ofMinutes(10))
        .build();
  }

  /** Milliseconds one {@code GET /healthz} took. */
  private static long healthz(int port) throws Exception {
    long t0 = System.nanoTime();
    HTTP.send(request(port, "/healthz"), HttpResponse.BodyHandlers.discarding());
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** "median/max (n)". */
  private static String summary(List<Long> ms) {
    if (ms.isEmpty()) {
      return "-";
    }
    List<Long> s = new ArrayList<>(ms);
    Collections.sort(s);
    return s.get(s.size() / 2) + "/" + s.get(s.size() - 1) + " (" + s.size() + ")";
  }

  // ------------------------------------------------------------------- the store's contents

  private static void populate(SqliteStore store, int services) {
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < services; i++) {
      writes.add(service(store, String.format("svc-%05d", i)));
      if (writes.size() >= 256) {
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        writes.clear();
      }
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
  }

  private static CompletableFuture<?> service(SqliteStore store, String name) {
    String revName = name + "-00001";
    Service s = new Service();
    s.metadata.namespace = "default";
    s.metadata.name = name;
    s.spec.template.spec.containers = List.of(container());
    CompletableFuture<?> svc =
        store
            .createAsync(s)
            .thenCompose(
                created -> {
                  Service st = (Service) created;
                  st.status = new Service.ServiceStatus();
                  st.status.url = "http://" + name + ".default.localhost:8080";
                  st.status.conditions = new ArrayList<>(List.of(ready()));
                  TrafficTarget t = new TrafficTarget();
                  t.revisionName = revName;
                  t.percent = 100L;
                  st.status.traffic = List.of(t);
                  return store.updateStatusAsync(st);
                });
    Revision r = new Revision();
    r.metadata.namespace = "default";
    r.metadata.name = revName;
    r.metadata.labels().put("serving.knative.dev/service", name);
    r.spec.containers = List.of(container());
    CompletableFuture<?> rev =
        store
            .createAsync(r)
            .thenCompose(
                created -> {
                  Revision withStatus = (Revision) created;
                  withStatus.status = new Revision.RevisionStatus();
                  withStatus.status.conditions = new ArrayList<>(List.of(ready()));
                  PodAutoscaler pa = owned(new PodAutoscaler(), withStatus);
                  ServerlessService sks = owned(new ServerlessService(), withStatus);
                  sks.spec.mode = SksMode.SERVE;
                  return CompletableFuture.allOf(
                      store.updateStatusAsync(withStatus),
                      store.createAsync(sks),
                      store
                          .createAsync(pa)
                          .thenCompose(
                              p -> {
                                PodAutoscaler ps = (PodAutoscaler) p;
                                ps.status = new PodAutoscaler.PodAutoscalerStatus();
                                ps.status.desiredScale = 1;
                                ps.status.actualScale = 1;
                                return store.updateStatusAsync(ps);
                              }));
                });
    return CompletableFuture.allOf(svc, rev);
  }

  private static Container container() {
    Container c = new Container();
    c.command = List.of("app");
    return c;
  }

  private static Condition ready() {
    return new Condition(Status.READY, Condition.TRUE, null, null);
  }

  private static <T extends Resource> T owned(T child, Revision owner) {
    child.metadata.namespace = owner.metadata.namespace;
    child.metadata.name = owner.metadata.name;
    child.metadata.ownerReferences().add(OwnerReference.controllerOf(owner));
    return child;
  }
}
