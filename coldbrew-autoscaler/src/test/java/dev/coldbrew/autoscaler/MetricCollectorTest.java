package dev.coldbrew.autoscaler;

import static dev.coldbrew.autoscaler.SpecBuilder.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.stats.Stat;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MetricCollectorTest {
  private static final NamespacedName REV = new NamespacedName("ns", "rev");

  private static Instant at(int seconds) {
    return Instant.EPOCH.plusSeconds(seconds);
  }

  @Test
  void queueStatsCountOnlyWhatTheActivatorDidNotReport() {
    MetricCollector c = new MetricCollector(spec().build());
    c.record(new Stat(REV, 0, "i1", 5, 2, 10, 4), at(0)); // 3 own
    c.record(new Stat(REV, 0, "activator", 2, 0, 4, 0), at(0)); // the proxied 2
    assertThat(c.stableAndPanic(at(0))).isEqualTo(new Observed(5, 5));
  }

  @Test
  void stableAndPanicWindowsAverageIndependently() {
    MetricCollector c = new MetricCollector(spec().build()); // 60 s and 6 s
    for (int t = 0; t < 10; t++) {
      c.record(new Stat(REV, 0, "i1", t < 5 ? 12 : 0, 0, 0, 0), at(t));
    }
    // stable: 60 / 10 s; panic: the last 6 s hold one 12 → 12 / 6
    assertThat(c.stableAndPanic(at(9))).isEqualTo(new Observed(6, 2));
  }

  @Test
  void noDataWhenNothingWasRecordedForMoreThanAStableWindow() {
    MetricCollector c = new MetricCollector(spec().build());
    assertThat(c.stableAndPanic(at(0))).as("never written").isNull();
    c.record(new Stat(REV, 0, "i1", 1, 0, 1, 0), at(0));
    assertThat(c.stableAndPanic(at(60))).isNotNull();
    assertThat(c.stableAndPanic(at(61))).isNull();
  }

  @Test
  void withTbcMinusOneSilenceMeansZeroNotNoData() {
    MetricCollector c = new MetricCollector(spec().tbc(-1).build());
    assertThat(c.stableAndPanic(at(100))).isEqualTo(new Observed(0, 0));
  }
}
