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
                        "decider.colour: unknown field (expected one of: activationScale,"
                            + " activatorCapacity, initialScale, maxScaleDownRate, maxScaleUpRate,"
                            + " panicThreshold, reachable, scaleDownDelay, scalingMetric,"
                            + " stableWindow, targetBurstCapacity, targetValue, totalValue)",
                        "decider.targetValue: -3 (expected: >= 0.01)",
                        "decider.stableWindow: \"soon\" (expected: a duration such as 60s, 1m,"
                            + " 500ms, or seconds)",
                        "readyAtStart: \"many\" (expected: an integer >= 0 or \"error\")",
                        "steps[0].panic: missing required field (or set noData: true)",
                        "steps[1].at: \"1s\" (expected: >= the previous step's at (2s))",
                        "steps[1].ready: \"x\" (expected: an integer >= 0 or \"error\")"));
    assertThatThrownBy(() -> DecideScenario.parse("decider: {}\n"))
        .hasMessageContaining("steps: missing required field");
  }
}
