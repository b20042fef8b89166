package dev.coldbrew.dataplane.queue;

/**
 * Knative's request statistics: time-weighted average concurrency and arrivals over a reporting
 * period. On every arrival and departure the concurrency that held since the previous event is
 * integrated ({@code computed += concurrency × dt}); a report divides by the time covered ({@code ∑
 * concurrency × dt / ∑ dt}) and starts a new period. Requests that came through the activator are
 * counted a second time as <em>proxied</em>, so the autoscaler can subtract what the activator
 * reports itself.
 *
 * <p>Time is passed in as nanoseconds from any monotonic source. Thread-safe (a short monitor).
 */
public final class ConcurrencyStats {

  /** One period's numbers. */
  public record Report(
      double averageConcurrency,
      double averageProxiedConcurrency,
      long requestCount,
      long proxiedRequestCount) {}

  private long lastNanos;
  private int concurrency;
  private int proxiedConcurrency;
  private double computed;
  private double proxiedComputed;
  private long nanosInPeriod;
  private long requestCount;
  private long proxiedRequestCount;

  public ConcurrencyStats(long nowNanos) {
    this.lastNanos = nowNanos;
  }

  /** A request arrived. */
  public synchronized void requestIn(long nowNanos, boolean proxied) {
    integrate(nowNanos);
    concurrency++;
    requestCount++;
    if (proxied) {
      proxiedConcurrency++;
      proxiedRequestCount++;
    }
  }

  /** A request finished. */
  public synchronized void requestOut(long nowNanos, boolean proxied) {
    integrate(nowNanos);
    concurrency--;
    if (proxied) {
      proxiedConcurrency--;
    }
  }

  /** Requests in flight now. */
  public synchronized int concurrency() {
    return concurrency;
  }

  /** Closes the period ending now and starts the next one. */
  public synchronized Report report(long nowNanos) {
    integrate(nowNanos);
    Report report =
        nanosInPeriod > 0
            ? new Report(
                computed / nanosInPeriod,
                proxiedComputed / nanosInPeriod,
                requestCount,
                proxiedRequestCount)
            : new Report(concurrency, proxiedConcurrency, requestCount, proxiedRequestCount);
    computed = 0;
    proxiedComputed = 0;
    nanosInPeriod = 0;
    requestCount = 0;
    proxiedRequestCount = 0;
    return report;
  }

  private void integrate(long nowNanos) {
    long dt = nowNanos - lastNanos;
    if (dt > 0) {
      computed += (double) concurrency * dt;
      proxiedComputed += (double) proxiedConcurrency * dt;
      nanosInPeriod += dt;
      lastNanos = nowNanos;
    }
  }
}
