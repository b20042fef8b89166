package dev.coldbrew.autoscaler;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.autoscaling.AutoscalingAnnotations;
import dev.coldbrew.api.autoscaling.AutoscalingAnnotations.Key;
import java.time.Duration;
import java.util.Map;

/**
 * What the PodAutoscaler logic needs besides the decider's output (docs/autoscaling.md, "The
 * PodAutoscaler"): scale bounds, the scale-to-zero timers and what {@code numActivators} is
 * computed from. Immutable.
 *
 * @param minScale lower bound (already 0 when the Revision is unreachable)
 * @param maxScale upper bound, 0 = unbounded ({@link AutoscalingAnnotations#maxScale})
 * @param initialScale acts as the minimum until the Revision first reached it
 * @param reachable whether the Revision has traffic
 * @param stableWindow how long the PA must have been Active before desired 0 is acted on
 * @param scaleToZeroGracePeriod how long the activator must be in the path before scaling to 0
 * @param scaleToZeroPodRetention how long the last instance is kept after the PA went Inactive
 *     (already 0 when unreachable)
 * @param activationTimeout {@code progress-deadline + 30 s}: an activation stuck longer gives up
 * @param enableScaleToZero false turns a desired 0 into 1
 * @param targetBurstCapacity 0, &gt; 0 or -1
 * @param totalValue per-instance total (for numActivators)
 * @param activatorCapacity per-activator capacity (for numActivators)
 */
public record PodAutoscalerSettings(
    int minScale,
    int maxScale,
    int initialScale,
    boolean reachable,
    Duration stableWindow,
    Duration scaleToZeroGracePeriod,
    Duration scaleToZeroPodRetention,
    Duration activationTimeout,
    boolean enableScaleToZero,
    double targetBurstCapacity,
    double totalValue,
    double activatorCapacity) {

  /** Knative's {@code activationTimeoutBuffer}, added to the progress deadline. */
  public static final Duration ACTIVATION_TIMEOUT_BUFFER = Duration.ofSeconds(30);

  /**
   * Resolves the settings from the config, the Revision template's annotations (validated) and the
   * Revision's decider spec.
   */
  public static PodAutoscalerSettings from(
      AutoscalerConfig config, Map<String, String> annotations, DeciderSpec spec) {
    boolean reachable = spec.reachable();
    int min =
        reachable
            ? AutoscalingAnnotations.integer(annotations, Key.MIN_SCALE).orElse(config.minScale())
            : 0;
    int max = AutoscalingAnnotations.maxScale(annotations, config);
    Duration retention =
        reachable
            ? AutoscalingAnnotations.duration(annotations, Key.SCALE_TO_ZERO_POD_RETENTION_PERIOD)
                .orElse(config.scaleToZeroPodRetentionPeriod())
            : Duration.ZERO;
    Duration deadline =
        AutoscalingAnnotations.progressDeadline(annotations)
            .orElse(AutoscalingAnnotations.DEFAULT_PROGRESS_DEADLINE);
    return new PodAutoscalerSettings(
        min,
        max,
        spec.initialScale(),
        reachable,
        spec.stableWindow(),
        config.scaleToZeroGracePeriod(),
        retention,
        deadline.plus(ACTIVATION_TIMEOUT_BUFFER),
        config.enableScaleToZero(),
        spec.targetBurstCapacity(),
        spec.totalValue(),
        spec.activatorCapacity());
  }
}
