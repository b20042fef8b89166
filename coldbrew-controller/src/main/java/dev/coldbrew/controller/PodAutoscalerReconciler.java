package dev.coldbrew.controller;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.InstanceRuntime;
import dev.coldbrew.api.stats.Stat;
import dev.coldbrew.autoscaler.Decider;
import dev.coldbrew.autoscaler.DeciderSpec;
import dev.coldbrew.autoscaler.MetricCollector;
import dev.coldbrew.autoscaler.Observed;
import dev.coldbrew.autoscaler.PodAutoscalerDecision;
import dev.coldbrew.autoscaler.PodAutoscalerLogic;
import dev.coldbrew.autoscaler.PodAutoscalerSettings;
import dev.coldbrew.autoscaler.PodAutoscalerState;
import dev.coldbrew.autoscaler.ScaleResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KPA: for each PodAutoscaler, a decider and its metric windows (Knative's multiscaler), ticked
 * every 2 s (20 slots of 100 ms, one timer run each) and poked at once when load arrives at zero;
 * and the reconcile that turns the decider's desired scale into instances through the PodAutoscaler
 * logic (bounds, scale-to-zero gating), writes the PA's status and the SKS's mode. Stats arrive
 * from data-plane threads; ticks from the timer; reconciles from workers: each revision's state is
 * guarded by its own lock.
 */
final class PodAutoscalerReconciler implements Reconciler, Stat.Sink {
  static final Duration TICK = Duration.ofSeconds(2);

  /**
   * The tick period is cut into this many slots, each ticked by one timer run: every decider still
   * ticks every 2 s, but 5000 revisions cost 10 timer wake-ups a second instead of 2500.
   */
  static final int SLOTS = 20;

  private static final Logger LOG = LoggerFactory.getLogger(PodAutoscalerReconciler.class);

  private final ControllerContext ctx;
  private final InstanceRuntime runtime;
  private final ScheduledExecutorService timer;
  private final Consumer<NamespacedName> enqueue;
  private final Map<NamespacedName, Scaler> scalers = new ConcurrentHashMap<>();
  private final List<Set<Scaler>> slots = new ArrayList<>(SLOTS);
  private int cursor; // the slot the next timer run ticks; only the timer thread writes it
  private volatile ScheduledFuture<?> wheel;
  volatile AutoscalerObserver observer = AutoscalerObserver.NONE;

  PodAutoscalerReconciler(
      ControllerContext ctx,
      InstanceRuntime runtime,
      ScheduledExecutorService timer,
      Consumer<NamespacedName> enqueue) {
    this.ctx = ctx;
    this.runtime = runtime;
    this.timer = timer;
    this.enqueue = enqueue;
    for (int i = 0; i < SLOTS; i++) {
      slots.add(ConcurrentHashMap.newKeySet());
    }
  }

  /** One timer run: ticks the scalers of the current slot; a failing tick is logged, not fatal. */
  private void tickSlot() {
    Set<Scaler> slot = slots.get(cursor);
    cursor = (cursor + 1) % SLOTS;
    for (Scaler s : slot) {
      try {
        s.tick();
      } catch (RuntimeException e) {
        LOG.warn("autoscaler tick of {} failed", s.key, e);
      }
    }
  }

  /**
   * Starts ticking the scaler: in the slot the timer ticked last, so its first tick comes one full
   * period from now, as with a timer of its own.
   */
  private synchronized void startTicks(Scaler s) {
    if (wheel == null) {
      long period = TICK.toMillis() / SLOTS;
      wheel = timer.scheduleAtFixedRate(this::tickSlot, period, period, TimeUnit.MILLISECONDS);
    }
    s.slot = slots.get(Math.floorMod(cursor - 1, SLOTS));
    s.slot.add(s);
  }

  /** One revision's autoscaler: decider, windows and the PA's remembered state. */
  private final class Scaler {
    final NamespacedName key;
    DeciderSpec spec;
    PodAutoscalerSettings settings;
    final Decider decider;
    final MetricCollector collector;
    PodAutoscalerState state;
    String inputs;
    Set<Scaler> slot; // null until it ticks
    Observed observed = new Observed(0, 0);

    /** The count last passed to {@code runtime.scale}; -1 before the first. */
    int requested = -1;

    Scaler(
        NamespacedName key,
        DeciderSpec spec,
        PodAutoscalerSettings settings,
        String inputs,
        boolean initializedBefore) {
      Instant now = ctx.clock().instant();
      this.key = key;
      this.spec = spec;
      this.settings = settings;
      this.inputs = inputs;
      this.decider = new Decider(spec, ready(key), now);
      this.collector = new MetricCollector(spec);
      // A revision that reached its initial scale in an earlier run restarts at zero, inactive
      // (its instances ended with that run); a new one starts activating.
      this.state =
          initializedBefore
              ? new PodAutoscalerState(
                  PodAutoscalerState.Active.INACTIVE,
                  PodAutoscalerState.NO_TRAFFIC,
                  now,
                  true,
                  SksMode.PROXY,
                  now,
                  0)
              : PodAutoscalerState.initial(now);
    }

    /**
     * The instances a revision starts with, as Knative creates its Deployment: the initial scale
     * for a new revision, the minimum for one that was initialized before.
     */
    int startScale() {
      return state.scaleTargetInitialized() ? settings.minScale() : settings.initialScale();
    }

    /** One decider tick; re-reconciles the PA when the decision changed. */
    synchronized void tick() {
      Instant now = ctx.clock().instant();
      int ready = ready(key);
      Observed o = collector.stableAndPanic(now);
      ScaleResult r = decider.scale(now, ready, o);
      if (o != null) {
        observed = o;
      }
      publish(ready);
      if (r.notifyChange()) {
        enqueue.accept(key);
      }
    }

    /** Tells the observer this revision's latest decision; called holding the lock. */
    void publish(int ready) {
      observer.decided(
          key,
          new AutoscalerObserver.Decision(
              decider.desiredScale(),
              ready,
              requested,
              decider.panicking(),
              observed.stable(),
              observed.panic(),
              spec.targetValue(),
              decider.excessBurstCapacity(),
              state.sksMode()));
    }

    synchronized void record(Stat stat) {
      collector.record(stat, ctx.clock().instant());
      if (decider.shouldPoke(stat.averageConcurrentRequests(), ready(key))) {
        tick();
      }
    }
  }

  /** A data-plane report: into the revision's windows; a poke when it is at zero. */
  @Override
  public void accept(Stat stat) {
    Scaler s = scalers.get(stat.revision());
    if (s != null) {
      s.record(stat);
    }
  }

  private int ready(NamespacedName key) {
    return runtime.instances(key).ready().size();
  }

  @Override
  public Duration reconcile(NamespacedName key) {
    Optional<PodAutoscaler> cachedPa = ctx.get(Kind.POD_AUTOSCALER, key.namespace(), key.name());
    Optional<Revision> cachedRev = ctx.get(Kind.REVISION, key.namespace(), key.name());
    if (cachedPa.isEmpty() || cachedRev.isEmpty()) {
      Scaler gone = scalers.remove(key);
      if (gone != null && gone.slot != null) {
        gone.slot.remove(gone);
      }
      if (gone != null) {
        observer.removed(key);
      }
      return null;
    }
    PodAutoscaler pa = cachedPa.get();
    Revision rev = cachedRev.get();
    Map<String, String> annotations =
        rev.metadata.annotations == null ? Map.of() : rev.metadata.annotations;
    boolean reachable = !PodAutoscaler.UNREACHABLE.equals(pa.spec.reachability);
    long cc = rev.spec.containerConcurrency == null ? 0 : rev.spec.containerConcurrency;
    String inputs = annotations + "|" + cc + "|" + reachable;
    DeciderSpec spec = DeciderSpec.from(ctx.config().autoscaler(), annotations, cc, reachable);
    PodAutoscalerSettings settings =
        PodAutoscalerSettings.from(ctx.config().autoscaler(), annotations, spec);
    boolean initializedBefore = pa.status != null && pa.status.isScaleTargetInitialized();
    Scaler s =
        scalers.computeIfAbsent(key, k -> new Scaler(k, spec, settings, inputs, initializedBefore));
    PodAutoscalerDecision d;
    int ready;
    synchronized (s) {
      if (s.slot == null) {
        s.requested = s.startScale();
        runtime.scale(rev, s.requested);
        startTicks(s);
      }
      if (!s.inputs.equals(inputs)) {
        s.spec = spec;
        s.settings = settings;
        s.inputs = inputs;
        s.decider.update(spec);
      }
      ready = ready(key);
      d =
          PodAutoscalerLogic.reconcile(
              s.settings,
              s.state,
              ctx.clock().instant(),
              s.decider.desiredScale(),
              s.decider.excessBurstCapacity(),
              ready);
      s.state = d.state();
      if (d.applyScale() != PodAutoscalerDecision.DONT_CHANGE) {
        s.requested = d.applyScale();
      }
      s.publish(ready);
    }
    if (d.applyScale() != PodAutoscalerDecision.DONT_CHANGE) {
      runtime.scale(rev, d.applyScale());
    }
    writeSks(key, d);
    writeStatus(pa, d.state(), ready);
    return d.requeueAfter();
  }

  private void writeSks(NamespacedName key, PodAutoscalerDecision d) {
    Optional<ServerlessService> cached =
        ctx.get(Kind.SERVERLESS_SERVICE, key.namespace(), key.name());
    if (cached.isEmpty()) {
      return;
    }
    ServerlessService sks = cached.get();
    SksMode mode = d.sksMode();
    if (mode != sks.spec.mode || !Objects.equals(sks.spec.numActivators, d.numActivators())) {
      ServerlessService update = ResourceCodec.copy(sks);
      update.spec.mode = mode;
      update.spec.numActivators = d.numActivators();
      ctx.store().update(update);
    }
  }

  private void writeStatus(PodAutoscaler pa, PodAutoscalerState state, int ready) {
    PodAutoscaler next = ResourceCodec.copy(pa);
    if (next.status == null) {
      next.status = new PodAutoscaler.PodAutoscalerStatus();
    }
    var st = next.status;
    st.markActive(state.active().conditionStatus(), state.reason(), state.message(), ctx.clock());
    if (state.scaleTargetInitialized()) {
      st.markScaleTargetInitialized(ctx.clock());
    } else {
      st.markScaleTargetNotInitialized(ctx.clock());
    }
    ServerlessService sks =
        ctx.<ServerlessService>get(Kind.SERVERLESS_SERVICE, pa.metadata.namespace, pa.metadata.name)
            .orElse(null);
    st.propagateSksStatus(sks == null ? null : sks.status, ctx.clock());
    st.rollUpReady(ctx.clock());
    st.desiredScale = state.desiredScale();
    st.actualScale = ready;
    st.serviceName = pa.metadata.name;
    st.metricsServiceName = pa.metadata.name + "-private";
    st.observedGeneration = pa.metadata.generation;
    ctx.writeStatusIfChanged(pa, next);
  }

  /** For the admin API and dashboards: whether the revision's decider is panicking. */
  boolean panicking(NamespacedName key) {
    Scaler s = scalers.get(key);
    if (s == null) {
      return false;
    }
    synchronized (s) {
      return s.decider.panicking();
    }
  }

  void close() {
    ScheduledFuture<?> w = wheel;
    if (w != null) {
      w.cancel(false);
    }
  }
}
