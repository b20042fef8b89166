package dev.coldbrew.autoscaler.sim;

import static dev.coldbrew.autoscaler.DeciderSpec.TARGET_MIN;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.Durations;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.autoscaler.Decider;
import dev.coldbrew.autoscaler.DeciderSpec;
import dev.coldbrew.autoscaler.Observed;
import dev.coldbrew.autoscaler.ScaleResult;
import dev.coldbrew.autoscaler.ScalingMetric;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code coldbrew autoscaler decide} scenario: a Knative {@code DeciderSpec}, the ready count at
 * creation, and timed observations, each of which ticks the {@link Decider} once. The file is
 * decoded by the api module's strict codec (unknown keys and values of the wrong type are errors
 * with their path), then checked: every problem is reported at once, with its path, value and what
 * is expected. Immutable once parsed.
 *
 * <p>Every spec Knative's decider runs on is accepted: the checks refuse only what its arithmetic
 * cannot take (a target below Knative's minimum of 0.01, rates of 1 or less, negative or non-finite
 * numbers, a target burst capacity below 0 other than -1). A total of 0 or an activator capacity of
 * 0, which Knative's own decider tests use, are fine: the decider's desired count and EBC never
 * divide by them. Time {@code at} is an offset from Unix time 0, so 2-second slots (scale-down
 * delay) are deterministic.
 */
public final class DecideScenario {
  /** The file, as the codec decodes it. */
  static final class File {
    public Spec decider;
    public JsonNode readyAtStart;
    public List<StepFields> steps;
  }

  /** A {@code DeciderSpec} as written: omitted fields keep the spec they change. */
  static final class Spec {
    public Double targetValue;
    public Double totalValue;
    public Double targetBurstCapacity;
    public Double panicThreshold;
    public Double maxScaleUpRate;
    public Double maxScaleDownRate;
    public Double activatorCapacity;
    public String stableWindow;
    public String scaleDownDelay;
    public Integer activationScale;
    public Integer initialScale;
    public Boolean reachable;
    public String scalingMetric;
  }

  /** One step as written. */
  static final class StepFields {
    public String at;
    public JsonNode ready;
    public Double stable;
    public Double panic;
    public Boolean noData;
    public Spec decider;
  }

  /** One observation. {@code ready} is {@link Decider#READY_UNKNOWN} for "error". */
  public record Step(
      Duration at, int ready, double stable, double panic, boolean noData, DeciderSpec spec) {}

  /** What the decider answered at one step. */
  public record Outcome(
      Duration at,
      int ready,
      double stable,
      double panic,
      boolean valid,
      int desiredPodCount,
      int excessBurstCapacity,
      boolean panicking) {}

  private final int readyAtStart;
  private final List<Step> steps;
  private final ScalingMetric metric;

  private DecideScenario(int readyAtStart, List<Step> steps, ScalingMetric metric) {
    this.readyAtStart = readyAtStart;
    this.steps = steps;
    this.metric = metric;
  }

  /** The steps, with the spec in force at each. */
  public List<Step> steps() {
    return steps;
  }

  /** The scaling metric of the initial spec (names the observed values in output). */
  public ScalingMetric metric() {
    return metric;
  }

