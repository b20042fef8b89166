package dev.coldbrew.controller;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.InstanceRuntime;
import dev.coldbrew.api.stats.Stat;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.store.ResourceCache;
import dev.coldbrew.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Starts the reconcilers — one per kind, each on its own work queue — over a cache of the store,
 * and routes every change to the keys it affects: a child's change re-queues its owner, a
 * configuration's or revision's change re-queues the routes that reference it, a Service's or
 * Route's the DomainMappings that reference it, a DomainMapping's every mapping of its domain, a
 * runtime change re-queues the revision's status, autoscaler and endpoints. Everything is resynced
 * every few minutes. Thread-safe. Threads: two workers per kind, the {@code controller-timer}
 * (delayed re-queues, resync) and the multiscaler's own {@value Multiscaler#THREAD}
 * (docs/architecture.md, "Threads and locks").
 */
public final class ControllerManager implements AutoCloseable {
  /** How often every resource is reconciled even without a change. */
  static final Duration RESYNC = Duration.ofMinutes(5);

  /**
   * How long the reconciles a healthy change of instances asks for wait, coalesced: the data plane
   * hears of instances from the runtime directly, so no request waits for them, and a burst of
   * changes becomes one round of status writes. A failing instance is reconciled at once.
   */
  static final Duration INSTANCE_SETTLE = Duration.ofMillis(100);

  /**
   * The same wait while a Revision's instances are all still starting (a cold start under way),
   * longer so that its status writes run after the first response of most apps instead of beside
   * their start on the same cores; its first ready instance cuts it to {@link #INSTANCE_SETTLE}.
   */
  static final Duration COLD_START_SETTLE = Duration.ofSeconds(1);

  private final ResourceCache cache;
  private final ScheduledExecutorService timer;
  private final Map<Kind, Controller> controllers = new EnumMap<>(Kind.class);
  private final Multiscaler multiscaler;
  private final RouteReconciler routes;
  private final AtomicReference<ValidationContext> config;
  private final AtomicReference<String> domain;

  /**
   * The embedded engine's: a ServerlessService's endpoints are {@code Endpoints} in the store.
   *
   * @param domain the URL domain ({@code localhost})
   * @param gatewayPort the port in URLs
   */
  public ControllerManager(
      Store store,
      InstanceRuntime runtime,
      Networking networking,
      ValidationContext config,
      String domain,
      int gatewayPort,
      Clock clock) {
    this(store, runtime, networking, null, config, domain, gatewayPort, clock);
  }

  /**
   * With an engine's own {@link SksEndpoints} (the Kubernetes engine writes EndpointSlices).
   *
   * @param endpoints where ServerlessServices publish endpoints; null for the store's {@code
   *     Endpoints}
   * @param domain the URL domain ({@code localhost})
   * @param gatewayPort the port in URLs
   */
  public ControllerManager(
      Store store,
      InstanceRuntime runtime,
      Networking networking,
      SksEndpoints endpoints,
      ValidationContext config,
      String domain,
      int gatewayPort,
      Clock clock) {
    this.cache = ResourceCache.of(store);
    this.timer =
        Executors.newScheduledThreadPool(
            1,
            r -> {
              Thread t = new Thread(r, "controller-timer");
              t.setDaemon(true);
              return t;
            });
    this.config = new AtomicReference<>(config);
    this.domain = new AtomicReference<>(domain);
    ControllerContext ctx =
        new ControllerContext(store, cache, clock, this.config::get, this.domain::get, gatewayPort);
    routes = new RouteReconciler(ctx, networking);
    DomainMappingReconciler mappings = new DomainMappingReconciler(ctx, networking);
    multiscaler =
        new Multiscaler(
            runtime,
            k -> ctx.<Revision>get(Kind.REVISION, k.namespace(), k.name()),
            clock,
            (revision, decision, applied) -> {
              if (applied) { // a scale from zero: the PodAutoscaler's reconcile only records it
                enqueueAfter(Kind.POD_AUTOSCALER, revision, COLD_START_SETTLE);
              } else {
                enqueue(Kind.POD_AUTOSCALER, revision);
              }
            });
    add(Kind.SERVICE, new ServiceReconciler(ctx), 2);
    add(Kind.CONFIGURATION, new ConfigurationReconciler(ctx), 2);
    add(Kind.ROUTE, routes, 2);
    add(Kind.DOMAIN_MAPPING, mappings, 2);
    add(
        Kind.REVISION,
        new RevisionReconciler(ctx, runtime, networking, k -> enqueue(Kind.REVISION, k)),
        2);
    add(Kind.POD_AUTOSCALER, new PodAutoscalerReconciler(ctx, runtime, multiscaler), 2);
    add(
        Kind.SERVERLESS_SERVICE,
        new ServerlessServiceReconciler(
            ctx, runtime, endpoints == null ? new StoreSksEndpoints(ctx, networking) : endpoints),
        2);

    cache.onEvent(
        Kind.SERVICE,
        r -> {
          enqueue(Kind.SERVICE, key(r));
          mappings.mappingsReferencing(r).forEach(k -> enqueue(Kind.DOMAIN_MAPPING, k));
        });
    cache.onEvent(
        Kind.CONFIGURATION,
        r -> {
          enqueue(Kind.CONFIGURATION, key(r));
          enqueueOwner(r, Kind.SERVICE);
          routes.routesReferencing(r).forEach(k -> enqueue(Kind.ROUTE, k));
        });
    cache.onEvent(
        Kind.ROUTE,
        r -> {
          enqueue(Kind.ROUTE, key(r));
          enqueueOwner(r, Kind.SERVICE);
          mappings.mappingsReferencing(r).forEach(k -> enqueue(Kind.DOMAIN_MAPPING, k));
        });
    cache.onEvent(
        Kind.DOMAIN_MAPPING,
        r -> {
          enqueue(Kind.DOMAIN_MAPPING, key(r));
          // and every other mapping of the domain: a claim may pass between them
          mappings.mappingsOfDomain(r.metadata.name).forEach(k -> enqueue(Kind.DOMAIN_MAPPING, k));
        });
    cache.onEvent(
        Kind.REVISION,
        r -> {
          enqueue(Kind.REVISION, key(r));
          enqueue(Kind.POD_AUTOSCALER, key(r));
          enqueueOwner(r, Kind.CONFIGURATION);
          routes.routesReferencing(r).forEach(k -> enqueue(Kind.ROUTE, k));
        });
    cache.onEvent(
        Kind.POD_AUTOSCALER,
        r -> {
          enqueue(Kind.POD_AUTOSCALER, key(r));
          enqueue(Kind.REVISION, key(r));
        });
    cache.onEvent(
        Kind.SERVERLESS_SERVICE,
        r -> {
          enqueue(Kind.SERVERLESS_SERVICE, key(r));
          enqueue(Kind.POD_AUTOSCALER, key(r));
        });
    runtime.subscribe(
        inst -> {
          NamespacedName k = inst.revision();
          Duration settle =
              !inst.health().healthy()
                  ? Duration.ZERO
                  : inst.ready().isEmpty() && inst.total() > 0
                      ? COLD_START_SETTLE
                      : INSTANCE_SETTLE;
          enqueueAfter(Kind.SERVERLESS_SERVICE, k, settle);
          enqueueAfter(Kind.POD_AUTOSCALER, k, settle);
          enqueueAfter(Kind.REVISION, k, settle);
        });
  }

