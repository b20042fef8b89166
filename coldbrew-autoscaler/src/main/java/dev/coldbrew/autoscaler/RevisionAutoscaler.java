package dev.coldbrew.autoscaler;

import dev.coldbrew.api.stats.Stat;
import java.time.Instant;

/**
 * One Revision's autoscaler, the unit both the live multiscaler and {@code autoscaler simulate}
 * run: the {@link MetricCollector} its reports go into, the {@link Decider} that ticks on them, and
 * the PodAutoscaler's remembered {@link PodAutoscalerState} that {@link PodAutoscalerLogic} turns
 * the decider's output into a scale, an SKS mode and an {@code Active} condition with
 * (docs/autoscaling.md). Its owner drives it with three calls:
 *
 * <ul>
 *   <li>{@link #record} for every load report; when it returns true the report is a poke and the
 *       owner must {@link #tick} soon (at once, on whatever thread ticks), rather than wait for the
 *       next 2-second tick;
 *   <li>{@link #tick} every 2 s and for a poke; when the result {@linkplain
 *       ScaleResult#notifyChange() notifies}, the owner must {@link #reconcile};
 *   <li>{@link #reconcile} then, when the ready count changes, and when the last decision's {@code
 *       requeueAfter} expires; the owner applies its {@code applyScale} and SKS mode.
 * </ul>
 *
 * <p>Pure: no threads, no I/O, no clock (time and the ready count are passed in). Not thread-safe:
 * the owner serializes every call.
 */
public final class RevisionAutoscaler {
  private static final Observed NOTHING = new Observed(0, 0);

  private DeciderSpec spec;
  private PodAutoscalerSettings settings;
  private final Decider decider;
  private final MetricCollector collector;
  private PodAutoscalerState state;
  private Observed observed = NOTHING;

  /**
   * Creates the autoscaler of a Revision at {@code now}.
   *
   * @param state the PodAutoscaler's state to start from ({@link PodAutoscalerState#resumed})
   * @param readyCount the ready instances the decider sees at creation ({@link
   *     Decider#READY_UNKNOWN} counts as 0)
   */
  public RevisionAutoscaler(
      DeciderSpec spec,
      PodAutoscalerSettings settings,
      PodAutoscalerState state,
      int readyCount,
      Instant now) {
    this.spec = spec;
    this.settings = settings;
    this.decider = new Decider(spec, readyCount, now);
    this.collector = new MetricCollector(spec);
    this.state = state;
  }

  /**
   * The instances the Revision starts with, as Knative creates its Deployment: the initial scale
   * for a new Revision, the minimum for one that was initialized before, none for one that never
   * came up and whose activation timed out.
   */
  public int startScale() {
    if (state.scaleTargetInitialized()) {
      return settings.minScale();
    }
    return PodAutoscalerState.TIMED_OUT.equals(state.reason()) ? 0 : settings.initialScale();
  }

  /**
   * Records a load report received at {@code now}.
   *
   * @param readyCount the Revision's ready instances (consulted only before the first decision)
   * @return whether the report is a poke: load arrived while the last decision was 0, or before any
   *     decision with nothing ready ({@link Decider#shouldPoke}); the owner must then tick
   */
  public boolean record(Stat stat, Instant now, int readyCount) {
    collector.record(stat, now);
    return decider.shouldPoke(stat.averageConcurrentRequests(), readyCount);
  }

  /**
   * One decider tick on the windows as they are at {@code now}.
   *
   * @param readyCount ready instances, or {@link Decider#READY_UNKNOWN}
   * @return the decision; invalid when there was no data or no ready count, in which case nothing
   *     changed
   */
  public ScaleResult tick(Instant now, int readyCount) {
    Observed o = collector.stableAndPanic(now);
    ScaleResult r = decider.scale(now, readyCount, o);
    if (o != null) {
      observed = o;
    }
    return r;
  }

  /**
   * One PodAutoscaler pass on the decider's last decision ({@link PodAutoscalerLogic#reconcile});
   * the new state is kept.
   */
  public PodAutoscalerDecision reconcile(Instant now, int readyCount) {
    PodAutoscalerDecision d =
        PodAutoscalerLogic.reconcile(
            settings,
            state,
            now,
            decider.desiredScale(),
            decider.excessBurstCapacity(),
            readyCount);
    state = d.state();
    return d;
  }

  /**
   * Replaces the spec and settings from the next call on (the Revision's annotations or
   * reachability changed). The windows and the scale-down-delay window keep the lengths they were
   * created with, as in Knative.
   */
  public void update(DeciderSpec spec, PodAutoscalerSettings settings) {
    this.spec = spec;
    this.settings = settings;
    decider.update(spec);
  }

  /** The spec in force. */
  public DeciderSpec spec() {
    return spec;
  }

  /** The settings in force. */
  public PodAutoscalerSettings settings() {
    return settings;
  }

  /** The PodAutoscaler's state after the last {@link #reconcile}. */
  public PodAutoscalerState state() {
    return state;
  }

  /** The decider's last valid desired count, -1 before the first. */
  public int desiredScale() {
    return decider.desiredScale();
  }

  /** The decider's last excess burst capacity (Knative's initial value before the first tick). */
  public int excessBurstCapacity() {
    return decider.excessBurstCapacity();
  }

  /** Whether the decider is in panic mode. */
  public boolean panicking() {
    return decider.panicking();
  }

  /**
   * The observed stable and panic values of the last tick that had data; (0, 0) before the first. A
   * tick without data leaves it as it was.
   */
  public Observed observed() {
    return observed;
  }
}
