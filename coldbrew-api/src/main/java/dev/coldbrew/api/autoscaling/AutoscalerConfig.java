package dev.coldbrew.api.autoscaling;

import dev.coldbrew.api.config.ConfigReader;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Knative's {@code config-autoscaler} ConfigMap: the platform-wide autoscaling defaults that
 * Revision annotations override. Immutable and thread-safe. Defaults and valid ranges are Knative's
 * (listed in docs/operations.md, "The autoscaler: section").
 *
 * @param maxScale the section's {@code max-scale} (0: unbounded); when the section sets none and
 *     the platform has its own default bound, that bound ({@code maxScaleDefaulted})
 * @param maxScaleDefaulted whether {@code maxScale} is the platform's default bound rather than a
 *     value the section set: such a bound yields to a revision's {@code min-scale} ({@link
 *     AutoscalingAnnotations#maxScale})
 */
public record AutoscalerConfig(
    boolean enableScaleToZero,
    double containerConcurrencyTargetFraction,
    double containerConcurrencyTargetDefault,
    double rpsTargetDefault,
    double targetUtilization,
    double targetBurstCapacity,
    Duration stableWindow,
    double panicWindowPercentage,
    double panicThresholdPercentage,
    double maxScaleUpRate,
    double maxScaleDownRate,
    double activatorCapacity,
    Duration scaleToZeroGracePeriod,
    Duration scaleToZeroPodRetentionPeriod,
    Duration scaleDownDelay,
    int initialScale,
    boolean allowZeroInitialScale,
    int minScale,
    int maxScale,
    boolean maxScaleDefaulted,
    int maxScaleLimit,
    String podAutoscalerClass) {

  public static final String KPA_CLASS = "kpa.autoscaling.knative.dev";
  public static final String HPA_CLASS = "hpa.autoscaling.knative.dev";

  private static final Set<String> KEYS =
      Set.of(
          "enable-scale-to-zero",
          "container-concurrency-target-percentage",
          "container-concurrency-target-default",
          "requests-per-second-target-default",
          "target-burst-capacity",
          "stable-window",
          "panic-window-percentage",
          "panic-threshold-percentage",
          "max-scale-up-rate",
          "max-scale-down-rate",
          "activator-capacity",
          "scale-to-zero-grace-period",
          "scale-to-zero-pod-retention-period",
          "scale-down-delay",
          "initial-scale",
          "allow-zero-initial-scale",
          "min-scale",
          "max-scale",
          "max-scale-limit",
          "pod-autoscaler-class");

  /** Knative's defaults. */
  public static AutoscalerConfig defaults() {
    return new AutoscalerConfig(
        true,
        0.7,
        100,
        200,
        0.7,
        211,
        Duration.ofSeconds(60),
        10,
        200,
        1000,
        2,
        100,
        Duration.ofSeconds(30),
        Duration.ZERO,
        Duration.ZERO,
        1,
        false,
        0,
        0,
        false,
        0,
        KPA_CLASS);
  }

  /**
   * Reads the {@code autoscaler:} section of the config file (ConfigMap keys, string or number
   * values), validating every key.
   *
   * @param section the section's name for error paths, e.g. {@code autoscaler}
   * @throws ValidationException naming every bad key, its value and what was expected
   */
  public static AutoscalerConfig fromMap(String section, Map<String, ?> values) {
    return fromMap(section, values, 0);
  }

  /**
   * As {@link #fromMap(String, Map)}, with a platform's own default for {@code max-scale}
   * (Knative's is 0, unlimited). When the section does not set {@code max-scale}, it is {@code
   * defaultMaxScale}, raised to {@code min-scale} and lowered to {@code max-scale-limit} when those
   * are set, so the default alone never makes a section invalid; it is marked {@link
   * #maxScaleDefaulted}, so it never makes a revision invalid either.
   *
   * @param defaultMaxScale 0 for Knative's default, else the bound on instances per revision
   */
  public static AutoscalerConfig fromMap(
      String section, Map<String, ?> values, int defaultMaxScale) {
    AutoscalerConfig d = defaults();
    List<FieldError> errors = new ArrayList<>();
    ConfigReader r = new ConfigReader(section, values, KEYS, errors);
    double ccPercent = r.number("container-concurrency-target-percentage", 70, 1, 100, "1..100");
    double ccDefault =
        r.number("container-concurrency-target-default", 100, 0.01, Double.MAX_VALUE, ">= 0.01");
    double rps =
        r.number("requests-per-second-target-default", 200, 0.01, Double.MAX_VALUE, ">= 0.01");
    double tbc = r.number("target-burst-capacity", 211, -1, Double.MAX_VALUE, ">= 0 or -1");
    if (tbc < 0 && tbc != -1) {
      errors.add(FieldError.invalid(section + ".target-burst-capacity", tbc, ">= 0 or -1"));
    }
    Duration stable =
        r.duration("stable-window", d.stableWindow, Duration.ofSeconds(6), Duration.ofHours(1));
    r.wholeSeconds("stable-window", stable);
    double panicWindow = r.number("panic-window-percentage", 10, 1, 100, "1..100");
    double panicThreshold =
        r.number("panic-threshold-percentage", 200, 1e-9, Double.MAX_VALUE, "> 0");
    double up = r.number("max-scale-up-rate", 1000, Math.nextUp(1.0), Double.MAX_VALUE, "> 1");
    double down = r.number("max-scale-down-rate", 2, Math.nextUp(1.0), Double.MAX_VALUE, "> 1");
    double activatorCapacity = r.number("activator-capacity", 100, 1, Double.MAX_VALUE, ">= 1");
    Duration grace =
        r.duration(
            "scale-to-zero-grace-period",
            d.scaleToZeroGracePeriod,
            Duration.ofNanos(1),
            Duration.ofDays(365),
            "> 0 and <= 8760h, such as 30s");
    Duration retention =
        r.duration(
            "scale-to-zero-pod-retention-period",
            Duration.ZERO,
            Duration.ZERO,
            Duration.ofHours(1));
    Duration delay =
        r.duration("scale-down-delay", Duration.ZERO, Duration.ZERO, Duration.ofHours(1));
    r.wholeSeconds("scale-down-delay", delay);
    boolean allowZero = r.bool("allow-zero-initial-scale", false);
    int initial = (int) r.integer("initial-scale", 1, 0, Integer.MAX_VALUE, ">= 0");
    if (initial == 0 && !allowZero) {
      errors.add(
          FieldError.invalid(
              section + ".initial-scale", 0, ">= 1 unless allow-zero-initial-scale is true"));
    }
    int min = (int) r.integer("min-scale", 0, 0, Integer.MAX_VALUE, ">= 0");
    int limit = (int) r.integer("max-scale-limit", 0, 0, Integer.MAX_VALUE, ">= 0");
    int max = (int) r.integer("max-scale", 0, 0, Integer.MAX_VALUE, ">= 0");
    boolean defaulted = !r.has("max-scale") && defaultMaxScale > 0;
    if (defaulted) {
      max = Math.max(defaultMaxScale, min);
      if (limit > 0) {
        max = Math.min(max, limit);
      }
    }
    if (max > 0 && min > max) {
      errors.add(FieldError.invalid(section + ".min-scale", min, "<= max-scale (" + max + ")"));
    }
    if (limit > 0 && (max == 0 || max > limit)) {
      errors.add(
          FieldError.invalid(section + ".max-scale", max, "1.." + limit + " (max-scale-limit)"));
    }
    String cls = r.string("pod-autoscaler-class", KPA_CLASS);
    if (!cls.equals(KPA_CLASS)) {
      errors.add(
          FieldError.invalid(
              section + ".pod-autoscaler-class",
              cls,
              KPA_CLASS + " (the only class Coldbrew runs)"));
    }
    boolean scaleToZero = r.bool("enable-scale-to-zero", true);
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return new AutoscalerConfig(
        scaleToZero,
        ccPercent / 100,
        ccDefault,
        rps,
        0.7,
        tbc,
        stable,
        panicWindow,
        panicThreshold,
        up,
        down,
        activatorCapacity,
        grace,
        retention,
        delay,
        initial,
        allowZero,
        min,
        max,
        defaulted,
        limit,
        cls);
  }
}