  /**
   * Parses a scenario from YAML (or JSON) text.
   *
   * @throws ValidationException naming every bad key
   */
  public static DecideScenario parse(String yaml) {
    JsonNode root;
    try {
      root = ResourceCodec.yaml().readTree(yaml);
    } catch (IOException e) {
      throw new ValidationException(
          new FieldError("", "not valid YAML: " + e.getMessage().lines().findFirst().orElse("")));
    }
    if (root == null || !root.isObject()) {
      throw new ValidationException(
          new FieldError("", "expected a mapping with decider, readyAtStart and steps"));
    }
    List<FieldError> errors = new ArrayList<>();
    File file = ResourceCodec.decode(root, File.class, errors);
    if (file == null) {
      throw new ValidationException(errors);
    }
    DeciderSpec spec = defaults();
    if (file.decider == null) {
      errors.add(FieldError.missing("decider"));
    } else {
      spec = spec(file.decider, "decider", spec, true, errors);
    }
    int readyAtStart =
        file.readyAtStart == null ? 0 : ready(file.readyAtStart, "readyAtStart", errors);
    List<Step> steps = new ArrayList<>();
    if (file.steps == null || file.steps.isEmpty()) {
      errors.add(
          file.steps == null
              ? FieldError.missing("steps")
              : FieldError.invalid("steps", "[]", "a non-empty list of steps"));
    } else {
      Duration previous = null;
      DeciderSpec current = spec;
      for (int i = 0; i < file.steps.size(); i++) {
        String path = "steps[" + i + "]";
        StepFields s = file.steps.get(i);
        if (s == null) {
          errors.add(FieldError.missing(path));
          continue;
        }
        Duration at = Duration.ZERO;
        if (s.at == null) {
          errors.add(FieldError.missing(path + ".at"));
        } else {
          at = duration(s.at, path + ".at", errors);
          if (previous != null && at.compareTo(previous) < 0) {
            errors.add(
                FieldError.invalid(
                    path + ".at",
                    s.at,
                    ">= the previous step's at (" + Durations.format(previous) + ")"));
          }
          previous = at;
        }
        if (s.decider != null) {
          current = spec(s.decider, path + ".decider", current, false, errors);
        }
        int ready = 0;
        if (s.ready == null) {
          errors.add(FieldError.missing(path + ".ready"));
        } else {
          ready = ready(s.ready, path + ".ready", errors);
        }
        boolean noData = Boolean.TRUE.equals(s.noData);
        double stable = noData ? 0 : observed(s.stable, path + ".stable", errors);
        double panic = noData ? 0 : observed(s.panic, path + ".panic", errors);
        steps.add(new Step(at, ready, stable, panic, noData, current));
      }
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return new DecideScenario(readyAtStart, List.copyOf(steps), spec.scalingMetric());
  }

  /**
   * Runs the scenario: creates the decider at the first step's time with {@code readyAtStart}, then
   * ticks it once per step.
   */
  public List<Outcome> run() {
    Decider decider = new Decider(steps.get(0).spec(), readyAtStart, instant(steps.get(0).at()));
    List<Outcome> out = new ArrayList<>();
    for (Step s : steps) {
      if (!s.spec().equals(decider.spec())) {
        decider.update(s.spec());
      }
      Instant now = instant(s.at());
      ScaleResult r =
          decider.scale(now, s.ready(), s.noData() ? null : new Observed(s.stable(), s.panic()));
      out.add(
          new Outcome(
              s.at(),
              s.ready(),
              s.stable(),
              s.panic(),
              r.valid(),
              r.desiredPodCount(),
              r.excessBurstCapacity(),
              decider.panicking()));
    }
    return out;
  }

  private static Instant instant(Duration at) {
    return Instant.EPOCH.plus(at);
  }

  /** Knative's defaults: target 70 of total 100, TBC 211, rates 1000/2, threshold 2, 60 s. */
  static DeciderSpec defaults() {
    return new DeciderSpec(
        70,
        100,
        211,
        2.0,
        1000,
        2,
        100,
        Duration.ofSeconds(60),
        Duration.ofSeconds(6),
        Duration.ZERO,
        0,
        1,
        true,
        ScalingMetric.CONCURRENCY,
        false);
  }

  /** {@code base} with the fields {@code n} sets, each checked. */
  private static DeciderSpec spec(
      Spec n, String path, DeciderSpec base, boolean initial, List<FieldError> errors) {
    Checks c = new Checks(path, errors);
    double target =
        c.number("targetValue", n.targetValue, base.targetValue(), TARGET_MIN, ">= 0.01");
    // a new spec that sets only the target gets Knative's default utilization of 70 %
    double defaultTotal =
        initial && n.targetValue != null && n.totalValue == null ? target / 0.7 : base.totalValue();
    double total = c.number("totalValue", n.totalValue, defaultTotal, 0, ">= 0");
    double tbc =
        c.number(
            "targetBurstCapacity",
            n.targetBurstCapacity,
            base.targetBurstCapacity(),
            -1,
            "0, > 0 or -1");
    if (tbc < 0 && tbc != -1) {
      errors.add(FieldError.invalid(path + ".targetBurstCapacity", num(tbc), "0, > 0 or -1"));
    }
    double threshold =
        c.number(
            "panicThreshold",
            n.panicThreshold,
            base.panicThreshold(),
            0,
            ">= 0 (a ratio: 2.0 = 200%)");
    double up = c.above("maxScaleUpRate", n.maxScaleUpRate, base.maxScaleUpRate(), 1);
    double down = c.above("maxScaleDownRate", n.maxScaleDownRate, base.maxScaleDownRate(), 1);
    double activators =
        c.number("activatorCapacity", n.activatorCapacity, base.activatorCapacity(), 0, ">= 0");
    Duration window =
        n.stableWindow == null
            ? base.stableWindow()
            : duration(n.stableWindow, path + ".stableWindow", errors);
    Duration delay =
        n.scaleDownDelay == null
            ? base.scaleDownDelay()
            : duration(n.scaleDownDelay, path + ".scaleDownDelay", errors);
    int activation = c.count("activationScale", n.activationScale, base.activationScale());
    int initialScale = c.count("initialScale", n.initialScale, base.initialScale());
    ScalingMetric metric = base.scalingMetric();
    if (n.scalingMetric != null) {
      try {
        metric = ScalingMetric.parse(n.scalingMetric);
      } catch (IllegalArgumentException e) {
        errors.add(
            FieldError.invalid(path + ".scalingMetric", n.scalingMetric, "concurrency or rps"));
      }
    }
    return new DeciderSpec(
        target,
        total,
        tbc,
        threshold,
        up,
        down,
        activators,
        window,
        base.panicWindow(),
        delay,
        activation,
        initialScale,
        n.reachable == null ? base.reachable() : n.reachable,
        metric,
        false);
  }

  /** Range checks of one spec's fields; a bad value keeps the base's. */
  private record Checks(String path, List<FieldError> errors) {
    double number(String key, Double value, double base, double min, String expected) {
      if (value == null) {
        return base;
      }
      if (!Double.isFinite(value) || value < min) {
        errors.add(FieldError.invalid(path + "." + key, num(value), expected));
        return base;
      }
      return value;
    }

    double above(String key, Double value, double base, double bound) {
      if (value == null) {
        return base;
      }
      if (!Double.isFinite(value) || value <= bound) {
        errors.add(FieldError.invalid(path + "." + key, num(value), "> " + num(bound)));
        return base;
      }
      return value;
    }

    int count(String key, Integer value, int base) {
      if (value == null) {
        return base;
      }
      if (value < 0) {
        errors.add(FieldError.invalid(path + "." + key, value, "an integer >= 0"));
        return base;
      }
      return value;
    }
  }

  /** A number as written: {@code 0}, {@code -3}, {@code 2.5}. */
  private static Object num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? (Object) (long) v : (Object) v;
  }

