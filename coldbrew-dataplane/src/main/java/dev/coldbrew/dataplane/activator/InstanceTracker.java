package dev.coldbrew.dataplane.activator;

import dev.coldbrew.api.runtime.Instance;

/**
 * The activator's view of one ready instance: how many of the requests it sent there are still in
 * flight. Guarded by the owning {@link Throttler}'s monitor; LB policies read it under that
 * monitor.
 */
public final class InstanceTracker {
  private final Instance instance;
  int inFlight;

  InstanceTracker(Instance instance) {
    this.instance = instance;
  }

  public Instance instance() {
    return instance;
  }

  /** Requests sent there and not finished; read under the throttler's monitor (tests). */
  int inFlight() {
    return inFlight;
  }
}
