package dev.coldbrew.autoscaler.sim;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.stats.Stat;
import dev.coldbrew.autoscaler.DeciderSpec;
import dev.coldbrew.autoscaler.PodAutoscalerDecision;
import dev.coldbrew.autoscaler.PodAutoscalerSettings;
import dev.coldbrew.autoscaler.PodAutoscalerState;
import dev.coldbrew.autoscaler.RevisionAutoscaler;
import dev.coldbrew.autoscaler.ScaleResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Runs a Revision's {@link RevisionAutoscaler} — the same unit the platform runs — offline on a
 * {@link Trace}, in simulated time from Unix time 0, with a simulated runtime and data plane around
 * it: requests are dispatched to ready instances (at most {@code containerConcurrency} each, 0 =
 * unlimited) or wait; every second the revision's time-weighted concurrency (in flight plus
 * waiting) and arrivals are reported to the autoscaler, and the activator reports the first request
 * at once while it is in the path, as the data plane does; the autoscaler ticks every 2 s and when
 * a report pokes it, and is reconciled when a tick notifies, when an instance becomes ready and
 * when its requeue timer expires; new instances become ready after the cold-start delay.
 *
 * <p>The Revision starts as just deployed: {@code initial-scale} instances ready, its PodAutoscaler
 * Active. An instance being removed while it has requests in flight drains first. Pure: no I/O, no
 * threads, no wall clock. Not thread-safe.
 */
public final class Simulator {
  private static final long TICK_MILLIS = 2000;
  private static final NamespacedName REVISION = new NamespacedName("default", "simulated");

  /**
   * What to simulate.
   *
   * @param config the {@code autoscaler:} config
   * @param annotations the Revision template's annotations (validated)
   * @param containerConcurrency 0 = unlimited
   * @param coldStart how long a new instance takes to become ready
   * @param duration how long to simulate; null = until the trace ends plus the stable window, the
   *     scale-to-zero grace and retention periods and 10 s
   */
  public record Options(
      AutoscalerConfig config,
      Map<String, String> annotations,
      long containerConcurrency,
      Duration coldStart,
      Duration duration) {}

  /**
   * One decider tick and what followed from it.
   *
   * @param atMillis simulated time
   * @param poke whether this was an out-of-band tick (load arrived at desired 0)
   * @param valid whether the decider had metrics
   * @param stable observed stable value
   * @param panic observed panic value
   * @param desired the decider's desired count (-1 before its first valid tick)
   * @param excessBurstCapacity the decider's EBC
   * @param panicking whether the decider is in panic mode
   * @param scale instances wanted by the PodAutoscaler (excluding draining ones)
   * @param instances instances existing (starting, ready or draining)
   * @param ready ready instances
   * @param sksMode the effective SKS mode (Proxy when no instance is ready)
   * @param active the PA's Active condition: True, False or Unknown, with its reason
   */
  public record Tick(
      long atMillis,
      boolean poke,
      boolean valid,
      double stable,
      double panic,
      int desired,
      int excessBurstCapacity,
      boolean panicking,
      int scale,
      int instances,
      int ready,
      SksMode sksMode,
      String active) {}

  /**
   * Totals over the run.
   *
   * @param instanceSeconds the integral of existing instances over time
   * @param coldStarts scale-ups from zero instances
   * @param instanceStarts instances started (beyond the initial ones)
   * @param peakInstances the most instances that existed at once
   * @param requests requests in the trace that arrived within the run
   * @param waitedRequests requests that could not be dispatched at once
   * @param totalWaitMillis their summed wait
   * @param maxWaitMillis the longest wait
   * @param unservedRequests requests still waiting when the run ended
   */
  public record Summary(
      double instanceSeconds,
      int coldStarts,
      int instanceStarts,
      int peakInstances,
      long requests,
      long waitedRequests,
      long totalWaitMillis,
      long maxWaitMillis,
      long unservedRequests) {}

  /** The ticks and the summary. */
  public record Result(List<Tick> ticks, Summary summary) {}

  private enum Type {
    SECOND,
    READY,
    FINISH,
    ARRIVAL,
    TICK,
    REQUEUE
  }

  private record Event(long at, Type type, long seq, Object subject) {}

  private static final class Instance {
    boolean ready;
    boolean draining;
    boolean removed;
    int inFlight;
  }

