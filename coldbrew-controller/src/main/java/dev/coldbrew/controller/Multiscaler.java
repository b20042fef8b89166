package dev.coldbrew.controller;

import dev.coldbrew.api.model.NamespacedName;
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
     */
    void decided(NamespacedName revision, ScaleResult result);
  }

  private final InstanceRuntime runtime;
  private final Clock clock;
  private final DecisionListener listener;
  private final ScheduledExecutorService thread;
  private final boolean ownsThread;
  private final Map<NamespacedName, Scaler> scalers = new ConcurrentHashMap<>();
  private final List<Set<Scaler>> slots = new ArrayList<>(SLOTS); // the thread's only
  private int cursor; // the slot the next run ticks; the thread's only
  volatile AutoscalerObserver observer = AutoscalerObserver.NONE;

  Multiscaler(InstanceRuntime runtime, Clock clock, DecisionListener listener) {
    this(runtime, clock, listener, newThread(), true);
  }

  /** With a given thread (tests); it is not shut down by {@link #close}. */
  Multiscaler(
      InstanceRuntime runtime,
      Clock clock,
      DecisionListener listener,
      ScheduledExecutorService thread) {
    this(runtime, clock, listener, thread, false);
  }

  private Multiscaler(
      InstanceRuntime runtime,
      Clock clock,
      DecisionListener listener,
      ScheduledExecutorService thread,
      boolean ownsThread) {
    this.runtime = runtime;
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
    private String inputs;
    private int requested = -1;
    private long decisions; // decisions made, numbered under the monitor
    private final Object publishing = new Object();
    private long published; // the last decision published, under publishing
    private final AtomicBoolean pokePending = new AtomicBoolean();
    private volatile boolean ticking;
    private volatile boolean removed;
    private Set<Scaler> slot; // the multiscaler thread's only

    private Scaler(NamespacedName key, RevisionAutoscaler autoscaler, String inputs) {
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
    synchronized void update(DeciderSpec spec, PodAutoscalerSettings settings, String inputs) {
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
   * The revision's scaler, created when it has none: a new revision's starts {@link
   * PodAutoscalerState#initial activating}; one whose PodAutoscaler was initialized in an earlier
   * run starts {@link PodAutoscalerState#restarted at zero}. It receives reports at once and ticks
   * after {@link #startTicks}.
   */
  Scaler scaler(
      NamespacedName key,
      DeciderSpec spec,
      PodAutoscalerSettings settings,
      String inputs,
      boolean initializedBefore) {
    return scalers.computeIfAbsent(
        key,
        k -> {
          Instant now = clock.instant();
          PodAutoscalerState state =
              initializedBefore
                  ? PodAutoscalerState.restarted(now)
                  : PodAutoscalerState.initial(now);
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
   * published to the observer; on the caller's thread.
   */
  PodAutoscalerDecision reconcile(Scaler s, int ready) {
    PodAutoscalerDecision d;
    AutoscalerObserver.Decision seen;
    long number;
    synchronized (s) {
      d = s.autoscaler.reconcile(clock.instant(), ready);
      if (d.applyScale() != PodAutoscalerDecision.DONT_CHANGE) {
        s.requested = d.applyScale();
      }
      seen = s.decision(ready);
      number = ++s.decisions;
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
      synchronized (s) {
        r = s.autoscaler.tick(clock.instant(), ready);
        seen = s.decision(ready);
        number = ++s.decisions;
      }
      publish(s, number, seen);
      if (r.notifyChange()) {
        listener.decided(s.key, r);
      }
    } catch (RuntimeException e) {
      LOG.warn("autoscaler tick of {} failed", s.key, e);
    }
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
