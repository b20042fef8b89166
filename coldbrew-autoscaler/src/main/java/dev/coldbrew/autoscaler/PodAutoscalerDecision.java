package dev.coldbrew.autoscaler;

import dev.coldbrew.api.model.SksMode;
import java.time.Duration;

/**
 * What one PodAutoscaler reconcile decided.
 *
 * @param applyScale the instance count to set, or {@link #DONT_CHANGE}
 * @param want the scale the PA wants (−1 unknown), which also chose the SKS mode
 * @param sksMode the mode to write into the SKS spec
 * @param numActivators the SKS {@code numActivators}
 * @param state the PA's new remembered state (its {@code Active} condition, {@code
 *     ScaleTargetInitialized}, ...): store it
 * @param requeueAfter when to reconcile again even if nothing changes; null for no timer ({@link
 *     Duration#ZERO}: at once, as Knative's SKS watch would)
 */
public record PodAutoscalerDecision(
    int applyScale,
    int want,
    SksMode sksMode,
    int numActivators,
    PodAutoscalerState state,
    Duration requeueAfter) {

  /** {@link #applyScale} when the instance count must be left as it is. */
  public static final int DONT_CHANGE = -1;
}
