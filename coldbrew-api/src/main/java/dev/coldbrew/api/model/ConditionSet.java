package dev.coldbrew.api.model;

import java.time.Clock;
import java.util.List;

/**
 * Knative's "living" condition set of one kind: the dependent condition types whose states roll up
 * into {@code Ready}. Ready is True when every dependent is True; otherwise False with the first
 * False dependent's reason and message, else Unknown with the first Unknown (or missing) one's. A
 * set with no dependents leaves Ready to the kind's own {@code mark…} helpers (a Configuration).
 * Condition types outside the set (informational ones) never affect Ready. Immutable.
 */
public final class ConditionSet {
  private final List<String> dependents;

  private ConditionSet(List<String> dependents) {
    this.dependents = dependents;
  }

  /** The set whose Ready rolls up from these condition types, in this order of precedence. */
  public static ConditionSet living(String... dependents) {
    return new ConditionSet(List.of(dependents));
  }

  /** The dependent condition types, in order of precedence. */
  public List<String> dependents() {
    return dependents;
  }

  /** Adds Ready and every dependent that is missing, as Unknown with no reason. */
  void initialize(Status status, Clock clock) {
    if (status.condition(Status.READY) == null) {
      status.setCondition(Status.READY, Condition.UNKNOWN, null, null, clock);
    }
    for (String type : dependents) {
      if (status.condition(type) == null) {
        status.setCondition(type, Condition.UNKNOWN, null, null, clock);
      }
    }
  }

  /** Sets Ready from the dependents; does nothing for a set with no dependents. */
  void rollUp(Status status, Clock clock) {
    if (dependents.isEmpty()) {
      return;
    }
    Condition unknown = null;
    for (String type : dependents) {
      Condition c = status.condition(type);
      if (c != null && c.isFalse()) {
        status.setCondition(Status.READY, Condition.FALSE, c.reason, c.message, clock);
        return;
      }
      if ((c == null || !c.isTrue()) && unknown == null) {
        unknown = c == null ? new Condition(type, Condition.UNKNOWN, null, null) : c;
      }
    }
    if (unknown == null) {
      status.setCondition(Status.READY, Condition.TRUE, null, null, clock);
    } else {
      status.setCondition(Status.READY, Condition.UNKNOWN, unknown.reason, unknown.message, clock);
    }
  }
}
