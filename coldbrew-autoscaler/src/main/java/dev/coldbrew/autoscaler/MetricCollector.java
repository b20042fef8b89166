package dev.coldbrew.autoscaler;

import dev.coldbrew.api.stats.Stat;
import java.time.Duration;
import java.time.Instant;

/**
 * Knative's per-revision metric collection: four {@link BucketWindow}s (stable and panic, for
 * concurrency and for requests per second) fed with {@link Stat} reports. A queue's report counts
 * {@code average − proxied} concurrency and {@code count − proxied} requests, because the activator
 * reports the proxied ones itself. Not thread-safe: the owner serializes calls.
 */
public final class MetricCollector {
  private final ScalingMetric metric;
  private final boolean scraped;
  private final BucketWindow stableConcurrency;
  private final BucketWindow panicConcurrency;
  private final BucketWindow stableRps;
  private final BucketWindow panicRps;

  /**
   * Creates the windows for a spec's metric, windows and aggregation algorithm. With {@code
   * targetBurstCapacity == -1} Knative does not scrape the instances (only the activator reports),
   * so a silent window is not "no data" but zero.
   */
  public MetricCollector(DeciderSpec spec) {
    this.metric = spec.scalingMetric();
    this.scraped = spec.targetBurstCapacity() != -1;
    this.stableConcurrency = window(spec.stableWindow(), spec.weightedExponential());
    this.panicConcurrency = window(spec.panicWindow(), spec.weightedExponential());
    this.stableRps = window(spec.stableWindow(), spec.weightedExponential());
    this.panicRps = window(spec.panicWindow(), spec.weightedExponential());
  }

  private static BucketWindow window(Duration d, boolean weighted) {
    return weighted ? BucketWindow.weightedExponential(d) : BucketWindow.linear(d);
  }

  /** Records a report in the second containing {@code now} (when the autoscaler received it). */
  public void record(Stat stat, Instant now) {
    double concurrency = stat.averageConcurrentRequests() - stat.averageProxiedConcurrentRequests();
    double rps = stat.requestCount() - stat.proxiedRequestCount();
    stableConcurrency.record(now, concurrency);
    panicConcurrency.record(now, concurrency);
    stableRps.record(now, rps);
    panicRps.record(now, rps);
  }

  /**
   * The observed stable and panic values of the configured metric at {@code now}, or null ("no
   * data": the decision is invalid) when the stable window has had no write for more than a window
   * and the instances are scraped (TBC ≠ -1).
   */
  public Observed stableAndPanic(Instant now) {
    BucketWindow stable = metric == ScalingMetric.RPS ? stableRps : stableConcurrency;
    BucketWindow panic = metric == ScalingMetric.RPS ? panicRps : panicConcurrency;
    if (scraped && stable.isEmpty(now)) {
      return null;
    }
    return new Observed(stable.average(now), panic.average(now));
  }
}
