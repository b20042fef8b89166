package dev.coldbrew.dataplane;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Warnings about what clients send: a hostile client can cause one per request, so at most one WARN
 * line per period (saying how many were left out since), each in words; the exception itself goes
 * to DEBUG. Thread-safe: event loops call it concurrently, lock-free.
 */
final class RateLimitedLog {
  private final Logger log;
  private final long periodNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong next;
  private final AtomicLong suppressed = new AtomicLong();

  RateLimitedLog(Logger log, long periodNanos, LongSupplier nanoTime) {
    this.log = log;
    this.periodNanos = periodNanos;
    this.nanoTime = nanoTime;
    this.next = new AtomicLong(nanoTime.getAsLong());
  }

  /** One line at WARN unless one was written less than a period ago; {@code cause} at DEBUG. */
  void warn(String what, Throwable cause) {
    warn(() -> what, cause);
  }

  /**
   * Likewise, with the line made only when it is written: a flood of refusals costs a counter
   * increment each, not a string.
   */
  void warn(Supplier<String> what, Throwable cause) {
    String line = null;
    if (log.isDebugEnabled()) {
      line = what.get();
      log.debug(line, cause);
    }
    long now = nanoTime.getAsLong();
    long due = next.get();
    if (now - due >= 0 && next.compareAndSet(due, now + periodNanos)) {
      long left = suppressed.getAndSet(0);
      log.warn(
          "{}{} (details at DEBUG)",
          line != null ? line : what.get(),
          left == 0 ? "" : "; " + left + " more like it since the last warning");
    } else {
      suppressed.incrementAndGet();
    }
  }
}
