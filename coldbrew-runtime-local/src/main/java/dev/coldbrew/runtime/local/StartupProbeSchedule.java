package dev.coldbrew.runtime.local;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * When to probe a starting instance next. The gap between "the app can answer" and "it is in the
 * ready set" is cold-start latency a user waits for, so a new run is probed right away, then after
 * {@code startupProbeInitialInterval} (200 µs), doubling up to {@code startupProbeMaxInterval} (1
 * ms) — a request waiting on a cold start is sent within about a millisecond of the app listening.
 * Two rules keep that cheap, since an attempt costs ~100 µs of CPU on a small VM (the refused
 * connect ~30 µs, waking the thread after its wait the rest): with n instances starting at once the
 * cap is n times larger, up to 20 ms (the attempts share a budget of about a thousand a second);
 * and until 3/4 of the revision's previous start time (launch to ready) has passed, attempts are at
 * most 20 ms apart and the doubling does not start. Where the app is expected to listen — within
 * {@link #DENSE_HALF_MAX_NANOS} (1 ms, at most a quarter of the previous start) either side of the
 * previous start time — attempts are the initial interval apart (times the instances starting,
 * within the cap), and the doubling starts again after that: an app that starts as fast as before
 * is seen within about 200 µs instead of a millisecond, for some ten attempts. The stretch is kept
 * that short because most of an app's start is spent before or after it for any app whose start
 * varies by more than a millisecond, and every attempt there would cost CPU for no gain.
 *
 * <p>Immutable and thread-safe; a pure function of its inputs, so it is tested without a clock.
 */
final class StartupProbeSchedule {
  /** The largest gap between two startup attempts, however many instances start. */
  static final long CAP_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /** How far either side of the previous start time attempts are dense, at most. */
  static final long DENSE_HALF_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /**
   * The next attempt: in {@code delayNanos}; {@code base} is what to pass as {@code previous} after
   * it fails (0 while the quiet period lasts, so the doubling starts from the initial interval).
   */
  record Step(long delayNanos, long base) {}

  private final long initialNanos;
  private final long maxNanos;

  StartupProbeSchedule(Duration initialInterval, Duration maxInterval) {
    this.initialNanos = initialInterval.toNanos();
    this.maxNanos = maxInterval.toNanos();
  }

  static StartupProbeSchedule of(LocalRuntimeOptions o) {
    return new StartupProbeSchedule(o.startupProbeInitialInterval(), o.startupProbeMaxInterval());
  }

  /**
   * After a failed attempt.
   *
   * @param previous the {@link Step#base} of the attempt that failed; 0 after the first attempt
   * @param lastStartNanos how long the revision's last instance to become ready took from launch,
   *     or a negative value if none has yet
   * @param sinceLaunchNanos how long ago this run was launched
   * @param starting how many instances of the whole runtime are starting now
   */
  Step next(long previous, long lastStartNanos, long sinceLaunchNanos, int starting) {
    long next = previous == 0 ? initialNanos : Math.min(previous * 2, cap(starting));
    if (lastStartNanos < 0) {
      return new Step(next, next);
    }
    long quiet = lastStartNanos * 3 / 4 - sinceLaunchNanos;
    if (quiet > 0) {
      return new Step(Math.min(quiet, CAP_MAX_NANOS), 0);
    }
    long half = Math.min(lastStartNanos / 4, DENSE_HALF_MAX_NANOS);
    long untilDense = lastStartNanos - half - sinceLaunchNanos;
    if (untilDense <= 0 && -untilDense < 2 * half) {
      return new Step(Math.min(initialNanos * Math.max(1, starting), cap(starting)), 0);
    }
    if (untilDense > 0 && untilDense < next) {
      return new Step(untilDense, next); // not past the start of the dense stretch
    }
    return new Step(next, next);
  }

  /**
   * The longest wait between two attempts: {@code startupProbeMaxInterval} times the number of
   * instances starting, up to {@link #CAP_MAX_NANOS} (or the interval itself if that is larger).
   */
  long cap(int starting) {
    return Math.min(maxNanos * Math.max(1, starting), Math.max(maxNanos, CAP_MAX_NANOS));
  }
}
