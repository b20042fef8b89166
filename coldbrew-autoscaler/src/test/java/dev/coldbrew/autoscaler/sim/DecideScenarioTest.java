package dev.coldbrew.autoscaler.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.validation.ValidationException;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecideScenarioTest {
  @Test
  void runsStepsWithSpecUpdatesAndInvalidSteps() {
    DecideScenario s =
        DecideScenario.parse(
            """
            decider:
              targetValue: 10
              totalValue: 13.3333
              targetBurstCapacity: 100
              panicThreshold: 2.0
              maxScaleUpRate: 10
              maxScaleDownRate: 10
              activatorCapacity: 150
              stableWindow: 60s
              scaleDownDelay: 0s
              activationScale: 0
              reachable: true
              scalingMetric: concurrency
            readyAtStart: 1
            steps:
              - at: 0s
                ready: 1
                stable: 50
                panic: 50
              - at: 5s
                ready: 5
                noData: true
              - at: 30s
                ready: 10
                stable: 1
                panic: 1
                decider: {targetValue: 1, targetBurstCapacity: 71}
            """);
    List<DecideScenario.Outcome> out = s.run();
    // 0 s: ceil(50/10) = 5 ≤ ceil(10 × 1); 5/1 ≥ 2 panics; EBC floor(1 × 13.3333 − 100 − 50)
    assertThat(out.get(0).desiredPodCount()).isEqualTo(5);
    assertThat(out.get(0).excessBurstCapacity()).isEqualTo(-137);
    assertThat(out.get(0).panicking()).isTrue();
    assertThat(out.get(1).valid()).isFalse();
    assertThat(out.get(1).desiredPodCount()).isZero();
    assertThat(out.get(1).panicking()).as("state as it was").isTrue();
    // 30 s: target 1: ceil(1/1) = 1 raised to floor(10/10) = 1; still in panic (0 + 60 ≥ 30),
    // held at 5. EBC floor(10 × 13.3333 − 71 − 1) = floor(61.333) = 61.
    assertThat(out.get(2).desiredPodCount()).isEqualTo(5);
    assertThat(out.get(2).excessBurstCapacity()).isEqualTo(61);
    assertThat(DecideScenario.toJson(out))
        .contains("\"at\" : 30,")
        .contains("\"valid\" : false")
        .doesNotContain("ready");
  }

  @Test
  void badFilesNameEveryBadKey() {
    assertThatThrownBy(
            () ->
                DecideScenario.parse(
                    """
                    decider: {targetValue: -3, stableWindow: soon, colour: blue}
                    readyAtStart: many
                    steps:
                      - {at: 2s, ready: 1, stable: 1}
                      - {at: 1s, ready: x, stable: 1, panic: 1}
                    """))
        .isInstanceOf(ValidationException.class)
        .satisfies(
            e ->
                assertThat(((ValidationException) e).errors())
                    .extracting(Object::toString)
                    .containsExactlyInAnyOrder(
                        "decider.colour: unknown field",
                        "decider.targetValue: -3 (expected: >= 0.01)",
                        "decider.stableWindow: \"soon\" (expected: a duration such as 60s, 1m30s"
                            + " or 500ms)",
                        "readyAtStart: \"many\" (expected: an integer >= 0 or \"error\")",
                        "steps[0].panic: missing required field (or set noData: true)",
                        "steps[1].at: \"1s\" (expected: >= the previous step's at (2s))",
                        "steps[1].ready: \"x\" (expected: an integer >= 0 or \"error\")"));
    assertThatThrownBy(() -> DecideScenario.parse("decider: {}\n"))
        .hasMessageContaining("steps: missing required field");
  }

  @Test
  void acceptsTheSpecsKnativesDeciderTestsUse() {
    // Knative's TestAutoscalerScaleDownDelay: only target, rates, threshold and delay are set, so
    // total, TBC, activator capacity and the stable window are 0
    DecideScenario s =
        DecideScenario.parse(
            """
            decider:
              targetValue: 10
              totalValue: 0
              targetBurstCapacity: 0
              activatorCapacity: 0
              stableWindow: 0s
              panicThreshold: 100
              maxScaleUpRate: 10
              maxScaleDownRate: 10
              scaleDownDelay: 5m
            steps:
              - {at: 2s, ready: 0, stable: 40, panic: 40}
              - {at: 5m, ready: 0, stable: 0, panic: 0}
              - {at: 5m2s, ready: 0, stable: 0, panic: 0}
            """);
    assertThat(s.run())
        .extracting(DecideScenario.Outcome::desiredPodCount)
        .as("scaled down only once 4 has left the 5-minute window")
        .containsExactly(4, 4, 0);
    assertThat(s.run()).extracting(DecideScenario.Outcome::excessBurstCapacity).containsOnly(0);

    // total 0 with a TBC above 0: no spare capacity, EBC = floor(0 − 100 − 5)
    DecideScenario noTotal =
        DecideScenario.parse(
            """
            decider: {targetValue: 1, totalValue: 0, targetBurstCapacity: 100, panicThreshold: 0}
            steps: [{at: 0, ready: 3, stable: 5, panic: 5}]
            """);
    DecideScenario.Outcome o = noTotal.run().get(0);
    assertThat(o.excessBurstCapacity()).isEqualTo(-105);
    assertThat(o.panicking()).as("a threshold of 0 always panics").isTrue();
  }

  @Test
  void refusesWhatTheDecidersArithmeticCannotTake() {
    assertThatThrownBy(
            () ->
                DecideScenario.parse(
                    """
                    decider:
                      targetValue: ten
                      totalValue: -1
                      targetBurstCapacity: -2
                      panicThreshold: -1
                      maxScaleUpRate: 1
                      maxScaleDownRate: "NaN"
                      activatorCapacity: -5
                      stableWindow: -3
                      activationScale: 1.5
                      initialScale: -1
                      reachable: maybe
                      scalingMetric: cpu
                    steps: [{at: 0, ready: 1.5, stable: -1, panic: "Infinity"}]
                    """))
        .isInstanceOf(ValidationException.class)
        .satisfies(
            e ->
                assertThat(((ValidationException) e).errors())
                    .extracting(Object::toString)
                    .containsExactlyInAnyOrder(
                        "decider.targetValue: \"ten\" (expected: a number)",
                        "decider.activationScale: 1.5 (expected: an integer)",
                        "decider.reachable: \"maybe\" (expected: true or false)",
                        "decider.totalValue: -1 (expected: >= 0)",
                        "decider.targetBurstCapacity: -2 (expected: 0, > 0 or -1)",
                        "decider.panicThreshold: -1 (expected: >= 0 (a ratio: 2.0 = 200%))",
                        "decider.maxScaleUpRate: 1 (expected: > 1)",
                        "decider.maxScaleDownRate: NaN (expected: > 1)",
                        "decider.activatorCapacity: -5 (expected: >= 0)",
                        "decider.stableWindow: \"-3\" (expected: a duration with a unit, such"
                            + " as \"-3s\" (a number alone is not a duration in Knative; units: h,"
                            + " m, s, ms, us, ns))",
                        "decider.initialScale: -1 (expected: an integer >= 0)",
                        "decider.scalingMetric: \"cpu\" (expected: concurrency or rps)",
                        "steps[0].ready: 1.5 (expected: an integer >= 0 or \"error\")",
                        "steps[0].stable: -1 (expected: a number >= 0)",
                        "steps[0].panic: Infinity (expected: a number >= 0)"));
    assertThatThrownBy(() -> DecideScenario.parse("- not a mapping\n"))
        .hasMessage("expected a mapping with decider, readyAtStart and steps");
    assertThatThrownBy(() -> DecideScenario.parse("decider: {\n"))
        .hasMessageStartingWith("not valid YAML");
    assertThatThrownBy(() -> DecideScenario.parse("decider: {}\nsteps: []\n"))
        .hasMessage("steps: \"[]\" (expected: a non-empty list of steps)");
  }
}
