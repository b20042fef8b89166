package dev.coldbrew.runtime.local;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's worker threads ({@code coldbrew-runtime-N}): launches, every probe attempt, restart
 * and kill timers, handling a run's exit. A task that throws is logged, not lost in a future nobody
 * reads. Once shut down, new work is dropped ({@link #execute}, {@link #schedule} and {@link
 * #every} return null), or run on the caller's thread ({@link #executeOrRun}) where dropping it
 * would leave an instance unfinished. Thread-safe.
 */
final class RuntimeScheduler {
  private static final Logger log = LoggerFactory.getLogger(RuntimeScheduler.class);

  private final ScheduledThreadPoolExecutor executor;

  RuntimeScheduler(int threads) {
    executor = new ScheduledThreadPoolExecutor(threads, daemonThreads("coldbrew-runtime"));
    executor.setRemoveOnCancelPolicy(true);
  }

  void execute(Runnable r) {
    try {
      executor.execute(guarded(r));
    } catch (RejectedExecutionException e) {
      // shut down
    }
  }

  void executeOrRun(Runnable r) {
    try {
      executor.execute(guarded(r));
    } catch (RejectedExecutionException e) {
      r.run();
    }
  }

  /** Runs {@code r} once after the delay; null if shut down. */
  ScheduledFuture<?> schedule(Runnable r, long delayNanos) {
    try {
      return executor.schedule(guarded(r), delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  /** Runs {@code r} after {@code initialNanos}, then {@code periodNanos} after each run ends. */
  ScheduledFuture<?> every(Runnable r, long initialNanos, long periodNanos) {
    try {
      return executor.scheduleWithFixedDelay(
          guarded(r), initialNanos, periodNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  void shutdownNow() {
    executor.shutdownNow();
  }

  static ThreadFactory daemonThreads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static Runnable guarded(Runnable r) {
    return () -> {
      try {
        r.run();
      } catch (Throwable t) {
        log.error("runtime task failed", t);
        throw t;
      }
    };
  }
}
