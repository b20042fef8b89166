package dev.coldbrew.autoscaler;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.autoscaling.AutoscalingAnnotations;
import dev.coldbrew.api.autoscaling.AutoscalingAnnotations.Key;
import java.time.Duration;
import java.util.Map;

/**
 * Knative's {@code DeciderSpec}: everything the KPA decider needs to turn observations into a
 * desired instance count, resolved from a Revision's annotations, its containerConcurrency and the
 * {@code autoscaler:} config (docs/autoscaling.md, "Target and total"). Immutable and thread-safe.
 *
 * @param targetValue per-instance target ({@code total × utilization}, at least 0.01)
 * @param totalValue per-instance total, used for excess burst capacity
 * @param targetBurstCapacity 0, &gt; 0, or -1 (activator always in the path)
 * @param panicThreshold a ratio: 2.0 means 200 %
 * @param maxScaleUpRate rate limit up, &gt; 1
 * @param maxScaleDownRate rate limit down, &gt; 1
 * @param activatorCapacity requests one activator takes, for {@code numActivators}
 * @param stableWindow the stable averaging window
 * @param panicWindow the panic averaging window
 * @param scaleDownDelay how long a desired count is held before scaling down (0 = off)
 * @param activationScale minimum non-zero scale (0 or 1 = off)
 * @param initialScale instances a new Revision starts with
 * @param reachable whether the Revision has traffic (a Route points at it)
 * @param scalingMetric what is scaled on
 * @param weightedExponential whether windows use the weighted-exponential average
 */
public record DeciderSpec(
    double targetValue,
    double totalValue,
    double targetBurstCapacity,
    double panicThreshold,
    double maxScaleUpRate,
    double maxScaleDownRate,
    double activatorCapacity,
    Duration stableWindow,
    Duration panicWindow,
    Duration scaleDownDelay,
    int activationScale,
    int initialScale,
    boolean reachable,
    ScalingMetric scalingMetric,
    boolean weightedExponential) {

  /** Knative's lower bound for a target. */
  public static final double TARGET_MIN = 0.01;

  /**
   * Resolves the spec for a Revision as Knative's KPA does (docs/autoscaling.md, "Target and total"
   * and "Windows"). The annotations must have passed {@link AutoscalingAnnotations#validate}.
   *
   * @param annotations the Revision template's annotations ({@code
   *     spec.template.metadata.annotations})
   * @param containerConcurrency the Revision's {@code containerConcurrency} (0 = unlimited)
   * @param reachable whether the Revision is routed to
   */
  public static DeciderSpec from(
      AutoscalerConfig config,
      Map<String, String> annotations,
      long containerConcurrency,
      boolean reachable) {
    ScalingMetric metric = ScalingMetric.parse(AutoscalingAnnotations.metric(annotations));
    double total;
    double tu;
    if (metric == ScalingMetric.RPS) {
      total = config.rpsTargetDefault();
      tu = config.targetUtilization();
    } else {
      total =
          containerConcurrency > 0
              ? containerConcurrency
              : config.containerConcurrencyTargetDefault();
      tu = config.containerConcurrencyTargetFraction();
    }
    var target = AutoscalingAnnotations.number(annotations, Key.TARGET);
    if (target.isPresent()) {
      total = target.getAsDouble();
      if (metric == ScalingMetric.CONCURRENCY && containerConcurrency > 0) {
        total = Math.min(total, containerConcurrency);
      }
    }
    var tuAnnotation =
        AutoscalingAnnotations.number(annotations, Key.TARGET_UTILIZATION_PERCENTAGE);
    if (tuAnnotation.isPresent()) {
      tu = tuAnnotation.getAsDouble() / 100;
    }
    Duration stableWindow =
        AutoscalingAnnotations.duration(annotations, Key.WINDOW).orElse(config.stableWindow());
    double panicWindowPercentage =
        AutoscalingAnnotations.number(annotations, Key.PANIC_WINDOW_PERCENTAGE)
            .orElse(config.panicWindowPercentage());
    double panicThresholdPercentage =
        AutoscalingAnnotations.number(annotations, Key.PANIC_THRESHOLD_PERCENTAGE)
            .orElse(config.panicThresholdPercentage());
    return new DeciderSpec(
        Math.max(TARGET_MIN, total * tu),
        total,
        AutoscalingAnnotations.number(annotations, Key.TARGET_BURST_CAPACITY)
            .orElse(config.targetBurstCapacity()),
        panicThresholdPercentage / 100,
        config.maxScaleUpRate(),
        config.maxScaleDownRate(),
        config.activatorCapacity(),
        stableWindow,
        panicWindow(stableWindow, panicWindowPercentage),
        AutoscalingAnnotations.duration(annotations, Key.SCALE_DOWN_DELAY)
            .orElse(config.scaleDownDelay()),
        AutoscalingAnnotations.integer(annotations, Key.ACTIVATION_SCALE).orElse(0),
        initialScale(config, annotations),
        reachable,
        metric,
        AutoscalingAnnotations.weightedExponential(annotations));
  }

  /**
   * {@code max(1 s, round_to_whole_seconds(stableWindow × percentage / 100))}: 60 s × 10 % → 6 s,
   * 60 s × 51 % → 31 s.
   */
  public static Duration panicWindow(Duration stableWindow, double panicWindowPercentage) {
    double nanos = stableWindow.toNanos() * panicWindowPercentage / 100;
    long seconds = Math.round(nanos / 1e9);
    return Duration.ofSeconds(Math.max(1, seconds));
  }

  /**
   * Knative's {@code GetInitialScale}: the annotation wins, except that 0 is ignored unless the
   * config allows it.
   */
  public static int initialScale(AutoscalerConfig config, Map<String, String> annotations) {
    var v = AutoscalingAnnotations.integer(annotations, Key.INITIAL_SCALE);
    if (v.isPresent() && (v.getAsInt() > 0 || config.allowZeroInitialScale())) {
      return v.getAsInt();
    }
    return config.initialScale();
  }

  /** This spec with another reachability. */
  public DeciderSpec withReachable(boolean value) {
    return new DeciderSpec(
        targetValue,
        totalValue,
        targetBurstCapacity,
        panicThreshold,
        maxScaleUpRate,
        maxScaleDownRate,
        activatorCapacity,
        stableWindow,
        panicWindow,
        scaleDownDelay,
        activationScale,
        initialScale,
        value,
        scalingMetric,
        weightedExponential);
  }
}
