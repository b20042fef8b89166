package dev.coldbrew.autoscaler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * The sliding maximum behind {@code scale-down-delay} (Knative's {@code max.TimeWindow}): {@code
 * ceil(delay / 2 s)} slots indexed by {@code floor(epochSeconds / 2)}, kept as a monotonic deque
 * whose values strictly decrease from front to back. Not thread-safe.
 */
final class MaxWindow {
  private static final long GRANULARITY_SECONDS = 2;

  private record Entry(int value, long index) {}

  private final long slots;
  private final ArrayDeque<Entry> deque = new ArrayDeque<>();

  MaxWindow(Duration delay) {
    this.slots = (long) Math.ceil(delay.toNanos() / (GRANULARITY_SECONDS * 1e9));
  }

  /** Records {@code value} at {@code now}. */
  void record(Instant now, int value) {
    long index = Math.floorDiv(now.getEpochSecond(), GRANULARITY_SECONDS);
    while (!deque.isEmpty() && deque.peekLast().value() <= value) {
      deque.pollLast();
    }
    while (!deque.isEmpty() && index - deque.peekFirst().index() >= slots) {
      deque.pollFirst();
    }
    if (!deque.isEmpty() && deque.peekLast().index() == index) {
      Entry last = deque.pollLast();
      value = Math.max(value, last.value());
    }
    deque.addLast(new Entry(value, index));
  }

  /** The maximum over the window (the front of the deque). */
  int current() {
    return deque.isEmpty() ? 0 : deque.peekFirst().value();
  }
}
