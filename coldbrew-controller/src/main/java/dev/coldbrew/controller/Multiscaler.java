package dev.coldbrew.controller;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.InstanceRuntime;
import dev.coldbrew.api.stats.Stat;
import dev.coldbrew.autoscaler.DeciderSpec;
import dev.coldbrew.autoscaler.PodAutoscalerDecision;
import dev.coldbrew.autoscaler.PodAutoscalerSettings;
import dev.coldbrew.autoscaler.PodAutoscalerState;
import dev.coldbrew.autoscaler.RevisionAutoscaler;
import dev.coldbrew.autoscaler.ScaleResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knative's multiscaler: one {@link RevisionAutoscaler} per PodAutoscaler, each in a {@link
 * Scaler}, ticked every 2 s and at once when a load report pokes it. Load reports ({@link #accept})
 * go into the revision's windows; a tick's decision goes to the {@link AutoscalerObserver}
 * (metrics, events, dashboards) and, when it notifies, to the {@link DecisionListener}, which
 * re-queues the PodAutoscaler for {@link PodAutoscalerReconciler}.
 *
 * <p>Threads. Every tick runs on the multiscaler's own thread ({@value #THREAD}): one fixed-rate
 * task every 100 ms ticks one of {@value #SLOTS} slots, so each revision ticks every 2 s while 5000
 * revisions cost 10 wake-ups a second, and a poke is a task handed to the same thread (Knative's
 * {@code pokeCh}; pokes of one revision that arrive before its tick ran coalesce). The slots are
 * confined to that thread. {@link #accept} is called on the data plane's event loops and only
 * records: it takes the revision's {@code Scaler} monitor for the few arithmetic operations of
 * {@link RevisionAutoscaler#record} and, for a poke, enqueues a task; it never ticks, calls the
 * observer, logs or enqueues a work-queue key. The {@code Scaler} monitor guards the revision's
 * autoscaler and is held only while computing — never across a call out of this class (the runtime,
 * the store, the observer, the listener), so an event loop waits at most for another thread's
 * arithmetic on the same revision. The observer and the listener are called with no monitor of this
 * class held but the revision's publish monitor, which keeps one revision's decisions in order and
 * which the event loops never take; they run on this thread for ticks and on the reconcile worker
 * for reconciles. The listener could therefore call the runtime directly.
 *
 * <p>Scale from zero. When a tick (a poke's, typically) decides that a revision the runtime was
 * asked to keep at zero needs instances, the multiscaler runs the PodAutoscaler logic on that
 * decision at once and asks the runtime for the count it applies, on its own thread, before it
 * tells the listener: the cold start begins without waiting for a reconcile worker, a store read or
 * a store write. The PodAutoscaler logic (bounds, activation) is the one the reconcile runs, on the
 * same state, so the autoscaler still owns the desired scale; the reconcile that the listener
 * queues then writes the ServerlessService and the status, and applies the same count again (the
 * runtime treats an unchanged count as nothing to do). A pass and the {@code runtime.scale} that
 * applies it are made under the scaler's applying monitor (see {@link #reconcile}), so the two
 * threads that apply counts never apply them out of order.
 */
final class Multiscaler implements Stat.Sink, AutoCloseable {
  static final Duration TICK = Duration.ofSeconds(2);

  /**
   * The tick period is cut into this many slots, each ticked by one timer run: every decider still
   * ticks every 2 s, but 5000 revisions cost 10 timer wake-ups a second instead of 2500.
   */
  static final int SLOTS = 20;

  /** The name of the multiscaler's thread. */
  static final String THREAD = "coldbrew-autoscaler";

  private static final Logger LOG = LoggerFactory.getLogger(Multiscaler.class);

  /** Told, on the multiscaler's thread, of each tick whose decision notifies. */
  @FunctionalInterface
  interface DecisionListener {
    /**
     * A tick of {@code revision} changed its desired scale or the sign of its excess burst
     * capacity. Called with no lock held; must not block for long, since every revision ticks on
     * this thread.
     *
     * @param applied whether the count was asked of the runtime already (a scale from zero), so the
     *     PodAutoscaler's reconcile only records it
     */
    void decided(NamespacedName revision, ScaleResult result, boolean applied);
  }

  /** The Revision a key names, as the reconcilers see it (their cache); empty when it is gone. */
  @FunctionalInterface
  interface RevisionLookup {
    Optional<Revision> get(NamespacedName revision);
  }

  private final InstanceRuntime runtime;
  private final RevisionLookup revisions;
  private final Clock clock;
  private final DecisionListener listener;
  private final ScheduledExecutorService thread;
  private final boolean ownsThread;
  private final Map<NamespacedName, Scaler> scalers = new ConcurrentHashMap<>();
  private final List<Set<Scaler>> slots = new ArrayList<>(SLOTS); // the thread's only
  private int cursor; // the slot the next run ticks; the thread's only
  volatile AutoscalerObserver observer = AutoscalerObserver.NONE;

  Multiscaler(
      InstanceRuntime runtime, RevisionLookup revisions, Clock clock, DecisionListener listener) {
    this(runtime, revisions, clock, listener, newThread(), true);
  }

  /** With a given thread (tests); it is not shut down by {@link #close}. */
  Multiscaler(
      InstanceRuntime runtime,
      RevisionLookup revisions,
      Clock clock,
      DecisionListener listener,
      ScheduledExecutorService thread) {
    this(runtime, revisions, clock, listener, thread, false);
  }

  private Multiscaler(
      InstanceRuntime runtime,
      RevisionLookup revisions,
      Clock clock,
      DecisionListener listener,
      ScheduledExecutorService thread,
      boolean ownsThread) {
    this.runtime = runtime;
    this.revisions = revisions;
    this.clock = clock;
    this.listener = listener;
    this.thread = thread;
    this.ownsThread = ownsThread;
    for (int i = 0; i < SLOTS; i++) {
      slots.add(new HashSet<>());
    }
    long period = TICK.toMillis() / SLOTS;
    thread.scheduleAtFixedRate(this::tickSlot, period, period, TimeUnit.MILLISECONDS);
  }

  private static ScheduledExecutorService newThread() {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, THREAD);
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * One revision's autoscaler and what the multiscaler keeps beside it. Its monitor guards the
   * autoscaler, the inputs it was resolved from and the count last asked of the runtime.
   */
  static final class Scaler {
    final NamespacedName key;
    private final RevisionAutoscaler autoscaler;
    private Object inputs; // what spec and settings were resolved from
    private int requested = -1;
    private long decisions; // decisions made, numbered under the monitor
    private final Object publishing = new Object();
    private final Object applying = new Object(); // a reconcile pass and its runtime.scale
    private long published; // the last decision published, under publishing
    private final AtomicBoolean pokePending = new AtomicBoolean();
    private volatile boolean ticking;
    private volatile boolean removed;
    private Set<Scaler> slot; // the multiscaler thread's only

    private Scaler(NamespacedName key, RevisionAutoscaler autoscaler, Object inputs) {
      this.key = key;
      this.autoscaler = autoscaler;
      this.inputs = inputs;
    }

    /** Whether it ticks already, i.e. its first {@code runtime.scale} was made. */
    boolean ticking() {
      return ticking;
    }

    /**
     * The count the revision starts with, recorded as requested: the first reconcile passes it to
     * {@code runtime.scale} before {@link Multiscaler#startTicks}.
     */
    synchronized int requestStart() {
      requested = autoscaler.startScale();
      return requested;
    }

    /** Replaces the spec and settings when the inputs they were resolved from changed. */
    synchronized void update(DeciderSpec spec, PodAutoscalerSettings settings, Object inputs) {
      if (!this.inputs.equals(inputs)) {
        autoscaler.update(spec, settings);
        this.inputs = inputs;
      }
    }

    /** The decision as the observer sees it; called holding the monitor. */
    private AutoscalerObserver.Decision decision(int ready) {
      return new AutoscalerObserver.Decision(
          autoscaler.desiredScale(),
          ready,
          requested,
          autoscaler.panicking(),
          autoscaler.observed().stable(),
          autoscaler.observed().panic(),
          autoscaler.spec().targetValue(),
          autoscaler.excessBurstCapacity(),
          autoscaler.state().sksMode());
    }
  }

  /**
   * The revision's scaler, created when it has none from what its PodAutoscaler's status says of
   * earlier runs ({@link PodAutoscalerState#resumed}). It receives reports at once and ticks after
   * {@link #startTicks}.
   */
  Scaler scaler(
      NamespacedName key,
      DeciderSpec spec,
      PodAutoscalerSettings settings,
      Object inputs,
      boolean initializedBefore,
      boolean timedOutBefore) {
    return scalers.computeIfAbsent(
        key,
        k -> {
          Instant now = clock.instant();
          PodAutoscalerState state =
              PodAutoscalerState.resumed(initializedBefore, timedOutBefore, now);
          return new Scaler(
              k, new RevisionAutoscaler(spec, settings, state, ready(k), now), inputs);
        });
  }

  /**
   * Starts ticking the scaler, in the slot the thread ticked last, so its first tick comes one full
   * period from now, as with a timer of its own.
   */
  void startTicks(Scaler s) {
    if (!s.ticking) {
      s.ticking = true;
      run(
          () -> {
            if (!s.removed && s.slot == null) {
              s.slot = slots.get(Math.floorMod(cursor - 1, SLOTS));
              s.slot.add(s);
            }
          });
    }
  }

  /**
   * One PodAutoscaler pass on the scaler's latest decision ({@link RevisionAutoscaler#reconcile}),
   * its count asked of the runtime for {@code revision}, and the decision published to the
   * observer; on the caller's thread. The pass and the {@code runtime.scale} that applies it are
   * made under the scaler's applying monitor, so a reconcile worker and the multiscaler's thread (a
   * scale from zero) never apply two passes out of order; event loops never take that monitor.
   */
  PodAutoscalerDecision reconcile(Scaler s, int ready, Revision revision) {
    PodAutoscalerDecision d;
    AutoscalerObserver.Decision seen;
    long number;
    synchronized (s.applying) {
      synchronized (s) {
        d = s.autoscaler.reconcile(clock.instant(), ready);
        if (d.applyScale() != PodAutoscalerDecision.DONT_CHANGE) {
          s.requested = d.applyScale();
        }
        seen = s.decision(ready);
        number = ++s.decisions;
      }
      if (d.applyScale() != PodAutoscalerDecision.DONT_CHANGE) {
        runtime.scale(revision, d.applyScale());
      }
    }
    publish(s, number, seen);
    return d;
  }

  /** Forgets the revision's scaler and tells the observer, when it had one. */
  void remove(NamespacedName key) {
    Scaler s = scalers.remove(key);
    if (s == null) {
      return;
    }
    s.removed = true;
    synchronized (s.publishing) {
      observer.removed(key);
    }
    run(
        () -> {
          if (s.slot != null) {
            s.slot.remove(s);
            s.slot = null;
          }
        });
  }

  /**
   * A load report, from a data-plane event loop: recorded into the revision's windows; a poke hands
   * a tick to the multiscaler's thread. Reports for a revision without a scaler are dropped.
   */
  @Override
  public void accept(Stat stat) {
    Scaler s = scalers.get(stat.revision());
    if (s == null) {
      return;
    }
    int ready = ready(s.key);
    boolean poke;
    synchronized (s) {
      poke = s.autoscaler.record(stat, clock.instant(), ready);
    }
    if (poke && s.pokePending.compareAndSet(false, true)) {
      run(
          () -> {
            s.pokePending.set(false);
            tick(s);
          });
    }
  }

  /** One timer run: ticks the scalers of the current slot; a failing tick is logged, not fatal. */
  private void tickSlot() {
    Set<Scaler> slot = slots.get(cursor);
    cursor = (cursor + 1) % SLOTS;
    for (Scaler s : slot) {
      tick(s);
    }
  }

  /** One decider tick, on the multiscaler's thread. */
  private void tick(Scaler s) {
    if (s.removed) {
      return;
    }
    try {
      int ready = ready(s.key);
      ScaleResult r;
      AutoscalerObserver.Decision seen;
      long number;
      boolean fromZero;
      synchronized (s) {
        r = s.autoscaler.tick(clock.instant(), ready);
        seen = s.decision(ready);
        number = ++s.decisions;
        fromZero = s.requested == 0 && r.desiredPodCount() > 0;
      }
      publish(s, number, seen);
      if (r.notifyChange()) {
        boolean applied = false;
        if (fromZero) {
          try {
            applied = scaleFromZero(s, ready);
          } catch (RuntimeException e) { // the queued reconcile tries again, and reports it
            LOG.warn("scaling {} from zero failed", s.key, e);
          }
        }
        listener.decided(s.key, r, applied);
      }
    } catch (RuntimeException e) {
      LOG.warn("autoscaler tick of {} failed", s.key, e);
    }
  }

  /**
   * A tick decided that a revision held at zero needs instances: the PodAutoscaler logic on that
   * decision, and the count it applies asked of the runtime at once.
   *
   * @return whether a count was asked of the runtime
   */
  private boolean scaleFromZero(Scaler s, int ready) {
    Optional<Revision> rev = revisions.get(s.key);
    if (rev.isEmpty()) {
      return false; // being deleted: its reconcile forgets the scaler
    }
    return reconcile(s, ready, rev.get()).applyScale() != PodAutoscalerDecision.DONT_CHANGE;
  }

  /** Tells the observer a decision, unless a later one was told already or the scaler is gone. */
  private void publish(Scaler s, long number, AutoscalerObserver.Decision seen) {
    synchronized (s.publishing) {
      if (!s.removed && number > s.published) {
        s.published = number;
        observer.decided(s.key, seen);
      }
    }
  }

  private int ready(NamespacedName key) {
    return runtime.instances(key).ready().size();
  }

  private void run(Runnable task) {
    try {
      thread.execute(task);
    } catch (RejectedExecutionException e) {
      // closed: nothing ticks any more
    }
  }

  @Override
  public void close() {
    if (ownsThread) {
      thread.shutdownNow();
    }
  }
}
