package dev.coldbrew.dataplane.activator;

import dev.coldbrew.dataplane.queue.ConcurrencyStats;

/**
 * What the activator reports for one revision (Knative's {@code ConcurrencyReporter}): the requests
 * it holds plus those it proxies, as time-weighted concurrency and arrivals per period. The first
 * request after a quiet spell is the <em>poke</em>: {@link #requestIn} returns true and the caller
 * sends concurrency 1 / count 1 at once, so a revision at zero starts scaling within a millisecond;
 * the next period's report subtracts that 1 (concurrency floored at 0) so it is not counted twice.
 * A revision is tracked from its first request until a period with zero average concurrency, after
 * which it reports nothing until the next poke.
 *
 * <p>Thread-safe; time is passed in as monotonic nanoseconds.
 */
public final class ActivatorStats {
  private final ConcurrencyStats stats;
  private boolean tracked;
  private int firstRequestAdjustment;

  public ActivatorStats(long nowNanos) {
    this.stats = new ConcurrencyStats(nowNanos);
  }

  /** A request entered the activator; true if it is the poke (send concurrency 1 now). */
  public synchronized boolean requestIn(long nowNanos) {
    stats.requestIn(nowNanos, false);
    if (tracked) {
      return false;
    }
    tracked = true;
    firstRequestAdjustment = 1;
    return true;
  }

  /** A request left the activator (answered, failed or timed out). */
  public synchronized void requestOut(long nowNanos) {
    stats.requestOut(nowNanos, false);
  }

  /** The period's report, minus the poke already sent; null when the revision is not tracked. */
  public synchronized ConcurrencyStats.Report report(long nowNanos) {
    if (!tracked) {
      return null;
    }
    ConcurrencyStats.Report r = stats.report(nowNanos);
    int adj = firstRequestAdjustment;
    firstRequestAdjustment = 0;
    if (r.averageConcurrency() == 0) {
      tracked = false;
    }
    return new ConcurrencyStats.Report(
        Math.max(r.averageConcurrency() - adj, 0), 0, Math.max(r.requestCount() - adj, 0), 0);
  }
}
