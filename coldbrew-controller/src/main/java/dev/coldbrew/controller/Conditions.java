package dev.coldbrew.controller;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Status;
import java.time.Clock;

/** Knative's "living condition set": {@code Ready} rolled up from its dependents. Stateless. */
final class Conditions {
  static final String READY = "Ready";

  private Conditions() {}

  /**
   * Sets Ready from the dependents: True when all are True; otherwise False from the first False,
   * else Unknown from the first Unknown (or missing) one, with its reason and message.
   */
  static void rollUp(Status status, Clock clock, String... dependents) {
    Condition unknown = null;
    for (String type : dependents) {
      Condition c = status.condition(type);
      if (c != null && c.isFalse()) {
        status.setCondition(READY, Condition.FALSE, c.reason, c.message, clock);
        return;
      }
      if ((c == null || !c.isTrue()) && unknown == null) {
        unknown = c == null ? new Condition(type, Condition.UNKNOWN, null, null) : c;
      }
    }
    if (unknown == null) {
      status.setCondition(READY, Condition.TRUE, null, null, clock);
    } else {
      status.setCondition(READY, Condition.UNKNOWN, unknown.reason, unknown.message, clock);
    }
  }

  /** Copies a child's Ready condition into the parent as {@code type}. */
  static void propagate(
      Status parent,
      String type,
      Status child,
      String missingReason,
      String missingMessage,
      Clock clock) {
    Condition c = child == null ? null : child.condition(READY);
    if (c == null) {
      parent.setCondition(type, Condition.UNKNOWN, missingReason, missingMessage, clock);
    } else {
      parent.setCondition(type, c.status, c.reason, c.message, clock);
    }
  }
}
