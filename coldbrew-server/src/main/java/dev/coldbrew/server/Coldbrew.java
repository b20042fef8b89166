package dev.coldbrew.server;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.controller.ControllerManager;
import dev.coldbrew.dataplane.DataPlane;
import dev.coldbrew.dataplane.DataPlaneOptions;
import dev.coldbrew.dataplane.Warmup;
import dev.coldbrew.runtime.local.LocalRuntime;
import dev.coldbrew.runtime.local.LocalRuntimeOptions;
import dev.coldbrew.server.dashboard.Dashboard;
import dev.coldbrew.server.events.EventFile;
import dev.coldbrew.server.events.EventLog;
import dev.coldbrew.server.events.EventsApi;
import dev.coldbrew.server.metrics.HistoryFile;
import dev.coldbrew.server.metrics.MetricsApi;
import dev.coldbrew.server.metrics.Telemetry;
import dev.coldbrew.store.SqliteStore;
import dev.coldbrew.store.admission.Admission;
import dev.coldbrew.store.admission.RevisionQuota;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform on one machine: the SQLite store, the local runtime, the data plane (gateway,
 * activator, queues), the reconcilers and the admin API, wired together and started in that order
 * (orphans from a run that died are ended before anything starts), and closed in reverse.
 * Thread-safe.
 */
