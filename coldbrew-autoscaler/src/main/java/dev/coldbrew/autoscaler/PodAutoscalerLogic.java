package dev.coldbrew.autoscaler;

import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.autoscaler.PodAutoscalerState.Active;
import java.time.Duration;
import java.time.Instant;

/**
 * Knative's KPA reconciler as a pure function (docs/autoscaling.md, "The PodAutoscaler"): from the
 * decider's desired scale to the instance count to apply, the PA's {@code Active} condition, the
 * SKS mode and {@code numActivators}. The owner calls {@link #reconcile} after each notifying
 * decision, when the ready count changes, and when {@code requeueAfter} expires.
 *
 * <p>Order of one pass: clamp to {@code [min, max]} (initial scale is the minimum until first
 * reached); gate a desired 0 (scale to 1 until the PA has been Active for a stable window; then go
 * Inactive with the SKS in Proxy and scale to 0 after {@code max(grace, retention)} of inactivity,
 * or once inactive for the retention and proxying for the grace period; give up an activation after
 * the activation timeout); choose the SKS mode ({@code Proxy} when want is 0, EBC &lt; 0, or want
 * is unknown and the PA Inactive; else {@code Serve}; 0 ready instances force Proxy); then compute
 * the {@code Active} condition from want and the ready count.
 *
 * <p>Knative probes that the activator is in the path before scaling an Inactive PA to 0; locally
 * the SKS switch is synchronous, so this probe is modelled as always succeeding. Stateless and
 * thread-safe.
 */
public final class PodAutoscalerLogic {
  /** Knative re-enqueues an Active PA already in Proxy mode after this. */
  static final Duration PROXY_REQUEUE = Duration.ofSeconds(3);

  private static final int MIN_ACTIVATORS = 2;

  private PodAutoscalerLogic() {}

  /**
   * One reconcile.
   *
   * @param now the current time
   * @param desiredScale the decider's last desired count, −1 when it has none yet
   * @param excessBurstCapacity the decider's last EBC
   * @param readyCount ready instances
   */
  public static PodAutoscalerDecision reconcile(
      PodAutoscalerSettings settings,
      PodAutoscalerState state,
      Instant now,
      int desiredScale,
      int excessBurstCapacity,
      int readyCount) {
    int want;
    int apply = PodAutoscalerDecision.DONT_CHANGE;
    Duration requeue = null;
    if (desiredScale < 0 && state.active() != Active.ACTIVATING) {
      want = desiredScale;
    } else {
      int min = settings.minScale();
      if (settings.initialScale() > 1 && !state.scaleTargetInitialized() && settings.reachable()) {
        min = Math.max(min, settings.initialScale());
      }
      int bounded = desiredScale;
      if (bounded < min) {
        bounded = min;
      } else if (settings.maxScale() != 0 && bounded > settings.maxScale()) {
        bounded = settings.maxScale();
      }
      ScaleToZero z = handleScaleToZero(settings, state, now, bounded);
      want = z.scale;
      requeue = z.requeue;
      if (z.apply) {
        apply = z.scale;
      }
    }

    SksMode mode =
        want == 0 || excessBurstCapacity < 0 || (want == -1 && state.active() == Active.INACTIVE)
            ? SksMode.PROXY
            : SksMode.SERVE;
    boolean proxying = mode == SksMode.PROXY || readyCount == 0;
    Instant proxySince = proxying ? (state.proxySince() != null ? state.proxySince() : now) : null;
    if (mode != state.sksMode()) {
      requeue = Duration.ZERO; // the SKS change re-triggers the PA, as Knative's watch does
    }
    int numActivators = numActivators(settings, readyCount);

    int statusDesired = want == -1 && state.desiredScale() >= 0 ? state.desiredScale() : want;
    PodAutoscalerState next =
        new PodAutoscalerState(
            state.active(),
            state.reason(),
            state.activeSince(),
            state.scaleTargetInitialized(),
            mode,
            proxySince,
            statusDesired);
    next = computeActiveCondition(settings, next, now, want, readyCount);
    return new PodAutoscalerDecision(apply, want, mode, numActivators, next, requeue);
  }

