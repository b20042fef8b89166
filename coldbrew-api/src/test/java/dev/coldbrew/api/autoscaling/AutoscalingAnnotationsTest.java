package dev.coldbrew.api.autoscaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.autoscaling.AutoscalingAnnotations.Key;
import dev.coldbrew.api.validation.FieldError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AutoscalingAnnotationsTest {
  private static final String PATH = "spec.template.metadata.annotations";
  private static final String P = "autoscaling.knative.dev/";

  private static List<String> errors(Map<String, String> annotations, AutoscalerConfig config) {
    List<FieldError> errors = new ArrayList<>();
    AutoscalingAnnotations.validate(annotations, config, PATH, errors);
    return errors.stream().map(FieldError::toString).toList();
  }

  private static List<String> errors(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i].contains("/") ? kv[i] : P + kv[i], kv[i + 1]);
    }
    return errors(m, AutoscalerConfig.defaults());
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "class|hpa.autoscaling.knative.dev|kpa.autoscaling.knative.dev",
        "class|foo.knative.dev|kpa.autoscaling.knative.dev",
        "metric|cpu|concurrency or rps",
        "target|0|>= 0.01",
        "target|ten|a number >= 0.01",
        "target-utilization-percentage|0.5|1..100",
        "targetUtilizationPercentage|101|1..100",
        "target-burst-capacity|-2|>= 0 or -1",
        "target-burst-capacity|-0.5|>= 0 or -1",
        "min-scale|-1|an integer >= 0",
        "minScale|1.5|an integer >= 0",
        "max-scale|x|an integer >= 0",
        "initial-scale|0|allow-zero-initial-scale",
        "activation-scale|1|an integer >= 2",
        "window|5s|6s..1h",
        "window|2h|6s..1h",
        "window|6500ms|whole seconds",
        "window|soon|a duration",
        "window|60|a duration with a unit, such as \"60s\"",
        "window|6.5|a duration with a unit",
        "scale-down-delay|30|a duration with a unit, such as \"30s\"",
        "scale-to-zero-pod-retention-period|90|a duration with a unit, such as \"90s\"",
        "panic-window-percentage|0|1..100",
        "panic-threshold-percentage|100|110..1000",
        "panicThresholdPercentage|1001|110..1000",
        "scale-down-delay|1500ms|whole seconds",
        "scale-down-delay|2h|0s..1h",
        "scale-to-zero-pod-retention-period|61m|0s..1h",
        "metric-aggregation-algorithm|median|linear or weighted-exponential",
      })
  void badValueNamesPathValueAndExpectation(String key, String value, String expected) {
    assertThat(errors(key, value))
        .singleElement()
        .asString()
        .startsWith(PATH + "." + P + key + ": \"" + value + "\" (expected: ")
        .contains(expected);
  }

  @Test
  void validAnnotationsPass() {
    assertThat(
            errors(
                "class", "kpa.autoscaling.knative.dev",
                "metric", "rps",
                "target", "0.01",
                "target-burst-capacity", "-1",
                "min-scale", "1",
                "max-scale", "4",
                "activation-scale", "3",
                "window", "6s",
                "panic-threshold-percentage", "110",
                "scale-down-delay", "0s",
                "metric-aggregation-algorithm", "weightedExponential",
                "serving.knative.dev/progress-deadline", "120s"))
        .isEmpty();
  }

  @Test
  void minAboveMaxIsAnError() {
    assertThat(errors("min-scale", "5", "max-scale", "3"))
        .containsExactly(PATH + "." + P + "max-scale: \"3\" (expected: >= min-scale (5) or 0)");
    assertThat(errors("min-scale", "5", "max-scale", "0")).isEmpty();
  }

  @Test
  void theConfigsMinAndMaxNeverRejectARevision() {
    // Knative compares min-scale, max-scale and activation-scale with each other only
    AutoscalerConfig explicit =
        AutoscalerConfig.fromMap("autoscaler", Map.of("max-scale", "5", "min-scale", "3"));
    assertThat(errors(Map.of(P + "min-scale", "10"), explicit)).isEmpty();
    assertThat(errors(Map.of(P + "max-scale", "2"), explicit)).isEmpty();
    assertThat(errors(Map.of(P + "activation-scale", "8"), explicit)).isEmpty();
    AutoscalerConfig local = AutoscalerConfig.fromMap("autoscaler", Map.of(), 8);
    assertThat(errors(Map.of(P + "min-scale", "50"), local)).isEmpty();
    assertThat(errors(Map.of(P + "min-scale", "50", P + "activation-scale", "60"), local))
        .isEmpty();
  }

  @Test
  void maxScaleIsKnativesUnlessOnlyThePlatformsDefaultSetsIt() {
    AutoscalerConfig local = AutoscalerConfig.fromMap("autoscaler", Map.of(), 8);
    assertThat(local.maxScale()).isEqualTo(8);
    assertThat(local.maxScaleDefaulted()).isTrue();
    assertThat(AutoscalingAnnotations.maxScale(Map.of(), local)).isEqualTo(8);
    assertThat(AutoscalingAnnotations.maxScale(Map.of(P + "min-scale", "3"), local)).isEqualTo(8);
    assertThat(AutoscalingAnnotations.maxScale(Map.of(P + "min-scale", "50"), local))
        .as("the default bound yields to min-scale")
        .isEqualTo(50);
    assertThat(AutoscalingAnnotations.maxScale(Map.of(P + "minScale", "50"), local)).isEqualTo(50);
    // an annotation's max-scale is kept as it is, 0 (unbounded) included
    assertThat(
            AutoscalingAnnotations.maxScale(
                Map.of(P + "min-scale", "50", P + "max-scale", "60"), local))
        .isEqualTo(60);
    assertThat(
            AutoscalingAnnotations.maxScale(
                Map.of(P + "min-scale", "50", P + "max-scale", "0"), local))
        .isZero();
    // so is the config's
    AutoscalerConfig explicit = AutoscalerConfig.fromMap("autoscaler", Map.of("max-scale", "5"), 8);
    assertThat(explicit.maxScaleDefaulted()).isFalse();
    assertThat(AutoscalingAnnotations.maxScale(Map.of(P + "min-scale", "50"), explicit))
        .isEqualTo(5);
    AutoscalerConfig unbounded =
        AutoscalerConfig.fromMap("autoscaler", Map.of("max-scale", "0"), 8);
    assertThat(AutoscalingAnnotations.maxScale(Map.of(P + "min-scale", "50"), unbounded)).isZero();
    // the config's own min-scale raises the default too
    AutoscalerConfig highMin = AutoscalerConfig.fromMap("autoscaler", Map.of("min-scale", "20"), 8);
    assertThat(AutoscalingAnnotations.maxScale(Map.of(), highMin)).isEqualTo(20);
    assertThat(AutoscalingAnnotations.maxScale(Map.of(), AutoscalerConfig.defaults())).isZero();
  }

  @Test
  void activationScaleMustLieWithinTheBounds() {
    assertThat(errors("activation-scale", "3", "min-scale", "4"))
        .singleElement()
        .asString()
        .startsWith(PATH + "." + P + "activation-scale: \"3\" (expected: within min-scale");
    assertThat(errors("activation-scale", "6", "max-scale", "5"))
        .singleElement()
        .asString()
        .contains("activation-scale: \"6\"");
  }

  @Test
  void initialScaleZeroIsFineWhenTheConfigAllowsIt() {
    AutoscalerConfig allow =
        AutoscalerConfig.fromMap("autoscaler", Map.of("allow-zero-initial-scale", "true"));
    assertThat(errors(Map.of(P + "initial-scale", "0"), allow)).isEmpty();
  }

  @Test
  void maxScaleLimitBoundsMaxScale() {
    AutoscalerConfig limited =
        AutoscalerConfig.fromMap("autoscaler", Map.of("max-scale-limit", "10", "max-scale", "10"));
    assertThat(errors(Map.of(P + "max-scale", "11"), limited))
        .containsExactly(PATH + "." + P + "max-scale: \"11\" (expected: 1..10)");
    assertThat(errors(Map.of(P + "max-scale", "10"), limited)).isEmpty();
  }

  @Test
  void typedReadsPreferTheCanonicalKeyOverAliases() {
    Map<String, String> a = Map.of(P + "min-scale", "2", P + "minScale", "7", P + "window", "1m");
    assertThat(AutoscalingAnnotations.integer(a, Key.MIN_SCALE)).hasValue(2);
    assertThat(AutoscalingAnnotations.integer(Map.of(P + "maxScale", "7"), Key.MAX_SCALE))
        .hasValue(7);
    assertThat(AutoscalingAnnotations.duration(a, Key.WINDOW)).hasValue(Duration.ofMinutes(1));
    assertThat(AutoscalingAnnotations.number(a, Key.TARGET)).isEmpty();
    assertThat(AutoscalingAnnotations.metric(a)).isEqualTo("concurrency");
    assertThat(
            AutoscalingAnnotations.progressDeadline(
                Map.of(AutoscalingAnnotations.PROGRESS_DEADLINE, "90s")))
        .hasValue(Duration.ofSeconds(90));
  }

  @Test
  void autoscalingAnnotationsOutsideTheTemplateAreRejected() {
    List<FieldError> errors = new ArrayList<>();
    AutoscalingAnnotations.rejectOutsideTemplate(
        Map.of(P + "min-scale", "1", "example.com/owner", "me"), "metadata.annotations", errors);
    assertThat(errors)
        .extracting(FieldError::toString)
        .containsExactly(
            "metadata.annotations.autoscaling.knative.dev/min-scale: autoscaling annotations must"
                + " be put under spec.template.metadata.annotations");
  }

  private static List<String> warnings(Map<String, String> annotations) {
    List<String> w = new ArrayList<>();
    AutoscalingAnnotations.warnings(annotations, PATH, w);
    return w;
  }

  @Test
  void anUnknownKeyIsAWarningNamingTheKeyATypoMeant() {
    assertThat(warnings(Map.of(P + "targt", "10", P + "target", "5", "example.com/x", "y")))
        .containsExactly(
            PATH
                + "."
                + P
                + "targt: unknown autoscaling annotation, it has no effect; did you mean "
                + P
                + "target?");
    assertThat(warnings(Map.of(P + "something-else-entirely", "1")))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("something-else-entirely: unknown autoscaling annotation")
        .contains("(known: class, metric, target,");
  }

  @Test
  void aKeyInTwoSpellingsIsAWarningSayingWhichIsUsed() {
    assertThat(warnings(Map.of(P + "min-scale", "2", P + "minScale", "7")))
        .containsExactly(
            PATH
                + "."
                + P
                + "min-scale: also given as "
                + P
                + "minScale; "
                + P
                + "min-scale (\"2\") is used, remove the other spelling");
    assertThat(warnings(Map.of(P + "min-scale", "2", P + "maxScale", "7"))).isEmpty();
    assertThat(warnings(null)).isEmpty();
  }
}