public final class Coldbrew implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Coldbrew.class);

  /**
   * The start-up warm-up: requests held at zero and released, then requests per SKS mode, and the
   * most time each warm-up may take. Enough to load and first run the path; 200 of each (for the
   * JIT's first tier, ~2 s of CPU) measured no better.
   */
  private static final int WARMUP_CYCLES = 5;

  private static final int WARMUP_REQUESTS = 20;

  private static final Duration WARMUP_BUDGET = Duration.ofSeconds(5);

  private final ServerOptions options;
  private final List<AutoCloseable> closeOnStop = new ArrayList<>();
  private SqliteStore store;
  private LocalRuntime runtime;
  private DataPlane dataPlane;
  private volatile ControllerManager controller;
  private Vertx adminVertx;
  private AdminApi admin;
  private AdminAccess access;
  private Dashboard dashboard;
  private Admission admission;
  private PlatformConfig config; // the config in force, under this
  private int gatewayPort;
  private int adminPort;

  private Coldbrew(ServerOptions options) {
    this.options = options;
    this.config = options.config();
  }

  /**
   * Starts everything and applies the options' manifests.
   *
   * @throws ValidationException for a bad manifest (nothing is left running)
   * @throws IllegalStateException when a port is taken or the store cannot be opened
   */
  public static Coldbrew start(ServerOptions options, PrintStream out) throws Exception {
    Coldbrew c = new Coldbrew(options);
    try {
      c.startAll(out);
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  private void startAll(PrintStream out) throws Exception {
    Path dataDir = options.dataDir().toAbsolutePath();
    LocalRuntime.preferVfork(); // before SqliteStore.open, which starts a process
    AdminToken.securePrivateDirectory(dataDir);
    store = SqliteStore.open(dataDir);
    closeOnStop.add(store);

    var forward = new ForwardingStatSink();
    DataPlaneOptions dataPlaneOptions =
        options
            .config()
            .limits()
            .applyTo(DataPlaneOptions.defaults())
            .withBind(options.bindAddress(), options.httpPort());
    dataPlane = new DataPlane(dataPlaneOptions, forward);
    closeOnStop.add(dataPlane);
    EventLog events =
        new EventLog(Clock.systemUTC(), EventLog.DEFAULT_MAX_AGE, EventLog.DEFAULT_MAX_COUNT);
    closeOnStop.add(EventFile.open(dataDir, events, EventLog.DEFAULT_MAX_COUNT));
    Telemetry telemetry =
        new Telemetry(events, Clock.systemUTC(), this::revisionLabels, dataPlane::heldRequests);
    dataPlane.observe(telemetry, options.coldStartHeader());
    closeOnStop.add(telemetry);
    closeOnStop.add(HistoryFile.open(dataDir, telemetry, Clock.systemUTC()));
    runtime =
        new LocalRuntime(
            LocalRuntimeOptions.builder(dataDir)
                .drainer(dataPlane)
                .defaultEngine(options.config().limits().engine())
                .defaultContainerNetwork(options.config().limits().containerNetwork())
                .build());
    closeOnStop.add(runtime);
    runtime.warmUp(WARMUP_BUDGET); // the launch path, before anyone subscribes
    runtime.checkContainerEngine(); // logs what it found; container revisions wait for it
    runtime.subscribeInline(inst -> dataPlane.updateInstances(inst.revision(), inst.ready()));
    runtime.subscribe(telemetry);
    try {
      gatewayPort = dataPlane.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "--http-port: cannot listen on "
              + options.bindAddress()
              + ":"
              + options.httpPort()
              + " ("
              + e.getCause().getMessage()
              + ")",
          e.getCause());
    }

    controller =
        new ControllerManager(
            store,
            runtime,
            new GatewayNetworking(dataPlane),
            options.config().validationContext(),
            options.effectiveDomain(),
            gatewayPort,
            Clock.systemUTC());
    closeOnStop.add(controller);
    forward.target = controller.statSink();
    controller.observeAutoscaler(telemetry);
    controller.start();

    admission =
        new Admission(
            store,
            options.config().validationContext(),
            RevisionQuota.watching(controller.cache(), options.config().limits().maxRevisions()));
    adminVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(8));
    access =
        new AdminAccess(
            AdminToken.rotate(dataDir),
            AdminAccess.allowedHosts(
                options.adminBindAddress(), options.config().limits().adminAllowedHosts()),
            Clock.systemUTC());
    admin = new AdminApi(adminVertx, store, admission, access);
    new LogsApi(runtime.logs(), store).mount(admin);
    new EventsApi(events).mount(admin);
    new MetricsApi(adminVertx, telemetry).mount(admin);
    dashboard = new Dashboard(adminVertx, controller.cache(), telemetry);
    dashboard.mount(admin);
    try {
      adminPort =
          admin
              .listen(
                  options.adminBindAddress(),
                  options.adminPort(),
                  AdminApi.Limits.of(
                      dataPlaneOptions.headerReadTimeout(),
                      options.config().limits().adminMaxConnections()))
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "--admin-port: cannot listen on "
              + options.adminBindAddress()
              + ":"
              + options.adminPort()
              + " ("
              + e.getCause().getMessage()
              + ")",
          e.getCause());
    }
    admin.markReady();
    LOG.info(
        "gateway on {}:{}, admin API on {}:{} (bearer token in {}), data in {}",
        options.bindAddress(),
        gatewayPort,
        options.adminBindAddress(),
        adminPort,
        dataDir.resolve(AdminToken.FILE),
        dataDir);
    applyManifests(out);
    // the request path, once serving, beside everything else: its revision is the data plane's own
    Thread warmup =
        new Thread(
            () -> {
              Warmup.Result r =
                  Warmup.run(dataPlane, WARMUP_CYCLES, WARMUP_REQUESTS, WARMUP_BUDGET);
              LOG.debug(
                  "request path warmed: {}/{} requests in {} ms",
                  r.ok(),
                  r.sent(),
                  r.took().toMillis());
            },
            "coldbrew-warmup");
    warmup.setDaemon(true);
    warmup.start();
  }

  private void applyManifests(PrintStream out) throws IOException {
    List<FieldError> errors = new ArrayList<>();
    List<Resource> parsed = new ArrayList<>();
    for (Path p : options.manifests()) {
      List<Path> files = new ArrayList<>();
      if (Files.isDirectory(p)) {
        try (var s = Files.list(p)) {
          s.filter(f -> f.toString().matches(".*\\.(ya?ml|json)$")).sorted().forEach(files::add);
        }
      } else {
        files.add(p);
      }
      for (Path f : files) {
        String text;
        try {
          text = Files.readString(f);
        } catch (IOException e) {
          errors.add(new FieldError("-f", f + ": cannot read (" + e.getMessage() + ")"));
          continue;
        }
        try {
          for (var doc : ResourceCodec.split(text)) {
            parsed.add(ResourceCodec.decode(doc));
          }
        } catch (ValidationException e) {
          e.errors()
              .forEach(
                  fe ->
                      errors.add(
                          new FieldError(
                              f + (fe.path().isEmpty() ? "" : ": " + fe.path()), fe.message())));
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    for (Resource r : parsed) {
      Admission.Applied a;
      try {
        a = admission.apply(r);
      } catch (ValidationException e) {
        List<FieldError> named = new ArrayList<>();
        e.errors()
            .forEach(
                fe ->
                    named.add(
                        new FieldError(
                            r + (fe.path().isEmpty() ? "" : ": " + fe.path()), fe.message())));
        throw new ValidationException(named);
      }
      String kind = r.kind.toLowerCase(java.util.Locale.ROOT) + "." + r.resourceKind().group();
      out.println(kind + "/" + r.metadata.name + " " + a.outcome().word());
      if (a.resource() instanceof Service s) {
        out.println(
            "  URL: http://"
                + s.metadata.name
                + "."
                + s.metadata.namespace
                + "."
                + options.effectiveDomain()
                + (gatewayPort == 80 ? "" : ":" + gatewayPort));
      }
    }
    out.flush();
  }

  /**
   * A new one-time dashboard login URL on this machine's loopback (or the bind address when it is
   * neither loopback nor a wildcard): opened once within {@link AdminAccess#LINK_LIFETIME}, it sets
   * the session cookie.
   */
  public String loginUrl() {
    String host = options.adminBindAddress();
    try {
      InetAddress a = InetAddress.getByName(host);
      if (a.isAnyLocalAddress()) {
        host = a instanceof java.net.Inet6Address ? "[::1]" : "127.0.0.1";
      } else if (host.indexOf(':') >= 0) {
        host = "[" + host + "]";
      }
    } catch (java.net.UnknownHostException e) {
      // checked before start: the name as given
    }
    return "http://" + host + ":" + adminPort + "/login?once=" + access.newLoginLink();
  }

  public int gatewayPort() {
    return gatewayPort;
  }

  /**
   * Follows {@code file}, the config the platform was started with, and applies its edits while it
   * runs ({@link #reconfigure}).
   */
  public synchronized void followConfigFile(Path file) {
    closeOnStop.add(ConfigReloader.start(file, config, this::reconfigure));
  }

  /**
   * Applies the sections of {@code next} that can change while the platform runs — {@code
   * autoscaler:}, {@code defaults:}, {@code deployment:} and {@code gc:}, as Knative's components
   * follow config-autoscaler, config-defaults, config-deployment and config-gc — to new writes and
   * to every existing resource at once; {@code domain:} and {@code coldbrew:} (addresses, limits,
   * the engine, the gateway's threads) keep their values until the next start.
   *
   * @return what was applied and what waits for a restart, in words
   */
  public synchronized String reconfigure(PlatformConfig next) {
    PlatformConfig was = config;
    List<String> live = new ArrayList<>();
    if (!next.autoscaler().equals(was.autoscaler())) {
      live.add("autoscaler");
    }
    if (!next.defaults().equals(was.defaults())) {
      live.add("defaults");
    }
    if (!next.deployment().equals(was.deployment())) {
      live.add("deployment");
    }
    if (!next.gc().equals(was.gc())) {
      live.add("gc");
    }
    List<String> later = new ArrayList<>();
    if (!next.domain().equals(was.domain())) {
      later.add("domain");
    }
    if (!next.limits().equals(was.limits())) {
      later.add("coldbrew");
    }
    config =
        new PlatformConfig(
            next.autoscaler(),
            next.defaults(),
            next.deployment(),
            was.domain(),
            next.gc(),
            was.limits());
    if (!live.isEmpty()) {
      ValidationContext vc = config.validationContext();
      admission.reconfigure(vc);
      controller.reconfigure(vc);
    }
    return (live.isEmpty() ? "nothing to apply now" : "applied " + sections(live))
        + (later.isEmpty() ? "" : "; " + sections(later) + " take effect at the next start");
  }

  private static String sections(List<String> names) {
    return names.stream().map(n -> n + ":").collect(java.util.stream.Collectors.joining(", "));
  }

  /**
   * What a stop waits for now, in words ({@code "2 requests on 1 instance"}); empty when no
   * instance runs.
   */
  public String stopWork() {
    int instances = runtime == null ? 0 : runtime.liveInstances();
    if (instances == 0) {
      return "";
    }
    int requests = dataPlane == null ? 0 : dataPlane.requestsOnInstances();
    return plural(requests, "request") + " on " + plural(instances, "instance");
  }

  /**
   * Stops without draining: every instance is killed now, or as soon as {@link #close} stops it.
   * Requests in flight on them are cut.
   *
   * @return what was done, in words ({@code "killed 2 instances"})
   */
  public String hurry() {
    int killed = runtime == null ? 0 : runtime.hurry();
    return killed == 0 ? "no instance is draining" : "killed " + plural(killed, "instance");
  }

  private static String plural(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  public int adminPort() {
    return adminPort;
  }

  /** A revision's labels from the controller's cache; empty when unknown. */
  private java.util.Map<String, String> revisionLabels(dev.coldbrew.api.model.NamespacedName rev) {
    ControllerManager c = controller;
    if (c == null) {
      return java.util.Map.of();
    }
    return c.cache()
        .get(dev.coldbrew.api.model.Kind.REVISION, rev.namespace(), rev.name())
        .map(r -> r.metadata.labels())
        .orElse(java.util.Map.of());
  }

  /** Stops the admin API, the reconcilers, every instance (draining), the gateway, the store. */
  @Override
  public void close() {
    if (dashboard != null) {
      dashboard.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (adminVertx != null) {
      adminVertx.close();
    }
    for (int i = closeOnStop.size() - 1; i >= 0; i--) {
      AutoCloseable c = closeOnStop.get(i);
      if (c == dataPlane) {
        continue; // after the runtime: draining instances still need the gateway
      }
      closeQuietly(c);
      if (c == runtime && dataPlane != null) {
        closeQuietly(dataPlane);
      }
    }
    closeOnStop.clear();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("while stopping {}: {}", c.getClass().getSimpleName(), e.toString());
    }
  }

  /** Lets the data plane be built before the controller it reports to. */
  private static final class ForwardingStatSink implements dev.coldbrew.api.stats.Stat.Sink {
    volatile dev.coldbrew.api.stats.Stat.Sink target;

    @Override
    public void accept(dev.coldbrew.api.stats.Stat stat) {
      var t = target;
      if (t != null) {
        t.accept(stat);
      }
    }
  }
}
