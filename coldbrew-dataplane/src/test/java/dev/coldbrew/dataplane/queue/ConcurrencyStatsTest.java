package dev.coldbrew.dataplane.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ConcurrencyStatsTest {
  private static final long MS = 1_000_000L;

  @Test
  void averagesConcurrencyWeightedByTime() {
    ConcurrencyStats stats = new ConcurrencyStats(0);
    stats.requestIn(0, false); // 1 for 500 ms
    stats.requestIn(500 * MS, false); // 2 for 250 ms
    stats.requestOut(750 * MS, false); // 1 for 250 ms
    ConcurrencyStats.Report r = stats.report(1000 * MS);
    assertThat(r.averageConcurrency()).isCloseTo((0.5 + 0.5 + 0.25), within(1e-9));
    assertThat(r.requestCount()).isEqualTo(2);
  }

  @Test
  void nextPeriodStartsFromCurrentConcurrencyWithFreshCounts() {
    ConcurrencyStats stats = new ConcurrencyStats(0);
    stats.requestIn(0, true);
    stats.report(1000 * MS);
    stats.requestOut(1250 * MS, true);
    ConcurrencyStats.Report r = stats.report(2000 * MS);
    assertThat(r.averageConcurrency()).isCloseTo(0.25, within(1e-9));
    assertThat(r.averageProxiedConcurrency()).isCloseTo(0.25, within(1e-9));
    assertThat(r.requestCount()).isZero();
  }

  @Test
  void countsProxiedRequestsSeparately() {
    ConcurrencyStats stats = new ConcurrencyStats(0);
    stats.requestIn(0, true);
    stats.requestIn(0, false);
    ConcurrencyStats.Report r = stats.report(1000 * MS);
    assertThat(r.averageConcurrency()).isCloseTo(2, within(1e-9));
    assertThat(r.averageProxiedConcurrency()).isCloseTo(1, within(1e-9));
    assertThat(r.requestCount()).isEqualTo(2);
    assertThat(r.proxiedRequestCount()).isEqualTo(1);
  }
}
