package dev.coldbrew.dataplane.queue;

import java.util.ArrayDeque;

/**
 * Knative's queue-proxy breaker for one instance: at most {@code maxConcurrency} requests in flight
 * and at most {@code queueDepth} waiting (10 × cc in Knative, so 11 × cc slots in all); beyond that
 * a request is rejected at once (the caller answers 503). A released slot goes straight to the
 * oldest waiter, so a waiter never races a newcomer.
 *
 * <p>Thread-safe: a short monitor guards the counters; waiters are called outside it, on the thread
 * that granted the slot (the caller of {@link #acquire} or {@link #release}).
 */
public final class Breaker {

  /** A request waiting for a slot. */
  public interface Waiter {
    /** The waiter holds a slot now and must {@link #release()} it when done. */
    void onGranted();
  }

  /** What {@link #acquire} did. */
  public enum Result {
    /** A slot was free: {@link Waiter#onGranted()} has already been called. */
    ACQUIRED,
    /** The waiter waits; it is granted later or removed by {@link #cancel}. */
    QUEUED,
    /** No slot and no room to wait: answer 503. */
    REJECTED
  }

  private final int maxConcurrency;
  private final int queueDepth;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private int inFlight;

  public Breaker(int maxConcurrency, int queueDepth) {
    if (maxConcurrency < 1) {
      throw new IllegalArgumentException("maxConcurrency: " + maxConcurrency + " (expected: >= 1)");
    }
    if (queueDepth < 0) {
      throw new IllegalArgumentException("queueDepth: " + queueDepth + " (expected: >= 0)");
    }
    this.maxConcurrency = maxConcurrency;
    this.queueDepth = queueDepth;
  }

  /** Takes a slot, or queues the waiter, or rejects it. */
  public Result acquire(Waiter waiter) {
    synchronized (this) {
      if (inFlight >= maxConcurrency) {
        if (waiters.size() >= queueDepth) {
          return Result.REJECTED;
        }
        waiters.add(waiter);
        return Result.QUEUED;
      }
      inFlight++;
    }
    waiter.onGranted();
    return Result.ACQUIRED;
  }

  /** Takes a slot if one is free, without waiting (Knative's {@code Reserve}). */
  public synchronized boolean tryAcquire() {
    if (inFlight >= maxConcurrency) {
      return false;
    }
    inFlight++;
    return true;
  }

  /** Gives a slot back; the oldest waiter, if any, gets it. */
  public void release() {
    Waiter next;
    synchronized (this) {
      next = waiters.poll();
      if (next == null) {
        inFlight--;
      }
    }
    if (next != null) {
      next.onGranted();
    }
  }

  /**
   * Removes a waiter that gave up (timeout, client gone). Returns false if it was not waiting: it
   * was granted already (and must release) or never queued.
   */
  public synchronized boolean cancel(Waiter waiter) {
    return waiters.remove(waiter);
  }

  /** Requests holding a slot. */
  public synchronized int inFlight() {
    return inFlight;
  }

  /** Requests waiting for a slot. */
  public synchronized int waiting() {
    return waiters.size();
  }
}
