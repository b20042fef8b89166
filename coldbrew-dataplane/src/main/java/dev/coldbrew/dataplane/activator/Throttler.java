package dev.coldbrew.dataplane.activator;

import dev.coldbrew.api.runtime.Instance;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The activator's per-revision throttler (Knative's {@code revisionThrottler}). Capacity is {@code
 * cc × ready instances} when containerConcurrency cc > 0, or an open/closed gate when cc = 0 (open
 * as soon as one instance is ready). A request either gets an instance with a free slot at once
 * (chosen by the {@link LbPolicy} for cc), or waits in FIFO order, up to {@code maxHeld} waiters;
 * beyond that it is rejected (the caller answers 503 with {@code Retry-After}). Waiters are granted
 * the moment capacity appears: a released slot, or {@link #updateInstances} with new ready
 * instances — there is no polling. The wait's deadline is the caller's: it calls {@link #cancel}
 * when the revision's timeout expires.
 *
 * <p>Knative keeps a revision breaker and a breaker per pod; here one monitor guards both, so the
 * "no tracker after all" race that makes Knative re-enqueue cannot happen. Thread-safe: waiters are
 * called outside the monitor, on the thread that granted the slot.
 */
public final class Throttler {

  /** A request held by the activator. */
  public interface Waiter {
    /** The request may go to this instance; call {@link #release} with it when done. */
    void onGranted(InstanceTracker instance);
  }

  /** What {@link #acquire} did. */
  public enum Result {
    /** An instance had a free slot: {@link Waiter#onGranted} has already been called. */
    ACQUIRED,
    /** Held until capacity appears or {@link #cancel}. */
    QUEUED,
    /** The held-request bound is reached. */
    REJECTED
  }

  private static final InstanceTracker[] NONE = new InstanceTracker[0];

  private final int maxHeld;
  private final RandomGenerator random;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private int containerConcurrency;
  private LbPolicy policy;
  private InstanceTracker[] trackers = NONE;

  public Throttler(int containerConcurrency, int maxHeld, RandomGenerator random) {
    if (maxHeld < 0) {
      throw new IllegalArgumentException("maxHeld: " + maxHeld + " (expected: >= 0)");
    }
    this.maxHeld = maxHeld;
    this.random = random;
    this.containerConcurrency = checkConcurrency(containerConcurrency);
    this.policy = LbPolicy.forConcurrency(containerConcurrency, random);
  }

  /** Sends the waiter to an instance with a free slot, or holds it, or rejects it. */
  public Result acquire(Waiter waiter) {
    return acquire(waiter, null);
  }

  /**
   * {@link #acquire(Waiter)} for a request that just failed on {@code avoid} (it could not connect,
   * or the connection closed): another instance with a free slot is taken first; if none has one,
   * {@code avoid} may be (when it is the only instance, say), and otherwise the request waits or is
   * rejected like any other.
   *
   * @param avoid the instance to try last; null: none
   */
  public Result acquire(Waiter waiter, InstanceTracker avoid) {
    InstanceTracker t;
    synchronized (this) {
      t = waiters.isEmpty() ? take(avoid) : null;
      if (t == null) {
        if (waiters.size() >= maxHeld) {
          return Result.REJECTED;
        }
        waiters.add(waiter);
        return Result.QUEUED;
      }
    }
    waiter.onGranted(t);
    return Result.ACQUIRED;
  }

  /** A request sent to {@code instance} finished; its slot may go to a held request. */
  public void release(InstanceTracker instance) {
    Waiter w;
    InstanceTracker t;
    synchronized (this) {
      instance.inFlight--;
      if (waiters.isEmpty() || (t = take(null)) == null) {
        return;
      }
      w = waiters.poll();
    }
    w.onGranted(t);
  }

  /** Removes a held request that gave up; false if it was not held (granted already). */
  public synchronized boolean cancel(Waiter waiter) {
    return waiters.remove(waiter);
  }

  /**
   * Replaces the ready instances (in the runtime's order); instances that stay keep their in-flight
   * counts. Held requests are granted at once, on this thread, if capacity appeared.
   */
  public void updateInstances(List<Instance> ready) {
    List<Waiter> granted = new ArrayList<>();
    List<InstanceTracker> to = new ArrayList<>();
    synchronized (this) {
      Map<String, InstanceTracker> old = new HashMap<>();
      for (InstanceTracker t : trackers) {
        old.put(t.instance().id(), t);
      }
      InstanceTracker[] next = new InstanceTracker[ready.size()];
      for (int i = 0; i < next.length; i++) {
        Instance inst = ready.get(i);
        InstanceTracker t = old.get(inst.id());
        next[i] = t != null && t.instance().equals(inst) ? t : new InstanceTracker(inst);
      }
      trackers = next;
      grantHeld(granted, to);
    }
    notifyGranted(granted, to);
  }

  /** Changes containerConcurrency (and with it the LB policy); may grant held requests. */
  public void updateConcurrency(int containerConcurrency) {
    List<Waiter> granted = new ArrayList<>();
    List<InstanceTracker> to = new ArrayList<>();
    synchronized (this) {
      if (containerConcurrency == this.containerConcurrency) {
        return;
      }
      this.containerConcurrency = checkConcurrency(containerConcurrency);
      this.policy = LbPolicy.forConcurrency(containerConcurrency, random);
      grantHeld(granted, to);
    }
    notifyGranted(granted, to);
  }

  /** Removes and returns every held request (the revision failed or went away). */
  public synchronized List<Waiter> evictAll() {
    List<Waiter> all = new ArrayList<>(waiters);
    waiters.clear();
    return all;
  }

  /** How many requests may be in flight now: cc × ready, or 0/MAX for the cc = 0 gate. */
  public synchronized int capacity() {
    if (containerConcurrency == 0) {
      return trackers.length > 0 ? Integer.MAX_VALUE : 0;
    }
    return containerConcurrency * trackers.length;
  }

  /** Requests held now. */
  public synchronized int held() {
    return waiters.size();
  }

  /** Requests sent to instances and not finished. */
  public synchronized int inFlight() {
    int sum = 0;
    for (InstanceTracker t : trackers) {
      sum += t.inFlight;
    }
    return sum;
  }

  private void grantHeld(List<Waiter> granted, List<InstanceTracker> to) {
    while (!waiters.isEmpty()) {
      InstanceTracker t = take(null);
      if (t == null) {
        return;
      }
      granted.add(waiters.poll());
      to.add(t);
    }
  }

  private static void notifyGranted(List<Waiter> granted, List<InstanceTracker> to) {
    for (int i = 0; i < granted.size(); i++) {
      granted.get(i).onGranted(to.get(i));
    }
  }

  /** Picks an instance with a free slot and takes the slot; null if none. */
  /** A slot on an instance other than {@code avoid} if one has one, else on any; or null. */
  private InstanceTracker take(InstanceTracker avoid) {
    InstanceTracker t = null;
    if (avoid != null && trackers.length > 1) {
      InstanceTracker[] others = new InstanceTracker[trackers.length];
      int n = 0;
      for (InstanceTracker x : trackers) {
        if (x != avoid) {
          others[n++] = x;
        }
      }
      t = policy.pick(Arrays.copyOf(others, n), containerConcurrency);
    }
    if (t == null) {
      t = policy.pick(trackers, containerConcurrency);
    }
    if (t != null) {
      t.inFlight++;
    }
    return t;
  }

  private static int checkConcurrency(int cc) {
    if (cc < 0) {
      throw new IllegalArgumentException("containerConcurrency: " + cc + " (expected: >= 0)");
    }
    return cc;
  }
}
