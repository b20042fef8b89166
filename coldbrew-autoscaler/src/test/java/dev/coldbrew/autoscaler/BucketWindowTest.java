package dev.coldbrew.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BucketWindowTest {
  private static Instant at(double seconds) {
    return Instant.EPOCH.plusMillis(Math.round(seconds * 1000));
  }

  private static BucketWindow linear(int seconds) {
    return BucketWindow.linear(Duration.ofSeconds(seconds));
  }

  /** The linear window example of docs/autoscaling.md. */
  @Test
  void aFreshLinearWindowAveragesOnlyTheSecondsItHasThenDropsOldOnes() {
    BucketWindow w = linear(5);
    w.record(at(0), 1);
    assertThat(w.average(at(0))).as("a fresh series averages only its seconds").isEqualTo(1);
    for (int t = 1; t <= 4; t++) {
      w.record(at(t), t + 1);
    }
    assertThat(w.average(at(4))).isEqualTo(3);
    assertThat(w.average(at(6))).as("(15 − 1 − 2) / 3").isEqualTo(4);
    assertThat(w.average(at(10))).isEqualTo(0);
  }

  @Test
  void valuesInTheSameSecondAreSummed() {
    BucketWindow w = linear(60);
    w.record(at(3.1), 10);
    w.record(at(3.5), 10);
    w.record(at(3.9), 10);
    assertThat(w.average(at(3.99))).isEqualTo(30);
  }

  @Test
  void partialWindowDividesBySecondsSinceFirstWrite() {
    BucketWindow w = linear(60);
    w.record(at(10), 6);
    w.record(at(12), 3);
    assertThat(w.average(at(12))).as("(6 + 0 + 3) / 3").isEqualTo(3);
  }

  @Test
  void gapsCountAsZeroAndStaleSecondsAreDropped() {
    BucketWindow w = linear(10);
    for (int t = 0; t < 10; t++) {
      w.record(at(t), 2);
    }
    w.record(at(13), 8); // 10, 11, 12 zeroed; 0..3 leave the window
    assertThat(w.average(at(13))).as("(6 × 2 + 0 + 0 + 0 + 8) / 10").isEqualTo(2);
    assertThat(w.average(at(15)))
        .as("drops seconds 14, 15 (old buckets 4, 5): (4 × 2 + 8) / min(14, 8)")
        .isEqualTo(2);
  }

  @Test
  void lateWritesLandInTheirSecondAndMoveFirstWriteBack() {
    BucketWindow w = linear(10);
    w.record(at(5), 4);
    w.record(at(3), 2); // late, within a window: first write moves back to 3
    assertThat(w.average(at(5))).as("(2 + 0 + 4) / 3").isEqualTo(2);
    w.record(at(20), 1);
    w.record(at(10), 100); // older than lastWrite − window: dropped
    assertThat(w.average(at(20))).isEqualTo(1);
  }

  @Test
  void aFullWindowWithoutWritesClearsEverything() {
    BucketWindow w = linear(5);
    w.record(at(0), 100);
    w.record(at(5), 1);
    assertThat(w.average(at(5))).as("old values cleared, fresh series").isEqualTo(1);
    assertThat(w.isEmpty(at(10))).isFalse();
    assertThat(w.isEmpty(at(11))).isTrue();
  }

  @Test
  void averageIsRoundedToSixDecimals() {
    BucketWindow w = linear(60);
    w.record(at(0), 1);
    w.record(at(1), 1);
    w.record(at(2), 0);
    assertThat(w.average(at(2))).isEqualTo(0.666667);
  }

  @Test
  void weightedExponentialSmoothingCoefficient() {
    assertThat(BucketWindow.weightedExponential(Duration.ofSeconds(60)).smoothingCoefficient())
        .isEqualTo(0.2);
    assertThat(BucketWindow.weightedExponential(Duration.ofSeconds(40)).smoothingCoefficient())
        .isCloseTo(0.20567, within(1e-5));
    assertThat(BucketWindow.weightedExponential(Duration.ofSeconds(6)).smoothingCoefficient())
        .isCloseTo(0.78456, within(1e-5));
    assertThat(BucketWindow.weightedExponential(Duration.ofSeconds(5)).smoothingCoefficient())
        .isCloseTo(0.84151, within(1e-5));
  }

  @Test
  void weightedExponentialWeighsRecentSecondsMost() {
    BucketWindow w = BucketWindow.weightedExponential(Duration.ofSeconds(5));
    for (int t = 0; t < 5; t++) {
      w.record(at(t), t + 2); // [2, 3, 4, 5, 6], newest last
    }
    double a = w.smoothingCoefficient();
    double expected = 0;
    for (int i = 0; i < 5; i++) {
      expected += (6 - i) * a * Math.pow(1 - a, i);
    }
    assertThat(w.average(at(4))).isCloseTo(expected, within(1e-12)).isCloseTo(5.812, within(1e-3));
    // Two seconds later: weights shift by two ages, the two oldest seconds leave.
    double later = 0;
    for (int i = 0; i < 3; i++) {
      later += (6 - i) * a * Math.pow(1 - a, i + 2);
    }
    assertThat(w.average(at(6))).isCloseTo(later, within(1e-12));
    assertThat(w.average(at(10))).isEqualTo(0);
  }
}