  private static double observed(Double v, String path, List<FieldError> errors) {
    if (v == null) {
      errors.add(new FieldError(path, "missing required field (or set noData: true)"));
      return 0;
    }
    if (!Double.isFinite(v) || v < 0) {
      errors.add(FieldError.invalid(path, num(v), "a number >= 0"));
      return 0;
    }
    return v;
  }

  private static int ready(JsonNode v, String path, List<FieldError> errors) {
    if (v.isTextual() && v.asText().equals("error")) {
      return Decider.READY_UNKNOWN;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
      Object shown = v.isNumber() ? v.numberValue() : v.isTextual() ? v.asText() : v.toString();
      errors.add(FieldError.invalid(path, shown, "an integer >= 0 or \"error\""));
      return 0;
    }
    return v.asInt();
  }

  private static Duration duration(String v, String path, List<FieldError> errors) {
    try {
      Duration d = Durations.parse(v);
      if (d.isNegative()) {
        errors.add(FieldError.invalid(path, v, "a duration >= 0"));
        return Duration.ZERO;
      }
      return d;
    } catch (IllegalArgumentException e) {
      errors.add(FieldError.invalid(path, v, Durations.expected(v)));
      return Duration.ZERO;
    }
  }

  /** Renders outcomes as the JSON array the command prints with {@code -o json}. */
  public static String toJson(List<Outcome> outcomes) {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var array = mapper.createArrayNode();
    for (Outcome o : outcomes) {
      ObjectNode n = array.addObject();
      putSeconds(n, "at", o.at());
      n.put("valid", o.valid());
      n.put("desiredPodCount", o.desiredPodCount());
      n.put("excessBurstCapacity", o.excessBurstCapacity());
      n.put("panicking", o.panicking());
    }
    try {
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(array);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Renders outcomes as an aligned table. */
  public String toTable(List<Outcome> outcomes) {
    String unit = metric == ScalingMetric.RPS ? "rps" : "concurrency";
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "AT", "READY", "STABLE " + unit, "PANIC " + unit, "VALID", "DESIRED", "EBC", "PANICKING"
        });
    for (Outcome o : outcomes) {
      boolean noData = !o.valid() && o.ready() >= 0;
      rows.add(
          new String[] {
            Durations.format(o.at()),
            o.ready() < 0 ? "error" : String.valueOf(o.ready()),
            noData ? "-" : Tables.number(o.stable()),
            noData ? "-" : Tables.number(o.panic()),
            String.valueOf(o.valid()),
            String.valueOf(o.desiredPodCount()),
            String.valueOf(o.excessBurstCapacity()),
            o.panicking() ? "yes" : "no"
          });
    }
    return Tables.render(rows);
  }

  static void putSeconds(ObjectNode n, String key, Duration d) {
    if (d.toNanosPart() == 0) {
      n.put(key, d.getSeconds());
    } else {
      n.put(key, d.toNanos() / 1e9);
    }
  }
}
