package dev.coldbrew.api.model;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Knative's duck-typed status: observedGeneration, conditions and annotations (further state the
 * platform reports, e.g. a Revision's engine). Not thread-safe.
 */
public class Status {
  public Long observedGeneration;
  public List<Condition> conditions;
  public java.util.Map<String, String> annotations;

  /** The condition of this type, or null. */
  public Condition condition(String type) {
    if (conditions != null) {
      for (Condition c : conditions) {
        if (type.equals(c.type)) {
          return c;
        }
      }
    }
    return null;
  }

  /** True when the condition of this type exists and is True. */
  public boolean isTrue(String type) {
    Condition c = condition(type);
    return c != null && c.isTrue();
  }

  /**
   * Sets a condition, keeping its lastTransitionTime when the status did not change, as Knative's
   * condition manager does. Conditions are kept sorted by type for stable output.
   */
  public void setCondition(String type, String status, String reason, String message, Clock clock) {
    if (conditions == null) {
      conditions = new ArrayList<>();
    }
    Condition existing = condition(type);
    if (existing != null
        && Objects.equals(existing.status, status)
        && Objects.equals(existing.reason, reason)
        && Objects.equals(existing.message, message)) {
      return;
    }
    Condition c = new Condition(type, status, reason, message);
    c.lastTransitionTime =
        existing != null && Objects.equals(existing.status, status)
            ? existing.lastTransitionTime
            : Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    if (existing != null) {
      conditions.set(conditions.indexOf(existing), c);
    } else {
      conditions.add(c);
      conditions.sort((a, b) -> a.type.compareTo(b.type));
    }
  }
}
