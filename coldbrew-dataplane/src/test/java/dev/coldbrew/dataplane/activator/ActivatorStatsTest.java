package dev.coldbrew.dataplane.activator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.coldbrew.dataplane.queue.ConcurrencyStats;
import org.junit.jupiter.api.Test;

class ActivatorStatsTest {
  private static final long MS = 1_000_000L;

  @Test
  void firstRequestIsThePokeAndTheNextReportSubtractsIt() {
    ActivatorStats stats = new ActivatorStats(0);
    assertThat(stats.report(0)).isNull();
    assertThat(stats.requestIn(0)).isTrue(); // poke: concurrency 1, count 1 sent at once
    assertThat(stats.requestIn(0)).isFalse();
    stats.requestOut(500 * MS);
    ConcurrencyStats.Report r = stats.report(1000 * MS);
    // 2 for 500 ms + 1 for 500 ms = 1.5, minus the poke's 1; 2 arrivals minus the poke's 1
    assertThat(r.averageConcurrency()).isCloseTo(0.5, within(1e-9));
    assertThat(r.requestCount()).isEqualTo(1);
    // the second period is reported in full
    ConcurrencyStats.Report next = stats.report(2000 * MS);
    assertThat(next.averageConcurrency()).isCloseTo(1, within(1e-9));
  }

  @Test
  void concurrencyBelowThePokeIsFlooredAtZero() {
    ActivatorStats stats = new ActivatorStats(0);
    stats.requestIn(0);
    stats.requestOut(100 * MS);
    ConcurrencyStats.Report r = stats.report(1000 * MS);
    assertThat(r.averageConcurrency()).isZero();
    assertThat(r.requestCount()).isZero();
  }

  @Test
  void aQuietPeriodStopsTrackingAndTheNextRequestPokesAgain() {
    ActivatorStats stats = new ActivatorStats(0);
    stats.requestIn(0);
    stats.requestOut(100 * MS);
    stats.report(1000 * MS);
    assertThat(stats.report(2000 * MS)).isNotNull(); // the quiet period is reported once
    assertThat(stats.report(3000 * MS)).isNull();
    assertThat(stats.requestIn(3500 * MS)).isTrue();
  }
}