  private final Options options;
  private final Trace trace;
  private final PodAutoscalerSettings settings;
  private final RevisionAutoscaler autoscaler;
  private final PriorityQueue<Event> events =
      new PriorityQueue<>(
          Comparator.comparingLong(Event::at)
              .thenComparing(Event::type)
              .thenComparingLong(Event::seq));
  private final List<Instance> instances = new ArrayList<>();
  private final Deque<Trace.Request> waiting = new ArrayDeque<>();
  private final List<Tick> ticks = new ArrayList<>();
  private long seq;
  private long now;
  private long lastAdvance;
  private double loadMillis;
  private double instanceMillis;
  private int arrivalsThisSecond;
  private boolean activatorTracking;
  private double pokeCredit;
  private Long nextRequeue;
  private int reconcilesAtNow;
  private long reconcileTime = -1;
  private int coldStarts;
  private int instanceStarts;
  private int peak;
  private long requests;
  private long waited;
  private long totalWait;
  private long maxWait;

  private Simulator(Trace trace, Options options) {
    this.trace = trace;
    this.options = options;
    DeciderSpec spec =
        DeciderSpec.from(
            options.config(), options.annotations(), options.containerConcurrency(), true);
    this.settings = PodAutoscalerSettings.from(options.config(), options.annotations(), spec);
    for (int i = 0; i < spec.initialScale(); i++) {
      Instance inst = new Instance();
      inst.ready = true;
      instances.add(inst);
    }
    peak = instances.size();
    this.autoscaler =
        new RevisionAutoscaler(
            spec, settings, PodAutoscalerState.initial(Instant.EPOCH), readyCount(), Instant.EPOCH);
  }

  /** Simulates {@code trace} with {@code options}. */
  public static Result run(Trace trace, Options options) {
    return new Simulator(trace, options).run();
  }

  private Result run() {
    long end = endMillis();
    for (Trace.Request r : trace.requests()) {
      if (r.arrivalMillis() <= end) {
        schedule(r.arrivalMillis(), Type.ARRIVAL, r);
      }
    }
    for (long s = 1000; s <= end; s += 1000) {
      schedule(s, Type.SECOND, null);
    }
    for (long t = TICK_MILLIS; t <= end; t += TICK_MILLIS) {
      schedule(t, Type.TICK, null);
    }
    reconcile();
    while (!events.isEmpty() && events.peek().at() <= end) {
      Event e = events.poll();
      advance(e.at());
      switch (e.type()) {
        case SECOND -> second();
        case READY -> ready((Instance) e.subject());
        case FINISH -> finish((Instance) e.subject());
        case ARRIVAL -> arrive((Trace.Request) e.subject());
        case TICK -> tick(false);
        case REQUEUE -> {
          if (nextRequeue != null && nextRequeue == e.at()) {
            nextRequeue = null;
            reconcile();
          }
        }
      }
    }
    advance(end);
    return new Result(
        List.copyOf(ticks),
        new Summary(
            instanceMillis / 1000,
            coldStarts,
            instanceStarts,
            peak,
            requests,
            waited,
            totalWait,
            maxWait,
            waiting.size()));
  }

  private long endMillis() {
    if (options.duration() != null) {
      return options.duration().toMillis();
    }
    long tail =
        settings.stableWindow().toMillis()
            + Math.max(
                settings.scaleToZeroGracePeriod().toMillis(),
                settings.scaleToZeroPodRetention().toMillis())
            + 10_000;
    long end = trace.endMillis() + tail;
    return (end + TICK_MILLIS - 1) / TICK_MILLIS * TICK_MILLIS;
  }

  private void schedule(long at, Type type, Object subject) {
    events.add(new Event(at, type, seq++, subject));
  }

  private void advance(long t) {
    long dt = t - lastAdvance;
    if (dt > 0) {
      int inFlight = 0;
      for (Instance i : instances) {
        inFlight += i.inFlight;
      }
      loadMillis += (double) (inFlight + waiting.size()) * dt;
      instanceMillis += (double) instances.size() * dt;
      lastAdvance = t;
    }
    now = t;
  }

  private Instant instant() {
    return Instant.ofEpochMilli(now);
  }

  private void second() {
    double concurrency = Math.max(0, loadMillis / 1000 - pokeCredit);
    double count = Math.max(0, arrivalsThisSecond - pokeCredit);
    boolean hadLoad = loadMillis > 0 || arrivalsThisSecond > 0;
    pokeCredit = 0;
    loadMillis = 0;
    arrivalsThisSecond = 0;
    if (!hadLoad) {
      activatorTracking = false;
    }
    if (readyCount() > 0 || hadLoad) {
      record(new Stat(REVISION, now, "simulated", concurrency, 0, count, 0));
    }
  }

  private void record(Stat stat) {
    if (autoscaler.record(stat, instant(), readyCount())) {
      tick(true);
    }
  }

