package dev.coldbrew.autoscaler;

import java.time.Duration;
import java.time.Instant;

/**
 * A ring of 1-second buckets averaging a revision-wide metric over a window, exactly as Knative's
 * {@code TimedFloat64Buckets} (docs/autoscaling.md, "Windows"). A bucket holds the <em>sum</em> of
 * the values recorded in its second.
 *
 * <p>Recording at second t: a value older than {@code lastWrite − window} is dropped; if {@code t −
 * lastWrite ≥ window} all buckets are cleared and {@code firstWrite = t}; otherwise the buckets
 * between lastWrite and t are zeroed; a write before firstWrite moves firstWrite back. A running
 * total is kept. The linear average at {@code now} divides the total by the number of seconds the
 * series actually covers (so a fresh series averages only the seconds it has) and drops the
 * trailing seconds with no write. The weighted-exponential average weighs the bucket of age i by
 * {@code α(1−α)^i}, {@code α = max(1 − 0.0001^(1/windowSeconds), 0.2)}.
 *
 * <p>Not thread-safe: the owner serializes calls.
 */
public final class BucketWindow {
  private final double[] buckets;
  private final long windowSeconds;
  private final boolean weighted;
  private final double smoothing;
  private boolean written;
  private long firstWrite;
  private long lastWrite;
  private double total;

  private BucketWindow(Duration window, boolean weighted) {
    if (window.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("window: " + window + " (expected: >= 1s)");
    }
    this.windowSeconds = (long) Math.ceil(window.toNanos() / 1e9);
    this.buckets = new double[(int) windowSeconds];
    this.weighted = weighted;
    this.smoothing = Math.max(1 - Math.pow(1 - 0.9999, 1.0 / windowSeconds), 0.2);
  }

  /** The linear (arithmetic mean) window, Knative's default. */
  public static BucketWindow linear(Duration window) {
    return new BucketWindow(window, false);
  }

  /** The weighted-exponential window ({@code metric-aggregation-algorithm}). */
  public static BucketWindow weightedExponential(Duration window) {
    return new BucketWindow(window, true);
  }

  /** {@code α} of the weighted-exponential average for this window's length. */
  double smoothingCoefficient() {
    return smoothing;
  }

  /** Adds {@code value} to the bucket of the second containing {@code at}. */
  public void record(Instant at, double value) {
    long t = at.getEpochSecond();
    if (!written || t != lastWrite) {
      if (written && t + windowSeconds <= lastWrite) {
        return; // older than a window before the last write
      }
      if (!written || t > lastWrite) {
        if (!written || t - lastWrite >= windowSeconds) {
          java.util.Arrays.fill(buckets, 0);
          total = 0;
          firstWrite = t;
        } else {
          for (long i = lastWrite + 1; i <= t; i++) {
            int idx = index(i);
            total -= buckets[idx];
            buckets[idx] = 0;
          }
        }
        lastWrite = t;
        written = true;
      }
      if (t < firstWrite) {
        firstWrite = t;
      }
    }
    buckets[index(t)] += value;
    total += value;
  }

  /** The window's average at {@code now}: 0 when nothing was written within a window. */
  public double average(Instant now) {
    return weighted ? weightedAverage(now) : linearAverage(now);
  }

  /** Whether nothing has been written for more than a window before {@code now}. */
  public boolean isEmpty(Instant now) {
    return !written || now.getEpochSecond() - lastWrite > windowSeconds;
  }

  private double linearAverage(Instant now) {
    if (!written) {
      return 0;
    }
    long n = now.getEpochSecond();
    long span = lastWrite - firstWrite + 1;
    long gap = n - lastWrite;
    if (gap <= 0) {
      return round6(total / Math.min(span, windowSeconds));
    }
    if (gap < windowSeconds) {
      double sum = total;
      for (long i = lastWrite + 1; i <= n; i++) {
        sum -= buckets[index(i)];
      }
      return round6(sum / Math.min(span, windowSeconds - gap));
    }
    return 0;
  }

  private double weightedAverage(Instant now) {
    if (isEmpty(now)) {
      return 0;
    }
    long n = now.getEpochSecond();
    long count = windowSeconds;
    double multiplier = smoothing;
    if (n > lastWrite) {
      long zeros = n - lastWrite;
      multiplier *= Math.pow(1 - smoothing, zeros);
      count -= zeros;
    }
    double sum = 0;
    for (long i = 0; i < count; i++) {
      sum += buckets[index(lastWrite - i)] * multiplier;
      multiplier *= 1 - smoothing;
    }
    return sum;
  }

  private int index(long second) {
    return (int) Math.floorMod(second, windowSeconds);
  }

  private static double round6(double v) {
    return Math.round(v * 1e6) / 1e6;
  }
}
