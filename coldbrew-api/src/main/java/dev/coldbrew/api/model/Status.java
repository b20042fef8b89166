package dev.coldbrew.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Knative's duck-typed status: observedGeneration, conditions and annotations (further state the
 * platform reports, e.g. a Revision's engine). Each kind's status subclass names its condition
 * types, declares its {@link ConditionSet} and offers {@code mark…} helpers that set its conditions
 * with Knative's reasons (Knative's {@code *_lifecycle.go}), so condition types and reasons are
 * spelled only in this package. Not thread-safe.
 */
public abstract class Status {
  /** The condition every kind has: whether the resource is ready, rolled up from the others. */
  public static final String READY = "Ready";

  public Long observedGeneration;
  public List<Condition> conditions;
  public Map<String, String> annotations;

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

  /** The kind's condition set: which conditions roll up into Ready. */
  protected abstract ConditionSet conditionSet();

  /** True when the Ready condition exists and is True. */
  @JsonIgnore
  public boolean isReady() {
    return isTrue(READY);
  }

  /**
   * Adds Ready and every condition of the kind's set that is missing, as Unknown: what a reconciler
   * does first with a copy's status (Knative's {@code InitializeConditions}).
   */
  public void initializeConditions(Clock clock) {
    conditionSet().initialize(this, clock);
  }

  /**
   * Sets Ready from the other conditions of the kind's set (see {@link ConditionSet}); a reconciler
   * calls it once its {@code mark…} calls are done. Idempotent.
   */
  public void rollUpReady(Clock clock) {
    conditionSet().rollUp(this, clock);
  }

  /**
   * Sets {@code type} to the child's Ready condition (status, reason and message), or to Unknown
   * with the given reason and message when the child has no Ready condition or no status.
   */
  protected void propagateReady(
      String type, Status child, String missingReason, String missingMessage, Clock clock) {
    Condition c = child == null ? null : child.condition(READY);
    if (c == null) {
      setCondition(type, Condition.UNKNOWN, missingReason, missingMessage, clock);
    } else {
      setCondition(type, c.status, c.reason, c.message, clock);
    }
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
  protected void setCondition(
      String type, String status, String reason, String message, Clock clock) {
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