  private void arrive(Trace.Request r) {
    requests++;
    arrivalsThisSecond++;
    boolean proxying = autoscaler.state().sksMode() == SksMode.PROXY || readyCount() == 0;
    if (proxying && !activatorTracking) {
      activatorTracking = true;
      pokeCredit = 1;
      record(new Stat(REVISION, now, "activator", 1, 0, 1, 0));
    }
    if (!dispatch(r)) {
      waiting.addLast(r);
    }
  }

  private boolean dispatch(Trace.Request r) {
    long cc = options.containerConcurrency();
    Instance best = null;
    for (Instance i : instances) {
      if (!i.ready || i.draining || (cc > 0 && i.inFlight >= cc)) {
        continue;
      }
      if (best == null || (cc == 0 && i.inFlight < best.inFlight)) {
        best = i;
        if (cc > 0) {
          break;
        }
      }
    }
    if (best == null) {
      return false;
    }
    best.inFlight++;
    long wait = now - r.arrivalMillis();
    if (wait > 0) {
      waited++;
      totalWait += wait;
      maxWait = Math.max(maxWait, wait);
    }
    schedule(now + r.durationMillis(), Type.FINISH, best);
    return true;
  }

  private void dispatchWaiting() {
    while (!waiting.isEmpty() && dispatch(waiting.peekFirst())) {
      waiting.pollFirst();
    }
  }

  private void finish(Instance i) {
    i.inFlight--;
    if (i.draining && i.inFlight == 0) {
      remove(i);
    }
    dispatchWaiting();
  }

  private void ready(Instance i) {
    if (i.removed || i.draining) {
      return;
    }
    i.ready = true;
    dispatchWaiting();
    reconcile();
  }

  private void tick(boolean poke) {
    ScaleResult r = autoscaler.tick(instant(), readyCount());
    if (r.notifyChange()) {
      reconcile();
    }
    PodAutoscalerState pa = autoscaler.state();
    boolean proxy = pa.sksMode() == SksMode.PROXY || readyCount() == 0;
    String active =
        pa.active().conditionStatus() + (pa.reason() == null ? "" : " (" + pa.reason() + ")");
    ticks.add(
        new Tick(
            now,
            poke,
            r.valid(),
            r.valid() ? autoscaler.observed().stable() : 0,
            r.valid() ? autoscaler.observed().panic() : 0,
            autoscaler.desiredScale(),
            autoscaler.excessBurstCapacity(),
            autoscaler.panicking(),
            scale(),
            instances.size(),
            readyCount(),
            proxy ? SksMode.PROXY : SksMode.SERVE,
            active));
  }

  private void reconcile() {
    if (reconcileTime != now) {
      reconcileTime = now;
      reconcilesAtNow = 0;
    }
    if (++reconcilesAtNow > 10) {
      return; // a requeue loop at one instant would be a bug; never spin
    }
    PodAutoscalerDecision d = autoscaler.reconcile(instant(), readyCount());
    if (d.applyScale() != PodAutoscalerDecision.DONT_CHANGE) {
      setScale(d.applyScale());
    }
    if (d.requeueAfter() != null) {
      long at = now + d.requeueAfter().toMillis();
      if (nextRequeue == null || at < nextRequeue) {
        nextRequeue = at;
        schedule(at, Type.REQUEUE, null);
      }
    }
  }

  private void setScale(int n) {
    int current = scale();
    if (n > current) {
      if (current == 0) {
        coldStarts++;
      }
      for (int k = current; k < n; k++) {
        Instance i = new Instance();
        instances.add(i);
        instanceStarts++;
        schedule(now + options.coldStart().toMillis(), Type.READY, i);
      }
      peak = Math.max(peak, instances.size());
    } else if (n < current) {
      List<Instance> candidates = new ArrayList<>();
      for (Instance i : instances) {
        if (!i.draining) {
          candidates.add(i);
        }
      }
      // Not-ready instances first (newest first), then the least busy.
      candidates.sort(
          Comparator.comparing((Instance i) -> i.ready)
              .thenComparingInt(i -> i.inFlight)
              .thenComparing(i -> -instances.indexOf(i)));
      for (int k = 0; k < current - n; k++) {
        Instance i = candidates.get(k);
        if (i.inFlight == 0) {
          remove(i);
        } else {
          i.draining = true;
        }
      }
    }
  }

  private void remove(Instance i) {
    i.removed = true;
    instances.remove(i);
  }

  private int scale() {
    int n = 0;
    for (Instance i : instances) {
      if (!i.draining) {
        n++;
      }
    }
    return n;
  }

  private int readyCount() {
    int n = 0;
    for (Instance i : instances) {
      if (i.ready && !i.draining) {
        n++;
      }
    }
    return n;
  }
}
