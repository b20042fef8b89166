package dev.coldbrew.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeciderSpecTest {
  private static final AutoscalerConfig DEFAULTS = AutoscalerConfig.defaults();
  private static final String P = "autoscaling.knative.dev/";

  @Test
  void targetAndTotalFromContainerConcurrencyAndMetric() {
    DeciderSpec cc0 = DeciderSpec.from(DEFAULTS, Map.of(), 0, true);
    assertThat(cc0.targetValue()).isCloseTo(70, within(1e-9));
    assertThat(cc0.totalValue()).isEqualTo(100);
    DeciderSpec cc10 = DeciderSpec.from(DEFAULTS, Map.of(), 10, true);
    assertThat(cc10.targetValue()).isCloseTo(7, within(1e-9));
    assertThat(cc10.totalValue()).isEqualTo(10);
    DeciderSpec rps = DeciderSpec.from(DEFAULTS, Map.of(P + "metric", "rps"), 10, true);
    assertThat(rps.targetValue()).isCloseTo(140, within(1e-9));
    assertThat(rps.totalValue()).isEqualTo(200);
    assertThat(rps.scalingMetric()).isEqualTo(ScalingMetric.RPS);
  }

  @Test
  void targetAnnotationIsCappedByContainerConcurrencyForConcurrencyOnly() {
    assertThat(DeciderSpec.from(DEFAULTS, Map.of(P + "target", "50"), 10, true).totalValue())
        .isEqualTo(10);
    assertThat(DeciderSpec.from(DEFAULTS, Map.of(P + "target", "5"), 10, true).targetValue())
        .isCloseTo(3.5, within(1e-9));
    DeciderSpec rps =
        DeciderSpec.from(DEFAULTS, Map.of(P + "target", "50", P + "metric", "rps"), 10, true);
    assertThat(rps.totalValue()).isEqualTo(50);
  }

  @Test
  void utilizationAnnotationAndTheTargetFloor() {
    DeciderSpec s =
        DeciderSpec.from(DEFAULTS, Map.of(P + "targetUtilizationPercentage", "50"), 0, true);
    assertThat(s.targetValue()).isCloseTo(50, within(1e-9));
    DeciderSpec tiny =
        DeciderSpec.from(
            DEFAULTS,
            Map.of(P + "target", "0.01", P + "target-utilization-percentage", "1"),
            0,
            true);
    assertThat(tiny.targetValue()).as("max(0.01, 0.0001)").isEqualTo(0.01);
  }

  @Test
  void panicWindowIsAPercentageOfTheStableWindowInWholeSeconds() {
    assertThat(DeciderSpec.from(DEFAULTS, Map.of(), 0, true).panicWindow())
        .isEqualTo(Duration.ofSeconds(6));
    assertThat(
            DeciderSpec.from(DEFAULTS, Map.of(P + "panic-window-percentage", "51"), 0, true)
                .panicWindow())
        .as("30.6 s rounds to 31 s")
        .isEqualTo(Duration.ofSeconds(31));
    assertThat(DeciderSpec.panicWindow(Duration.ofSeconds(6), 1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(DeciderSpec.panicWindow(Duration.ofMinutes(10), 10))
        .isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void annotationsOverrideTheConfigIncludingCamelCaseAliases() {
    DeciderSpec s =
        DeciderSpec.from(
            DEFAULTS,
            Map.of(
                P + "window", "2m",
                P + "panicThresholdPercentage", "300",
                P + "targetBurstCapacity", "-1",
                P + "scaleDownDelay", "30s",
                P + "activation-scale", "3",
                P + "initialScale", "2",
                P + "metric-aggregation-algorithm", "weighted-exponential"),
            0,
            false);
    assertThat(s.stableWindow()).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.panicWindow()).isEqualTo(Duration.ofSeconds(12));
    assertThat(s.panicThreshold()).isEqualTo(3.0);
    assertThat(s.targetBurstCapacity()).isEqualTo(-1);
    assertThat(s.scaleDownDelay()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.activationScale()).isEqualTo(3);
    assertThat(s.initialScale()).isEqualTo(2);
    assertThat(s.weightedExponential()).isTrue();
    assertThat(s.reachable()).isFalse();
  }

  @Test
  void initialScaleZeroIsIgnoredUnlessAllowed() {
    assertThat(DeciderSpec.initialScale(DEFAULTS, Map.of(P + "initial-scale", "0"))).isEqualTo(1);
    AutoscalerConfig allow =
        AutoscalerConfig.fromMap("autoscaler", Map.of("allow-zero-initial-scale", "true"));
    assertThat(DeciderSpec.initialScale(allow, Map.of(P + "initial-scale", "0"))).isZero();
  }
}
