package dev.coldbrew.controller;

import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.stats.Stat;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.store.FaultyStore;
import dev.coldbrew.store.InMemoryStore;
import dev.coldbrew.store.ResourceCache;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One revision's PodAutoscaler reconciler with its surroundings, for tests: an {@link
 * InMemoryStore} behind a {@link FaultyStore}, a cache over it, a {@link FakeRuntime}, a {@link
 * Multiscaler} on a given thread and a recording observer and decision listener. {@link #given}
 * writes the Revision, its PodAutoscaler and its ServerlessService (Proxy, 2 activators) and syncs
 * the cache; {@link #reconcile} runs one reconcile on the calling thread. Not thread-safe beyond
 * what the recorders are.
 */
final class PodAutoscalerFixture implements AutoCloseable {
  static final NamespacedName REV = new NamespacedName("default", "hello-00001");
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final String A = "autoscaling.knative.dev/";

  final InMemoryStore memory = new InMemoryStore();
  final FaultyStore store = new FaultyStore(memory);
  final FakeRuntime runtime = new FakeRuntime();
  final ResourceCache cache = ResourceCache.of(memory);
  final Clock clock;
  final Multiscaler multiscaler;
  final PodAutoscalerReconciler reconciler;

  /** {@code thread-name desired[ applied]} of every decision that notified, in order. */
  final List<String> notified = new CopyOnWriteArrayList<>();

  /** {@code thread-name desired requested sks} of every decision the observer was told. */
  final List<String> observed = new CopyOnWriteArrayList<>();

  final List<NamespacedName> removed = new CopyOnWriteArrayList<>();

  /** When set, the decision listener waits for it after recording (holding the tick's thread). */
  volatile CountDownLatch holdListener;

  PodAutoscalerFixture(ScheduledExecutorService thread, Clock clock) {
    this.clock = clock;
    ControllerContext ctx =
        new ControllerContext(store, cache, clock, ValidationContext.standard(), "localhost", 8080);
    multiscaler =
        new Multiscaler(
            runtime,
            k -> cache.get(Kind.REVISION, k.namespace(), k.name()).map(r -> (Revision) r),
            clock,
            (revision, r, applied) -> {
              notified.add(
                  Thread.currentThread().getName()
                      + " "
                      + r.desiredPodCount()
                      + (applied ? " applied" : ""));
              CountDownLatch hold = holdListener;
              if (hold != null) {
                try {
                  hold.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            thread);
    multiscaler.observer =
        new AutoscalerObserver() {
          @Override
          public void decided(NamespacedName revision, Decision d) {
            observed.add(
                Thread.currentThread().getName()
                    + " "
                    + d.desiredInstances()
                    + " "
                    + d.requestedInstances()
                    + " "
                    + d.sksMode());
          }

          @Override
          public void removed(NamespacedName revision) {
            removed.add(revision);
          }
        };
    reconciler = new PodAutoscalerReconciler(ctx, runtime, multiscaler);
  }

  /** On a fixed clock at {@link #T0}, stepped by a {@link ManualScheduler}. */
  PodAutoscalerFixture(ManualScheduler thread) {
    this(thread, Clock.fixed(T0, ZoneOffset.UTC));
  }

  /**
   * Writes the Revision (with these template annotations and containerConcurrency), its reachable
   * PodAutoscaler — with {@code ScaleTargetInitialized=True} when {@code initializedBefore} — and
   * its ServerlessService, then starts the cache and waits until it has them.
   */
  PodAutoscalerFixture given(
      Map<String, String> annotations, long containerConcurrency, boolean initializedBefore)
      throws InterruptedException {
    return given(
        annotations,
        containerConcurrency,
        initializedBefore
            ? st -> st.markScaleTargetInitialized(Clock.fixed(T0, ZoneOffset.UTC))
            : null);
  }

  /** The same, with the PodAutoscaler's status an earlier run left (null: none). */
  PodAutoscalerFixture given(
      Map<String, String> annotations,
      long containerConcurrency,
      java.util.function.Consumer<PodAutoscaler.PodAutoscalerStatus> earlierRun)
      throws InterruptedException {
    Revision rev = new Revision();
    meta(rev);
    rev.metadata.annotations = new java.util.LinkedHashMap<>();
    annotations.forEach((k, v) -> rev.metadata.annotations.put(A + k, v));
    rev.spec.containerConcurrency = containerConcurrency;
    memory.create(rev);
    PodAutoscaler pa = new PodAutoscaler();
    meta(pa);
    pa.spec.reachability = PodAutoscaler.REACHABLE;
    PodAutoscaler created = (PodAutoscaler) memory.create(pa);
    if (earlierRun != null) {
      created.status = new PodAutoscaler.PodAutoscalerStatus();
      earlierRun.accept(created.status);
      memory.updateStatus(created);
    }
    ServerlessService sks = new ServerlessService();
    meta(sks);
    sks.spec.mode = SksMode.PROXY;
    sks.spec.numActivators = 2;
    memory.create(sks);
    cache.start();
    if (!cache.awaitSynced(Duration.ofSeconds(30))) {
      throw new IllegalStateException("the cache did not sync");
    }
    return this;
  }

  private static void meta(Resource r) {
    r.metadata.namespace = REV.namespace();
    r.metadata.name = REV.name();
  }

  /** One reconcile of the PodAutoscaler, on the calling thread. */
  Duration reconcile() {
    return reconciler.reconcile(REV);
  }

  /**
   * Waits until the cache holds what the store holds for the revision's objects (the reconciler
   * reads the cache; its writes reach it through the watch), then forgets the calls recorded so
   * far, so a test can assert exactly what the next reconcile does.
   */
  void settle() {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                sameVersion(Kind.POD_AUTOSCALER)
                    && sameVersion(Kind.SERVERLESS_SERVICE)
                    && sameVersion(Kind.REVISION));
    store.clearCalls();
    runtime.scaleCalls.clear();
    runtime.scaleThreads.clear();
    notified.clear();
    observed.clear();
  }

  private boolean sameVersion(Kind kind) {
    String stored =
        memory
            .get(kind, REV.namespace(), REV.name())
            .map(r -> r.metadata.resourceVersion)
            .orElse(null);
    String cached =
        cache
            .get(kind, REV.namespace(), REV.name())
            .map(r -> r.metadata.resourceVersion)
            .orElse(null);
    return Objects.equals(stored, cached);
  }

  /** A report of {@code concurrency} for the revision, as an instance's queue sends it. */
  static Stat load(double concurrency) {
    return new Stat(REV, 0, "hello-00001-0", concurrency, 0, concurrency, 0);
  }

  PodAutoscaler pa() {
    return (PodAutoscaler)
        memory.get(Kind.POD_AUTOSCALER, REV.namespace(), REV.name()).orElseThrow();
  }

  ServerlessService sks() {
    return (ServerlessService)
        memory.get(Kind.SERVERLESS_SERVICE, REV.namespace(), REV.name()).orElseThrow();
  }

  @Override
  public void close() {
    multiscaler.close();
    cache.close();
    memory.close();
  }
}
