package dev.coldbrew.controller;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A keyed work queue with client-go's semantics: a key waiting to be processed is queued once
 * however often it is added (de-duplication); a key being processed is not handed to a second
 * worker, and if it is added meanwhile it is processed again after {@link #done}. Failed keys come
 * back after an exponential backoff per key. Delayed adds of one key coalesce into the earliest: an
 * add due later than one already waiting is dropped, one due earlier replaces it (the earlier one
 * runs the key, whose reconcile asks again for what it still needs). Public so an engine's own
 * loops (the Kubernetes runtime's Deployment writes) queue their work the same way. Thread-safe.
 */
public final class WorkQueue<K> {
  private final ArrayDeque<K> queue = new ArrayDeque<>();
  private final Set<K> dirty = new HashSet<>();
  private final Set<K> processing = new HashSet<>();
  private final Map<K, Integer> failures = new HashMap<>();
  private final Map<K, Long> delayedUntil = new HashMap<>(); // nanoTime of each key's next timer
  private final ScheduledExecutorService timer;
  private final Duration baseDelay;
  private final Duration maxDelay;
  private boolean shutdown;

  /**
   * @param timer runs the delayed adds
   * @param baseDelay the first backoff after a failure, doubled by each further one
   * @param maxDelay the longest backoff
   */
  public WorkQueue(ScheduledExecutorService timer, Duration baseDelay, Duration maxDelay) {
    this.timer = timer;
    this.baseDelay = baseDelay;
    this.maxDelay = maxDelay;
  }

  /** Queues the key unless it is already waiting. */
  public synchronized void add(K key) {
    if (shutdown || !dirty.add(key)) {
      return;
    }
    if (!processing.contains(key)) {
      queue.add(key);
      notify();
    }
  }

  /** Adds the key after a delay, unless a delayed add of it is due no later than that. */
  public void addAfter(K key, Duration delay) {
    if (delay.isZero() || delay.isNegative()) {
      add(key);
      return;
    }
    long due = System.nanoTime() + delay.toNanos();
    synchronized (this) {
      Long waiting = delayedUntil.get(key);
      if (shutdown || (waiting != null && waiting - due <= 0)) {
        return;
      }
      delayedUntil.put(key, due);
    }
    timer.schedule(
        () -> {
          synchronized (this) {
            if (!delayedUntil.remove(key, due)) {
              return; // an earlier add replaced this one, and ran the key
            }
          }
          add(key);
        },
        delay.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  /** Adds the key after its backoff: base × 2^(failures − 1), at most the maximum. */
  public void addRateLimited(K key) {
    int n;
    synchronized (this) {
      n = failures.merge(key, 1, Integer::sum);
    }
    long nanos = baseDelay.toNanos() << Math.min(n - 1, 30);
    addAfter(
        key, Duration.ofNanos(Math.min(nanos <= 0 ? Long.MAX_VALUE : nanos, maxDelay.toNanos())));
  }

  /** Clears the key's failure count after a success. */
  public synchronized void forget(K key) {
    failures.remove(key);
  }

  /** Waits for a key; null once shut down. */
  public synchronized K take() throws InterruptedException {
    while (queue.isEmpty() && !shutdown) {
      wait();
    }
    if (shutdown) {
      return null;
    }
    K key = queue.poll();
    processing.add(key);
    dirty.remove(key);
    return key;
  }

  /** Marks the key processed; re-queues it if it was added meanwhile. */
  public synchronized void done(K key) {
    processing.remove(key);
    if (dirty.contains(key)) {
      queue.add(key);
      notify();
    }
  }

  public synchronized int length() {
    return queue.size();
  }

  public synchronized void shutdown() {
    shutdown = true;
    notifyAll();
  }
}
