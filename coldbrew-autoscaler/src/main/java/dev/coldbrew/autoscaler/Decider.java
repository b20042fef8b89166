package dev.coldbrew.autoscaler;

import java.time.Duration;
import java.time.Instant;

/**
 * Knative's KPA decider for one Revision (docs/autoscaling.md, "The decider"): turns the ready
 * count and the observed stable and panic values into a desired instance count and an excess burst
 * capacity. The owner calls {@link #scale} every 2 s, and at once when {@link #shouldPoke} says a
 * request arrived at zero.
 *
 * <p>Per tick: {@code R = max(1, ready)}; {@code maxUp = ceil(upRate × R)}; {@code maxDown =
 * floor(R / downRate)} when reachable, else 0; the stable and panic counts {@code ceil(value /
 * target)} are clamped to {@code [maxDown, maxUp]} and raised to the activation scale when
 * non-zero. Panic starts (or is extended) when the unclamped panic count over R reaches the
 * threshold, and ends when it did not for more than a stable window; while panicking the count
 * never goes down. A scale-down delay then keeps the maximum of the last {@code delay} worth of
 * 2-second slots.
 *
 * <p>A new decider that sees more than one ready instance starts in panic, so a restarted platform
 * does not scale down before a stable window has passed. Pure: no threads, no I/O, time is passed
 * in. Not thread-safe: the owner serializes calls.
 */
public final class Decider {
  /** Pass as the ready count when the instances could not be counted. */
  public static final int READY_UNKNOWN = -1;

  private DeciderSpec spec;
  private final MaxWindow delayWindow;
  private Instant panicTime; // null when not panicking
  private int maxPanicPods;
  private int desiredScale = -1;
  private int excessBurstCapacity;

  /**
   * Creates the decider at {@code now}, seeing {@code readyCount} ready instances ({@link
   * #READY_UNKNOWN} counts as 0).
   */
  public Decider(DeciderSpec spec, int readyCount, Instant now) {
    this.spec = spec;
    this.delayWindow =
        spec.scaleDownDelay().compareTo(Duration.ZERO) > 0
            ? new MaxWindow(spec.scaleDownDelay())
            : null;
    int ready = Math.max(0, readyCount);
    if (ready > 1) {
      panicTime = now;
    }
    maxPanicPods = ready;
    double tbc = spec.targetBurstCapacity();
    excessBurstCapacity =
        tbc == -1 || tbc == 0 ? (int) tbc : (int) (spec.initialScale() * spec.totalValue() - tbc);
  }

  /**
   * Replaces the spec from the next tick on. As in Knative, the scale-down-delay window keeps the
   * length it was created with (a delay of 0 at creation means no window).
   */
  public void update(DeciderSpec spec) {
    this.spec = spec;
  }

  /** The current spec. */
  public DeciderSpec spec() {
    return spec;
  }

  /**
   * One tick.
   *
   * @param readyCount ready instances, or {@link #READY_UNKNOWN}
   * @param observed the observed stable and panic values, or null when metrics are unavailable
   * @return the decision; {@link ScaleResult#INVALID} (and no state change) when an input is
   *     missing
   */
  public ScaleResult scale(Instant now, int readyCount, Observed observed) {
    if (readyCount < 0 || observed == null) {
      return ScaleResult.INVALID;
    }
    DeciderSpec s = spec;
    double r = Math.max(1, readyCount);
    double maxUp = Math.ceil(s.maxScaleUpRate() * r);
    double maxDown = s.reachable() ? Math.floor(r / s.maxScaleDownRate()) : 0;
    double dspc = Math.ceil(observed.stable() / s.targetValue());
    double dppc = Math.ceil(observed.panic() / s.targetValue());
    int stableDesired = (int) Math.min(Math.max(dspc, maxDown), maxUp);
    int panicDesired = (int) Math.min(Math.max(dppc, maxDown), maxUp);
    if (s.activationScale() > 1) {
      if (dspc > 0 && s.activationScale() > stableDesired) {
        stableDesired = s.activationScale();
      }
      if (dppc > 0 && s.activationScale() > panicDesired) {
        panicDesired = s.activationScale();
      }
    }
    boolean over = dppc / r >= s.panicThreshold();
    if (over) {
      panicTime = now; // starts or extends panic
    } else if (panicTime != null && panicTime.plus(s.stableWindow()).isBefore(now)) {
      panicTime = null;
      maxPanicPods = 0;
    }
    int desired = stableDesired;
    if (panicTime != null) {
      desired = Math.max(stableDesired, panicDesired);
      maxPanicPods = Math.max(maxPanicPods, desired);
      desired = maxPanicPods;
    }
    if (s.reachable() && delayWindow != null) {
      delayWindow.record(now, desired);
      desired = delayWindow.current();
    }
    int ebc;
    double tbc = s.targetBurstCapacity();
    if (tbc == 0) {
      ebc = 0;
    } else if (tbc > 0) {
      ebc = (int) Math.floor(readyCount * s.totalValue() - tbc - observed.panic());
    } else {
      ebc = -1;
    }
    boolean notify = desired != desiredScale || !sameSign(ebc, excessBurstCapacity);
    desiredScale = desired;
    excessBurstCapacity = ebc;
    return new ScaleResult(desired, ebc, true, notify);
  }

  /** Whether the decider is in panic mode. */
  public boolean panicking() {
    return panicTime != null;
  }

  /** The last valid desired count, -1 before the first valid tick. */
  public int desiredScale() {
    return desiredScale;
  }

  /**
   * The last valid EBC; before the first tick Knative's initial value ({@code initialScale × total
   * − TBC}, or TBC itself when it is 0 or -1).
   */
  public int excessBurstCapacity() {
    return excessBurstCapacity;
  }

  /**
   * Whether a stat with this concurrency must trigger an immediate tick (the poke): the last
   * desired count was 0, or there was none yet and no instance is ready, and load arrived. Knative
   * pokes only after a first tick decided 0, so a request that reaches a new revision created at
   * zero (initial-scale 0) within its first 2 s waits for that tick; here it does not.
   */
  public boolean shouldPoke(double statConcurrency, int ready) {
    return statConcurrency > 0 && (desiredScale == 0 || (desiredScale < 0 && ready <= 0));
  }

  /** Knative's {@code sameSign}: 0 counts as positive. */
  public static boolean sameSign(int a, int b) {
    return ((a ^ b) & 0x80000000) == 0;
  }
}
