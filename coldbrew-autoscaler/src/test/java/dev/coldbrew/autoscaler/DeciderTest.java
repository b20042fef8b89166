package dev.coldbrew.autoscaler;

import static dev.coldbrew.autoscaler.SpecBuilder.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.stats.Stat;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeciderTest {
  private static Instant at(double seconds) {
    return Instant.EPOCH.plusMillis(Math.round(seconds * 1000));
  }

  private static ScaleResult tick(Decider d, double t, int ready, double stable, double panic) {
    return d.scale(at(t), ready, new Observed(stable, panic));
  }

  /** Desired count only, for the table tests. */
  private static int desired(Decider d, double t, int ready, double stable, double panic) {
    ScaleResult r = tick(d, t, ready, stable, panic);
    assertThat(r.valid()).isTrue();
    return r.desiredPodCount();
  }

  /** The worked example of docs/autoscaling.md: a burst panics, panic holds the max, then ends. */
  @Test
  void workedExampleBurstPanicsHoldsTheMaxAndEndsAfterTheStableWindow() {
    Decider d =
        new Decider(spec().target(7, 10).tbc(211).rates(1000, 2).threshold(2).build(), 0, at(0));

    assertThat(tick(d, 0, 0, 1, 1)).isEqualTo(new ScaleResult(1, -212, true, true));
    assertThat(d.panicking()).isFalse();

    assertThat(tick(d, 4, 1, 20, 45)).isEqualTo(new ScaleResult(7, -246, true, true));
    assertThat(d.panicking()).as("7/1 >= 2 starts panic").isTrue();

    assertThat(tick(d, 6, 7, 30, 40)).isEqualTo(new ScaleResult(7, -181, true, false));
    assertThat(d.panicking()).as("held: max stays 7").isTrue();

    assertThat(tick(d, 70, 7, 30, 10)).isEqualTo(new ScaleResult(5, -151, true, true));
    assertThat(d.panicking()).as("4 + 60 < 70 ends panic").isFalse();

    assertThat(tick(d, 72, 7, 12, 3)).isEqualTo(new ScaleResult(3, -144, true, true));
    assertThat(d.panicking()).isFalse();
  }

  @Test
  void stableModeScalesUpThenDownByAtMostHalfPerTick() {
    // target 10, threshold 10 (never panics), down rate 2.
    Decider d = new Decider(spec().target(10, 10).threshold(10).build(), 1, at(0));
    assertThat(desired(d, 0, 1, 25, 0)).isEqualTo(3); // ceil(25/10)
    assertThat(desired(d, 2, 3, 12, 0)).isEqualTo(2); // ceil(1.2) = 2 >= floor(3/2)
    assertThat(desired(d, 4, 2, 0, 0)).isEqualTo(1); // 0 clamped up to floor(2/2)
    assertThat(desired(d, 6, 1, 0, 0)).isEqualTo(0); // floor(1/2) = 0
  }

  @Test
  void scaleUpRateLimitsByReadyCountWithAtLeastOne() {
    Decider d = new Decider(spec().target(1, 1).threshold(1000).rates(2, 2).build(), 0, at(0));
    assertThat(desired(d, 0, 0, 100, 0)).as("R = max(1, 0): ceil(2 × 1)").isEqualTo(2);
    assertThat(desired(d, 2, 3, 100, 0)).as("ceil(2 × 3)").isEqualTo(6);
  }

  @Test
  void scaleDownRateLimitsByReadyCount() {
    Decider d = new Decider(spec().target(1, 1).threshold(1000).rates(1000, 2).build(), 0, at(0));
    assertThat(desired(d, 0, 9, 0, 0)).as("floor(9 / 2)").isEqualTo(4);
    assertThat(desired(d, 2, 3, 0, 0)).as("floor(3 / 2)").isEqualTo(1);
  }

  @Test
  void ratesCloseToOneStillMoveByOneInstance() {
    Decider d =
        new Decider(spec().target(1, 1).threshold(1000).rates(1.01, 1.01).build(), 0, at(0));
    assertThat(desired(d, 0, 10, 1000, 0)).as("ceil(1.01 × 10) = ceil(10.1)").isEqualTo(11);
    assertThat(desired(d, 2, 10, 0, 0)).as("floor(10 / 1.01) = floor(9.90)").isEqualTo(9);
    assertThat(desired(d, 4, 1, 0, 0)).as("floor(1 / 1.01)").isEqualTo(0);
    assertThat(desired(d, 6, 1, 1000, 0)).as("ceil(1.01)").isEqualTo(2);
  }

  @Test
  void panicEntersExtendsHoldsItsMaximumAndExitsStrictlyAfterAStableWindow() {
    Decider d = new Decider(spec().target(1, 1).tbc(0).threshold(2).build(), 1, at(0));
    assertThat(d.panicking()).isFalse();

    assertThat(desired(d, 0, 1, 1, 3)).as("3/1 >= 2: enter, max(1, 3)").isEqualTo(3);
    assertThat(d.panicking()).isTrue();

    assertThat(desired(d, 2, 3, 2, 7)).as("7/3 >= 2: extend to t=2, max(2, 7)").isEqualTo(7);

    assertThat(desired(d, 4, 7, 3, 4)).as("4/7 < 2 but 2 + 60 >= 4: hold 7").isEqualTo(7);
    assertThat(desired(d, 62, 7, 3, 4)).as("2 + 60 < 62 is false: still held").isEqualTo(7);
    assertThat(d.panicking()).isTrue();

    assertThat(desired(d, 64, 7, 3, 4)).as("2 + 60 < 64: exit, stable 3").isEqualTo(3);
    assertThat(d.panicking()).isFalse();
  }

  @Test
  void panicUsesTheUnclampedPanicCountAgainstTheThreshold() {
    // up rate 1.5 clamps panicDesired to ceil(1.5 × 2) = 3, but dppc = 10 >= 2 × 2 panics.
    Decider d = new Decider(spec().target(1, 1).rates(1.5, 2).threshold(2).build(), 0, at(0));
    assertThat(desired(d, 0, 2, 1, 10)).isEqualTo(3);
    assertThat(d.panicking()).isTrue();
  }

  @Test
  void newDeciderWithSeveralReadyStartsInPanicAndHoldsThemForAStableWindow() {
    Decider d = new Decider(spec().target(1, 1).threshold(2).build(), 5, at(0));
    assertThat(d.panicking()).isTrue();
    // stable: ceil(1/1) = 1 raised to floor(5/2) = 2, held at maxPanicPods = 5.
    assertThat(desired(d, 2, 5, 1, 1)).isEqualTo(5);
    assertThat(desired(d, 60, 5, 1, 1)).isEqualTo(5);
    assertThat(desired(d, 62, 5, 1, 1)).as("0 + 60 < 62: panic over").isEqualTo(2);
    assertThat(d.panicking()).isFalse();
  }

  @Test
  void newDeciderWithOneReadyDoesNotPanic() {
    Decider d = new Decider(spec().target(1, 1).build(), 1, at(0));
    assertThat(d.panicking()).isFalse();
    assertThat(desired(d, 2, 1, 0, 0)).isEqualTo(0);
  }

  @Test
  void activationScaleRaisesNonZeroCountsOnly() {
    Decider d =
        new Decider(spec().target(1, 1).threshold(1000).activationScale(3).build(), 0, at(0));
    assertThat(desired(d, 0, 0, 0.5, 0.5)).as("ceil(0.5) = 1 raised to 3").isEqualTo(3);
    assertThat(desired(d, 2, 3, 5, 5)).as("above the activation scale").isEqualTo(5);
    assertThat(desired(d, 4, 1, 0, 0)).as("0 stays 0").isEqualTo(0);
  }

  @Test
  void scaleDownDelayKeepsTheMaximumOfTheLastSlots() {
    // delay 4 s = 2 slots of 2 s.
    Decider d =
        new Decider(
            spec().target(1, 1).threshold(1000).delay(Duration.ofSeconds(4)).build(), 0, at(0));
    assertThat(desired(d, 0, 1, 5, 0)).isEqualTo(5);
    assertThat(desired(d, 2, 5, 1, 0)).as("slot 1 wants 2, slot 0 had 5").isEqualTo(5);
    assertThat(desired(d, 4, 5, 1, 0)).as("slot 0 left the window").isEqualTo(2);
    assertThat(desired(d, 6, 2, 1, 0)).as("slot 3 wants 1, slot 2 had 2").isEqualTo(2);
    assertThat(desired(d, 8, 2, 0, 0)).as("slots 3 and 4 want floor(2/2) = 1").isEqualTo(1);
  }

  @Test
  void scaleDownDelayIsBypassedWhenUnreachable() {
    Decider d =
        new Decider(
            spec()
                .target(1, 1)
                .threshold(1000)
                .delay(Duration.ofSeconds(4))
                .reachable(false)
                .build(),
            0,
            at(0));
    assertThat(desired(d, 0, 1, 5, 0)).isEqualTo(5);
    assertThat(desired(d, 2, 5, 0, 0)).as("unreachable: no maxDown, no delay").isEqualTo(0);
  }

  @Test
  void excessBurstCapacityForTbcZeroPositiveAndMinusOne() {
    Decider zero = new Decider(spec().target(70, 100).tbc(0).build(), 0, at(0));
    assertThat(zero.excessBurstCapacity()).isEqualTo(0);
    assertThat(tick(zero, 0, 3, 50, 50).excessBurstCapacity()).isEqualTo(0);

    Decider positive = new Decider(spec().target(70, 100).tbc(211).build(), 0, at(0));
    assertThat(positive.excessBurstCapacity()).as("initial: 1 × 100 − 211").isEqualTo(-111);
    assertThat(tick(positive, 0, 3, 50, 50.5).excessBurstCapacity())
        .as("floor(3 × 100 − 211 − 50.5)")
        .isEqualTo(38);
    assertThat(tick(positive, 2, 0, 0, 1).excessBurstCapacity())
        .as("raw ready 0: floor(0 − 211 − 1)")
        .isEqualTo(-212);

    Decider unlimited = new Decider(spec().target(70, 100).tbc(-1).build(), 0, at(0));
    assertThat(unlimited.excessBurstCapacity()).isEqualTo(-1);
    assertThat(tick(unlimited, 0, 10, 0, 0).excessBurstCapacity()).isEqualTo(-1);
  }

  @Test
  void rpsMetricScalesOnRequestsPerSecondWithTarget140() {
    DeciderSpec rps =
        DeciderSpec.from(
            AutoscalerConfig.defaults(), Map.of("autoscaling.knative.dev/metric", "rps"), 0, true);
    assertThat(rps.targetValue()).isEqualTo(140, org.assertj.core.data.Offset.offset(1e-9));
    MetricCollector c = new MetricCollector(rps);
    NamespacedName rev = new NamespacedName("ns", "r");
    // 2 in flight, 310 requests of which 10 came through the activator.
    c.record(new Stat(rev, 0, "i1", 2, 0, 310, 10), at(0));
    Observed o = c.stableAndPanic(at(0));
    assertThat(o).isEqualTo(new Observed(300, 300));
    Decider d = new Decider(rps, 1, at(0));
    assertThat(d.scale(at(0), 1, o).desiredPodCount()).as("ceil(300/140)").isEqualTo(3);
  }

  @Test
  void missingMetricsOrUncountablePodsGiveAnInvalidResultAndChangeNothing() {
    Decider d = new Decider(spec().target(1, 1).threshold(2).build(), 0, at(0));
    assertThat(desired(d, 0, 1, 1, 3)).isEqualTo(3);
    assertThat(d.panicking()).isTrue();

    assertThat(d.scale(at(2), 1, null)).isEqualTo(ScaleResult.INVALID);
    assertThat(d.scale(at(100), Decider.READY_UNKNOWN, new Observed(0, 0)))
        .isEqualTo(new ScaleResult(0, 0, false, false));
    assertThat(d.panicking()).as("an invalid tick does not end panic").isTrue();
    assertThat(d.desiredScale()).isEqualTo(3);

    assertThat(desired(d, 100, 3, 0, 0)).as("panic ends at the next valid tick").isEqualTo(1);
  }

  @Test
  void notifiesOnDesiredChangeOrEbcSignChangeOnly() {
    Decider d = new Decider(spec().target(10, 10).tbc(10).threshold(1000).build(), 0, at(0));
    assertThat(d.desiredScale()).isEqualTo(-1);
    assertThat(tick(d, 0, 1, 10, 0).notifyChange()).as("-1 → 1").isTrue(); // EBC 10-10-0 = 0
    assertThat(tick(d, 2, 1, 10, 0).notifyChange()).as("same").isFalse();
    assertThat(tick(d, 4, 1, 10, 5).notifyChange()).as("EBC 0 → -5").isTrue();
    assertThat(tick(d, 6, 1, 10, 7).notifyChange()).as("EBC -5 → -7").isFalse();
    assertThat(tick(d, 8, 2, 10, 0).notifyChange()).as("EBC -7 → 10").isTrue();
  }

  @Test
  void sameSignTreatsZeroAsPositive() {
    assertThat(Decider.sameSign(1982, 1984)).isTrue();
    assertThat(Decider.sameSign(-1984, -1988)).isTrue();
    assertThat(Decider.sameSign(-1988, 2006)).isFalse();
    assertThat(Decider.sameSign(-2006, 2009)).isFalse();
    assertThat(Decider.sameSign(0, 1)).isTrue();
    assertThat(Decider.sameSign(0, -42)).isFalse();
  }

  @Test
  void pokesOnlyWhenLastDesiredWasZeroAndLoadArrives() {
    Decider d = new Decider(spec().target(1, 1).build(), 0, at(0));
    assertThat(d.shouldPoke(0, 0)).isFalse();
    assertThat(d.shouldPoke(1, 0))
        .as("no decision yet, nothing ready: a first request need not wait for the first tick")
        .isTrue();
    assertThat(d.shouldPoke(1, 1)).as("no decision yet, an instance ready").isFalse();
    assertThat(desired(d, 0, 0, 0, 0)).isEqualTo(0);
    assertThat(d.shouldPoke(0, 0)).isFalse();
    assertThat(d.shouldPoke(1, 0)).isTrue();
    assertThat(desired(d, 0.001, 0, 1, 1)).as("the poke's tick").isEqualTo(1);
    assertThat(d.shouldPoke(1, 0)).isFalse();
  }
}