  /**
   * {@code numActivators}: 2 when TBC is 0, else {@code max(2, ceil((ready × total + max(TBC, 0)) /
   * activatorCapacity))}.
   */
  public static int numActivators(PodAutoscalerSettings settings, int readyCount) {
    double tbc = settings.targetBurstCapacity();
    if (tbc == 0) {
      return MIN_ACTIVATORS;
    }
    double capacity = readyCount * settings.totalValue() + Math.max(tbc, 0);
    return (int) Math.max(MIN_ACTIVATORS, Math.ceil(capacity / settings.activatorCapacity()));
  }

  private record ScaleToZero(int scale, boolean apply, Duration requeue) {}

  private static ScaleToZero handleScaleToZero(
      PodAutoscalerSettings settings, PodAutoscalerState state, Instant now, int desired) {
    if (desired != 0) {
      return new ScaleToZero(desired, true, null);
    }
    if (!settings.enableScaleToZero()) {
      return new ScaleToZero(1, true, null);
    }
    Duration inState = Duration.between(state.activeSince(), now);
    switch (state.active()) {
      case ACTIVATING -> {
        if (inState.compareTo(settings.activationTimeout()) > 0) {
          return new ScaleToZero(0, true, null);
        }
        return new ScaleToZero(-1, false, settings.activationTimeout());
      }
      case ACTIVE -> {
        if (inState.compareTo(settings.stableWindow()) >= 0) {
          Duration requeue = state.sksMode() == SksMode.PROXY ? PROXY_REQUEUE : null;
          return new ScaleToZero(0, false, requeue);
        }
        return new ScaleToZero(1, true, settings.stableWindow().minus(inState));
      }
      default -> {
        // The activator probe is modelled as succeeding: locally the SKS switch is synchronous.
        Duration retention = settings.scaleToZeroPodRetention();
        Duration grace = settings.scaleToZeroGracePeriod();
        Duration longest = grace.compareTo(retention) >= 0 ? grace : retention;
        if (inState.compareTo(longest) >= 0) {
          return new ScaleToZero(0, true, null);
        }
        if ((!retention.isZero() && !retention.isNegative()) && inState.compareTo(retention) < 0) {
          return new ScaleToZero(0, false, retention.minus(inState));
        }
        Duration proxyFor =
            state.proxySince() == null ? Duration.ZERO : Duration.between(state.proxySince(), now);
        Duration left = grace.minus(proxyFor);
        if ((left.isZero() || left.isNegative())) {
          return new ScaleToZero(0, true, null);
        }
        return new ScaleToZero(0, false, left);
      }
    }
  }

  /**
   * Inactive for want of traffic. Knative overwrites TimedOut with NoTraffic on the next reconcile;
   * keeping it until the next activation leaves the reason the revision is at zero visible, and
   * tells the next run of the platform not to start it again.
   */
  private static PodAutoscalerState noTraffic(PodAutoscalerState state, Instant now) {
    if (state.active() == Active.INACTIVE && PodAutoscalerState.TIMED_OUT.equals(state.reason())) {
      return state;
    }
    return state.mark(Active.INACTIVE, PodAutoscalerState.NO_TRAFFIC, now);
  }

  private static PodAutoscalerState computeActiveCondition(
      PodAutoscalerSettings settings, PodAutoscalerState state, Instant now, int want, int ready) {
    int minReady =
        state.scaleTargetInitialized()
            ? Math.max(settings.minScale(), 1)
            : Math.max(settings.minScale(), settings.initialScale());
    if (ready >= minReady && !state.scaleTargetInitialized()) {
      state =
          new PodAutoscalerState(
              state.active(),
              state.reason(),
              state.activeSince(),
              true,
              state.sksMode(),
              state.proxySince(),
              state.desiredScale());
    }
    boolean inactive = state.active() == Active.INACTIVE;
    if (want == 0 || minReady == 0) {
      if (state.active() == Active.ACTIVATING && minReady > 0) {
        return state.mark(Active.INACTIVE, PodAutoscalerState.TIMED_OUT, now);
      }
      return noTraffic(state, now);
    }
    if (ready < minReady) {
      if (want > 0 || !inactive) {
        return state.mark(Active.ACTIVATING, PodAutoscalerState.QUEUED, now);
      }
      return noTraffic(state, now);
    }
    if (want > 0 || !inactive) {
      return state.mark(Active.ACTIVE, null, now);
    }
    return state;
  }
}
