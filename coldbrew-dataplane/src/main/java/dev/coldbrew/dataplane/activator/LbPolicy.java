package dev.coldbrew.dataplane.activator;

import java.util.random.RandomGenerator;

/**
 * How the activator picks an instance for a request (Knative's {@code lb_policy.go}), chosen by
 * containerConcurrency: 0 → {@link #randomChoiceOfTwo}, 1–3 → {@link #firstAvailable}, more →
 * {@link #roundRobin}. A policy returns an instance with a free slot ({@code inFlight < cc} when cc
 * > 0), or null if none has one; it does not take the slot. Called only under the throttler's
 * monitor, so a policy may keep unsynchronized state.
 */
public interface LbPolicy {

  InstanceTracker pick(InstanceTracker[] trackers, int containerConcurrency);

  /** The policy Knative uses for this containerConcurrency. */
  static LbPolicy forConcurrency(int containerConcurrency, RandomGenerator random) {
    if (containerConcurrency == 0) {
      return randomChoiceOfTwo(random);
    }
    return containerConcurrency <= 3 ? firstAvailable() : roundRobin();
  }

  /**
   * Power of two random choices: two distinct random instances, the one with fewer requests in
   * flight wins, a tie is a coin flip. Used for unlimited concurrency, so every instance is free.
   */
  static LbPolicy randomChoiceOfTwo(RandomGenerator random) {
    return (trackers, cc) -> {
      int n = trackers.length;
      if (n == 0) {
        return null;
      }
      if (n == 1) {
        return trackers[0];
      }
      int i = random.nextInt(n);
      int j = random.nextInt(n - 1);
      if (j >= i) {
        j++;
      }
      InstanceTracker a = trackers[i];
      InstanceTracker b = trackers[j];
      if (a.inFlight == b.inFlight) {
        return random.nextBoolean() ? a : b;
      }
      return a.inFlight < b.inFlight ? a : b;
    };
  }

  /** The first instance, in order, with a free slot: packs small-cc instances tightly. */
  static LbPolicy firstAvailable() {
    return (trackers, cc) -> {
      for (InstanceTracker t : trackers) {
        if (t.inFlight < cc) {
          return t;
        }
      }
      return null;
    };
  }

  /** Round robin from the instance after the last pick, skipping full ones. */
  static LbPolicy roundRobin() {
    return new LbPolicy() {
      private int last = -1;

      @Override
      public InstanceTracker pick(InstanceTracker[] trackers, int cc) {
        int n = trackers.length;
        for (int k = 1; k <= n; k++) {
          int idx = Math.floorMod(last + k, n);
          InstanceTracker t = trackers[idx];
          if (cc == 0 || t.inFlight < cc) {
            last = idx;
            return t;
          }
        }
        return null;
      }
    };
  }
}
