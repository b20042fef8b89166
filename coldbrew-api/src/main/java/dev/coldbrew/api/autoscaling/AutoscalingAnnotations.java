package dev.coldbrew.api.autoscaling;

import dev.coldbrew.api.codec.Durations;
import dev.coldbrew.api.validation.FieldError;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The {@code autoscaling.knative.dev/*} annotations of a Revision template: their keys (with
 * Knative's legacy camelCase aliases), validation, and typed reads. Thread-safe (stateless).
 *
 * <p>Typed reads assume the annotations passed {@link #validate}; a malformed value read anyway
 * throws {@link IllegalArgumentException}.
 */
public final class AutoscalingAnnotations {
  public static final String GROUP = "autoscaling.knative.dev";
  public static final String PREFIX = GROUP + "/";

  /** {@code serving.knative.dev/progress-deadline}: how long a rollout may take to get ready. */
  public static final String PROGRESS_DEADLINE = "serving.knative.dev/progress-deadline";

  /** Knative's default {@code progress-deadline} (config-deployment). */
  public static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofSeconds(600);

  /** The values of {@code metric-aggregation-algorithm}. */
  public static final String LINEAR = "linear";

  public static final String WEIGHTED_EXPONENTIAL = "weighted-exponential";

  private static final Duration WINDOW_MIN = Duration.ofSeconds(6);
  private static final Duration WINDOW_MAX = Duration.ofHours(1);

  /** One annotation: its name under {@link #PREFIX} and its legacy aliases (first present wins). */
  public enum Key {
    CLASS("class"),
    METRIC("metric"),
    TARGET("target"),
    TARGET_UTILIZATION_PERCENTAGE("target-utilization-percentage", "targetUtilizationPercentage"),
    TARGET_BURST_CAPACITY("target-burst-capacity", "targetBurstCapacity"),
    MIN_SCALE("min-scale", "minScale"),
    MAX_SCALE("max-scale", "maxScale"),
    INITIAL_SCALE("initial-scale", "initialScale"),
    ACTIVATION_SCALE("activation-scale"),
    WINDOW("window"),
    PANIC_WINDOW_PERCENTAGE("panic-window-percentage", "panicWindowPercentage"),
    PANIC_THRESHOLD_PERCENTAGE("panic-threshold-percentage", "panicThresholdPercentage"),
    SCALE_DOWN_DELAY("scale-down-delay", "scaleDownDelay"),
    SCALE_TO_ZERO_POD_RETENTION_PERIOD(
        "scale-to-zero-pod-retention-period", "scaleToZeroPodRetentionPeriod"),
    METRIC_AGGREGATION_ALGORITHM("metric-aggregation-algorithm", "metricAggregationAlgorithm");

    private final List<String> names;

    Key(String... names) {
      this.names = List.of(names);
    }

    /** The canonical key, e.g. {@code min-scale}. */
    public String key() {
      return names.get(0);
    }

    /** The full annotation name, e.g. {@code autoscaling.knative.dev/min-scale}. */
    public String annotation() {
      return PREFIX + key();
    }

    /** Every current key, comma-separated. */
    static String names() {
      return java.util.Arrays.stream(values())
          .map(Key::key)
          .collect(java.util.stream.Collectors.joining(", "));
    }

    /** The annotation actually present (the first of the name and its aliases), or null. */
    String present(Map<String, String> annotations) {
      for (String n : names) {
        if (annotations.containsKey(PREFIX + n)) {
          return PREFIX + n;
        }
      }
      return null;
    }
  }

  private AutoscalingAnnotations() {}

  /** The raw value of an annotation (by its name or an alias), trimmed. */
  public static Optional<String> string(Map<String, String> annotations, Key key) {
    String name = key.present(annotations);
    if (name == null || annotations.get(name) == null) {
      return Optional.empty();
    }
    return Optional.of(annotations.get(name).trim());
  }

  /** A float annotation. */
  public static OptionalDouble number(Map<String, String> annotations, Key key) {
    Optional<String> v = string(annotations, key);
    return v.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(parseDouble(v.get()));
  }

  /** An integer annotation. */
  public static OptionalInt integer(Map<String, String> annotations, Key key) {
    Optional<String> v = string(annotations, key);
    return v.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(v.get()));
  }

  /** A duration annotation ({@code 60s}, {@code 1m}; a unit is required). */
  public static Optional<Duration> duration(Map<String, String> annotations, Key key) {
    return string(annotations, key).map(Durations::parse);
  }

  /** {@code serving.knative.dev/progress-deadline}, if set. */
  public static Optional<Duration> progressDeadline(Map<String, String> annotations) {
    String v = annotations.get(PROGRESS_DEADLINE);
    return v == null ? Optional.empty() : Optional.of(Durations.parse(v.trim()));
  }

  /** {@code metric}: {@code concurrency} unless set. */
  public static String metric(Map<String, String> annotations) {
    return string(annotations, Key.METRIC).orElse("concurrency");
  }

  /** Whether {@code metric-aggregation-algorithm} asks for the weighted-exponential average. */
  public static boolean weightedExponential(Map<String, String> annotations) {
    return string(annotations, Key.METRIC_AGGREGATION_ALGORITHM)
        .map(v -> v.equals(WEIGHTED_EXPONENTIAL) || v.equals("weightedExponential"))
        .orElse(false);
  }

  /**
   * The {@code max-scale} a revision runs with (0: unbounded): its annotation's, else the config's
   * — exactly Knative's — except that a bound the platform set by default (no {@code max-scale} in
   * the annotations or the config, {@link AutoscalerConfig#maxScaleDefaulted}) never falls below
   * the revision's {@code min-scale}: a manifest valid on a Knative cluster runs here as asked.
   */
  public static int maxScale(Map<String, String> annotations, AutoscalerConfig config) {
    OptionalInt max = integer(annotations, Key.MAX_SCALE);
    if (max.isPresent()) {
      return max.getAsInt();
    }
    if (!config.maxScaleDefaulted()) {
      return config.maxScale();
    }
    return Math.max(
        config.maxScale(), integer(annotations, Key.MIN_SCALE).orElse(config.minScale()));
  }

  /**
   * Checks every {@code autoscaling.knative.dev/*} annotation for type, range and consistency (min
   * <= max, activation-scale within bounds, ...), as Knative does: the annotations are compared
   * with each other, and with the platform config only where Knative does ({@code max-scale-limit},
   * {@code allow-zero-initial-scale}). Adds one error per problem with the path {@code
   * <pathPrefix>.<key>}.
   *
   * @param pathPrefix e.g. {@code spec.template.metadata.annotations}
   */
  public static void validate(
      Map<String, String> annotations,
      AutoscalerConfig config,
      String pathPrefix,
      List<FieldError> errors) {
    Checker c = new Checker(annotations, pathPrefix, errors);
    c.string(Key.CLASS)
        .filter(v -> !v.equals(AutoscalerConfig.KPA_CLASS))
        .ifPresent(
            v ->
                c.error(
                    Key.CLASS, v, AutoscalerConfig.KPA_CLASS + " (the only class Coldbrew runs)"));
    c.string(Key.METRIC)
        .filter(v -> !v.equals("concurrency") && !v.equals("rps"))
        .ifPresent(v -> c.error(Key.METRIC, v, "concurrency or rps"));
    c.number(Key.TARGET, 0.01, Double.MAX_VALUE, ">= 0.01");
    c.number(Key.TARGET_UTILIZATION_PERCENTAGE, 1, 100, "1..100");
    OptionalDouble tbc = c.number(Key.TARGET_BURST_CAPACITY, -1, Double.MAX_VALUE, ">= 0 or -1");
    if (tbc.isPresent() && tbc.getAsDouble() < 0 && tbc.getAsDouble() != -1) {
      c.error(Key.TARGET_BURST_CAPACITY, c.raw(Key.TARGET_BURST_CAPACITY), ">= 0 or -1");
    }
    // As in Knative, min-scale, max-scale and activation-scale are compared with each other only
    // (an absent one counts as 0), never with the config's min-scale or max-scale; where a
    // revision's min-scale and the config's max-scale disagree, min-scale wins when scaling
    OptionalInt min = c.integer(Key.MIN_SCALE, 0, "an integer >= 0");
    OptionalInt max = c.integer(Key.MAX_SCALE, 0, "an integer >= 0");
    int annotatedMin = min.orElse(0);
    int annotatedMax = max.orElse(0);
    if (annotatedMax != 0 && annotatedMax < annotatedMin) {
      c.error(Key.MAX_SCALE, c.raw(Key.MAX_SCALE), ">= min-scale (" + annotatedMin + ") or 0");
    }
    if (max.isPresent()
        && config.maxScaleLimit() > 0
        && (annotatedMax == 0 || annotatedMax > config.maxScaleLimit())) {
      c.error(Key.MAX_SCALE, c.raw(Key.MAX_SCALE), "1.." + config.maxScaleLimit());
    }
    OptionalInt initial = c.integer(Key.INITIAL_SCALE, 0, "an integer >= 0");
    if (initial.isPresent() && initial.getAsInt() == 0 && !config.allowZeroInitialScale()) {
      c.error(
          Key.INITIAL_SCALE,
          c.raw(Key.INITIAL_SCALE),
          ">= 1 (0 needs allow-zero-initial-scale: true in the autoscaler config)");
    }
    OptionalInt activation = c.integer(Key.ACTIVATION_SCALE, 2, "an integer >= 2");
    if (activation.isPresent() && activation.getAsInt() >= 2) {
      int a = activation.getAsInt();
      if (a < annotatedMin || (annotatedMax != 0 && a > annotatedMax)) {
        c.error(
            Key.ACTIVATION_SCALE,
            c.raw(Key.ACTIVATION_SCALE),
            "within min-scale.."
                + (annotatedMax == 0 ? "" : "max-scale")
                + " ("
                + annotatedMin
                + ".."
                + (annotatedMax == 0 ? "" : annotatedMax)
                + ")");
      }
    }
    c.duration(Key.WINDOW, WINDOW_MIN, WINDOW_MAX, true);
    c.number(Key.PANIC_WINDOW_PERCENTAGE, 1, 100, "1..100");
    c.number(Key.PANIC_THRESHOLD_PERCENTAGE, 110, 1000, "110..1000");
    c.duration(Key.SCALE_DOWN_DELAY, Duration.ZERO, Duration.ofHours(1), true);
    c.duration(Key.SCALE_TO_ZERO_POD_RETENTION_PERIOD, Duration.ZERO, Duration.ofHours(1), false);
    c.string(Key.METRIC_AGGREGATION_ALGORITHM)
        .filter(
            v ->
                !v.equals(LINEAR)
                    && !v.equals(WEIGHTED_EXPONENTIAL)
                    && !v.equals("weightedExponential"))
        .ifPresent(
            v -> c.error(Key.METRIC_AGGREGATION_ALGORITHM, v, "linear or weighted-exponential"));
  }

  /**
   * Adds a warning for each {@code autoscaling.knative.dev/*} annotation Knative does not know
   * (naming the closest known key when one is a typo away) and for each key given in more than one
   * spelling (saying which one is used). Knative accepts both, so they are warnings, not errors.
   *
   * @param annotations the template's annotations (null: none)
   * @param pathPrefix e.g. {@code spec.template.metadata.annotations}
   */
  public static void warnings(
      Map<String, String> annotations, String pathPrefix, List<String> warnings) {
    if (annotations == null || annotations.isEmpty()) {
      return;
    }
    List<String> known = new java.util.ArrayList<>();
    for (Key k : Key.values()) {
      known.addAll(k.names);
    }
    annotations.keySet().stream()
        .filter(a -> a.startsWith(PREFIX) && !known.contains(a.substring(PREFIX.length())))
        .sorted()
        .forEach(
            a -> {
              String name = a.substring(PREFIX.length());
              String closest = null;
              int best = 3; // at most two edits away
              for (Key k : Key.values()) {
                int d = editDistance(name, k.key());
                if (d < best) {
                  best = d;
                  closest = k.key();
                }
              }
              warnings.add(
                  pathPrefix
                      + "."
                      + a
                      + ": unknown autoscaling annotation, it has no effect"
                      + (closest == null
                          ? " (known: " + Key.names() + ")"
                          : "; did you mean " + PREFIX + closest + "?"));
            });
    for (Key k : Key.values()) {
      List<String> given =
          k.names.stream().filter(n -> annotations.containsKey(PREFIX + n)).toList();
      if (given.size() > 1) {
        warnings.add(
            pathPrefix
                + "."
                + PREFIX
                + given.get(0)
                + ": also given as "
                + given.subList(1, given.size()).stream()
                    .map(n -> PREFIX + n)
                    .collect(java.util.stream.Collectors.joining(", "))
                + "; "
                + PREFIX
                + given.get(0)
                + " (\""
                + annotations.get(PREFIX + given.get(0))
                + "\") is used, remove the other spelling");
      }
    }
  }

  /** Levenshtein distance, for suggesting the key a typo meant. */
  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /**
   * Rejects {@code autoscaling.knative.dev/*} annotations where they have no effect: on a
   * Service's, Configuration's or Route's own metadata.
   *
   * @param pathPrefix e.g. {@code metadata.annotations}
   */
  public static void rejectOutsideTemplate(
      Map<String, String> annotations, String pathPrefix, List<FieldError> errors) {
    annotations.keySet().stream()
        .filter(k -> k.startsWith(PREFIX))
        .sorted()
        .forEach(
            k ->
                errors.add(
                    new FieldError(
                        pathPrefix + "." + k,
                        "autoscaling annotations must be put under"
                            + " spec.template.metadata.annotations")));
  }

  private static double parseDouble(String v) {
    double d = Double.parseDouble(v);
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new NumberFormatException(v);
    }
    return d;
  }

  /** Reads annotations for validation, recording errors instead of throwing. */
  private record Checker(Map<String, String> annotations, String prefix, List<FieldError> errors) {
    String raw(Key key) {
      return AutoscalingAnnotations.string(annotations, key).orElse(null);
    }

    Optional<String> string(Key key) {
      return AutoscalingAnnotations.string(annotations, key);
    }

    void error(Key key, String value, String expected) {
      errors.add(FieldError.invalid(prefix + "." + key.present(annotations), value, expected));
    }

    OptionalDouble number(Key key, double min, double max, String expected) {
      String v = raw(key);
      if (v == null) {
        return OptionalDouble.empty();
      }
      try {
        double d = parseDouble(v);
        if (d < min || d > max) {
          error(key, v, expected);
          return OptionalDouble.empty();
        }
        return OptionalDouble.of(d);
      } catch (NumberFormatException e) {
        error(key, v, "a number " + expected);
        return OptionalDouble.empty();
      }
    }

    OptionalInt integer(Key key, int min, String expected) {
      String v = raw(key);
      if (v == null) {
        return OptionalInt.empty();
      }
      try {
        int n = Integer.parseInt(v);
        if (n < min) {
          error(key, v, expected);
          return OptionalInt.empty();
        }
        return OptionalInt.of(n);
      } catch (NumberFormatException e) {
        error(key, v, expected);
        return OptionalInt.empty();
      }
    }

    void duration(Key key, Duration min, Duration max, boolean wholeSeconds) {
      String v = raw(key);
      if (v == null) {
        return;
      }
      String range = Durations.format(min) + ".." + Durations.format(max);
      try {
        Duration d = Durations.parse(v);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
          error(key, v, range);
        } else if (wholeSeconds && d.toNanosPart() != 0) {
          error(key, v, "whole seconds in " + range);
        }
      } catch (IllegalArgumentException e) {
        error(key, v, Durations.expected(v, range));
      }
    }
  }
}
