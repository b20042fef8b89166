package dev.coldbrew.autoscaler.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.coldbrew.api.codec.Durations;
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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code coldbrew autoscaler decide} scenario: a Knative {@code DeciderSpec}, the ready count at
 * creation, and timed observations, each of which ticks the {@link Decider} once. Parsing reports
 * every bad key with its path, value and what is expected. Immutable once parsed.
 *
 * <p>Time {@code at} is an offset from Unix time 0, so 2-second slots (scale-down delay) are
 * deterministic.
 */
public final class DecideScenario {
  private static final Set<String> TOP = Set.of("decider", "readyAtStart", "steps");
  private static final Set<String> STEP =
      Set.of("at", "ready", "stable", "panic", "noData", "decider");
  private static final Set<String> SPEC =
      Set.of(
          "targetValue",
          "totalValue",
          "targetBurstCapacity",
          "panicThreshold",
          "maxScaleUpRate",
          "maxScaleDownRate",
          "activatorCapacity",
          "stableWindow",
          "scaleDownDelay",
          "activationScale",
          "initialScale",
          "reachable",
          "scalingMetric");

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
      root = new YAMLMapper().readTree(yaml);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ValidationException(
          new FieldError("", "not valid YAML: " + e.getOriginalMessage()));
    }
    List<FieldError> errors = new ArrayList<>();
    if (root == null || !root.isObject()) {
      throw new ValidationException(
          new FieldError("", "expected a mapping with decider, readyAtStart and steps"));
    }
    unknownKeys(root, "", TOP, errors);
    JsonNode deciderNode = root.get("decider");
    DeciderSpec spec = defaults();
    if (deciderNode == null) {
      errors.add(FieldError.missing("decider"));
    } else {
      spec = spec(deciderNode, "decider", spec, true, errors);
    }
    int readyAtStart = 0;
    if (root.has("readyAtStart")) {
      readyAtStart = ready(root.get("readyAtStart"), "readyAtStart", errors);
    }
    JsonNode stepsNode = root.get("steps");
    List<Step> steps = new ArrayList<>();
    if (stepsNode == null || !stepsNode.isArray() || stepsNode.isEmpty()) {
      errors.add(
          stepsNode == null
              ? FieldError.missing("steps")
              : FieldError.invalid("steps", stepsNode.toString(), "a non-empty list of steps"));
    } else {
      Duration previous = null;
      DeciderSpec current = spec;
      for (int i = 0; i < stepsNode.size(); i++) {
        String path = "steps[" + i + "]";
        JsonNode s = stepsNode.get(i);
        if (!s.isObject()) {
          errors.add(FieldError.invalid(path, s.toString(), "a mapping"));
          continue;
        }
        unknownKeys(s, path + ".", STEP, errors);
        Duration at = Duration.ZERO;
        if (!s.has("at")) {
          errors.add(FieldError.missing(path + ".at"));
        } else {
          at = duration(s.get("at"), path + ".at", errors);
          if (previous != null && at.compareTo(previous) < 0) {
            errors.add(
                FieldError.invalid(
                    path + ".at",
                    text(s.get("at")),
                    ">= the previous step's at (" + Durations.format(previous) + ")"));
          }
          previous = at;
        }
        if (s.has("decider")) {
          current = spec(s.get("decider"), path + ".decider", current, false, errors);
        }
        int ready = 0;
        if (!s.has("ready")) {
          errors.add(FieldError.missing(path + ".ready"));
        } else {
          ready = ready(s.get("ready"), path + ".ready", errors);
        }
        boolean noData = s.has("noData") && bool(s.get("noData"), path + ".noData", errors);
        double stable = 0;
        double panic = 0;
        if (!noData) {
          stable = observed(s, "stable", path, errors);
          panic = observed(s, "panic", path, errors);
        }
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

  private static DeciderSpec spec(
      JsonNode n, String path, DeciderSpec base, boolean initial, List<FieldError> errors) {
    if (!n.isObject()) {
      errors.add(FieldError.invalid(path, n.toString(), "a mapping of DeciderSpec fields"));
      return base;
    }
    unknownKeys(n, path + ".", SPEC, errors);
    double target = number(n, "targetValue", path, base.targetValue(), 0.01, ">= 0.01", errors);
    double defaultTotal = initial && !n.has("totalValue") ? target / 0.7 : base.totalValue();
    if (initial && !n.has("targetValue") && !n.has("totalValue")) {
      defaultTotal = base.totalValue();
    }
    double total = number(n, "totalValue", path, defaultTotal, 0.01, ">= 0.01", errors);
    double tbc =
        number(
            n, "targetBurstCapacity", path, base.targetBurstCapacity(), -1, "0, > 0 or -1", errors);
    if (tbc < 0 && tbc != -1) {
      errors.add(FieldError.invalid(path + ".targetBurstCapacity", tbc, "0, > 0 or -1"));
    }
    double threshold =
        number(
            n,
            "panicThreshold",
            path,
            base.panicThreshold(),
            1e-9,
            "> 0 (a ratio: 2.0 = 200%)",
            errors);
    double up =
        number(n, "maxScaleUpRate", path, base.maxScaleUpRate(), Math.nextUp(1.0), "> 1", errors);
    double down =
        number(
            n, "maxScaleDownRate", path, base.maxScaleDownRate(), Math.nextUp(1.0), "> 1", errors);
    double activators =
        number(n, "activatorCapacity", path, base.activatorCapacity(), 1, ">= 1", errors);
    Duration window = base.stableWindow();
    if (n.has("stableWindow")) {
      int before = errors.size();
      window = duration(n.get("stableWindow"), path + ".stableWindow", errors);
      if (errors.size() == before && window.compareTo(Duration.ofSeconds(1)) < 0) {
        errors.add(
            FieldError.invalid(path + ".stableWindow", text(n.get("stableWindow")), ">= 1s"));
      }
    }
    Duration delay = base.scaleDownDelay();
    if (n.has("scaleDownDelay")) {
      delay = duration(n.get("scaleDownDelay"), path + ".scaleDownDelay", errors);
    }
    int activation = integer(n, "activationScale", path, base.activationScale(), errors);
    int initialScale = integer(n, "initialScale", path, base.initialScale(), errors);
    boolean reachable =
        n.has("reachable")
            ? bool(n.get("reachable"), path + ".reachable", errors)
            : base.reachable();
    ScalingMetric metric = base.scalingMetric();
    if (n.has("scalingMetric")) {
      try {
        metric = ScalingMetric.parse(text(n.get("scalingMetric")));
      } catch (IllegalArgumentException e) {
        errors.add(
            FieldError.invalid(
                path + ".scalingMetric", text(n.get("scalingMetric")), "concurrency or rps"));
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
        reachable,
        metric,
        false);
  }

  private static void unknownKeys(
      JsonNode n, String prefix, Set<String> known, List<FieldError> errors) {
    for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
      String k = it.next().getKey();
      if (!known.contains(k)) {
        errors.add(
            new FieldError(
                prefix + k,
                "unknown field (expected one of: " + String.join(", ", sorted(known)) + ")"));
      }
    }
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }

  private static String text(JsonNode n) {
    return n.isTextual() ? n.asText() : n.toString();
  }

  /** A value as it appears in an error: strings quoted, numbers and booleans bare. */
  private static Object value(JsonNode n) {
    return n.isNumber() ? n.numberValue() : n.isBoolean() ? n.asBoolean() : text(n);
  }

  private static double observed(JsonNode s, String key, String path, List<FieldError> errors) {
    if (!s.has(key)) {
      errors.add(new FieldError(path + "." + key, "missing required field (or set noData: true)"));
      return 0;
    }
    JsonNode v = s.get(key);
    if (!v.isNumber() || v.asDouble() < 0) {
      errors.add(FieldError.invalid(path + "." + key, value(v), "a number >= 0"));
      return 0;
    }
    return v.asDouble();
  }

  private static double number(
      JsonNode n,
      String key,
      String path,
      double dflt,
      double min,
      String expected,
      List<FieldError> errors) {
    if (!n.has(key)) {
      return dflt;
    }
    JsonNode v = n.get(key);
    if (!v.isNumber() || v.asDouble() < min) {
      errors.add(FieldError.invalid(path + "." + key, value(v), expected));
      return dflt;
    }
    return v.asDouble();
  }

  private static int integer(
      JsonNode n, String key, String path, int dflt, List<FieldError> errors) {
    if (!n.has(key)) {
      return dflt;
    }
    JsonNode v = n.get(key);
    if (!v.isIntegralNumber() || v.asInt() < 0) {
      errors.add(FieldError.invalid(path + "." + key, value(v), "an integer >= 0"));
      return dflt;
    }
    return v.asInt();
  }

  private static boolean bool(JsonNode v, String path, List<FieldError> errors) {
    if (!v.isBoolean()) {
      errors.add(FieldError.invalid(path, value(v), "true or false"));
      return false;
    }
    return v.asBoolean();
  }

  private static int ready(JsonNode v, String path, List<FieldError> errors) {
    if (v.isTextual() && v.asText().equals("error")) {
      return Decider.READY_UNKNOWN;
    }
    if (!v.isIntegralNumber() || v.asInt() < 0) {
      errors.add(FieldError.invalid(path, value(v), "an integer >= 0 or \"error\""));
      return 0;
    }
    return v.asInt();
  }

  private static Duration duration(JsonNode v, String path, List<FieldError> errors) {
    try {
      if (v.isNumber()) {
        if (v.asDouble() < 0) {
          throw new IllegalArgumentException();
        }
        return Duration.ofNanos(Math.round(v.asDouble() * 1e9));
      }
      return Durations.parse(v.asText());
    } catch (IllegalArgumentException e) {
      errors.add(
          FieldError.invalid(path, value(v), "a duration such as 60s, 1m, 500ms, or seconds"));
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
