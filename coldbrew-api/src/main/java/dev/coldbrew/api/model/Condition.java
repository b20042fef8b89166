package dev.coldbrew.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A Knative status condition: {@code type}, {@code status} ("True", "False" or "Unknown"), and why.
 */
public class Condition {
  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  /** The severity of an informational condition (one that does not roll up into Ready). */
  public static final String INFO = "Info";

  public String type;
  public String status;
  public String severity;
  public String reason;
  public String message;
  public String lastTransitionTime;

  public Condition() {}

  public Condition(String type, String status, String reason, String message) {
    this.type = type;
    this.status = status;
    this.reason = reason;
    this.message = message;
  }

  @JsonIgnore
  public boolean isTrue() {
    return TRUE.equals(status);
  }

  @JsonIgnore
  public boolean isFalse() {
    return FALSE.equals(status);
  }
}