  private void add(Kind kind, Reconciler r, int workers) {
    controllers.put(kind, new Controller(kind.plural(), r, timer, workers));
  }

  /** Loads the cache, then starts the reconcilers; returns once the cache is synced. */
  public void start() throws InterruptedException {
    cache.start();
    if (!cache.awaitSynced(Duration.ofMinutes(1))) {
      throw new IllegalStateException("the store cache did not sync within a minute");
    }
    controllers.values().forEach(Controller::start);
    timer.scheduleAtFixedRate(
        this::resync, RESYNC.toMillis(), RESYNC.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Where each revision's autoscaler decisions go; set before {@link #start}. */
  public void observeAutoscaler(AutoscalerObserver observer) {
    multiscaler.observer = observer;
  }

  /**
   * Where the data plane's stats go: the multiscaler, which only records them on the calling thread
   * and hands a poke's tick to its own thread.
   */
  public Stat.Sink statSink() {
    return multiscaler;
  }

  /** The cache the reconcilers read (shared objects: copy before changing). */
  public ResourceCache cache() {
    return cache;
  }

  /**
   * Uses {@code next} from now on, as Knative's controllers follow their ConfigMaps: every resource
   * is reconciled again with it (the autoscaler's settings, the progress deadline and the revision
   * GC of existing revisions change at once).
   */
  public void reconfigure(ValidationContext next) {
    config.set(next);
    resync();
  }

  /**
   * As {@link #reconfigure(ValidationContext)}, with {@code domain} as the domain of Route URLs
   * from now on (the Kubernetes engine's {@code config-domain}).
   */
  public void reconfigure(ValidationContext next, String domain) {
    this.domain.set(domain);
    reconfigure(next);
  }

  private void resync() {
    for (Kind kind : controllers.keySet()) {
      for (Resource r : cache.list(kind, null)) {
        enqueue(kind, key(r));
      }
    }
  }

  private void enqueue(Kind kind, NamespacedName key) {
    enqueueAfter(kind, key, Duration.ZERO);
  }

  private void enqueueAfter(Kind kind, NamespacedName key, Duration delay) {
    Controller c = controllers.get(kind);
    if (c != null) {
      c.enqueueAfter(key, delay);
    }
  }

  private void enqueueOwner(Resource r, Kind ownerKind) {
    OwnerReference ref = r.metadata.controllerRef();
    if (ref != null && ownerKind.kindName().equals(ref.kind)) {
      enqueue(ownerKind, new NamespacedName(r.metadata.namespace, ref.name));
    }
  }

  private static NamespacedName key(Resource r) {
    return NamespacedName.of(r);
  }

  @Override
  public void close() {
    multiscaler.close();
    List<Controller> all = new ArrayList<>(controllers.values());
    all.forEach(Controller::close);
    cache.close();
    timer.shutdownNow();
  }
}
