package dev.coldbrew.cli;

import java.util.List;

/**
 * An error answer from the admin API (or none at all): the HTTP code (0 when unreachable), the
 * Kubernetes Status reason, its message and the field causes. Immutable.
 */
public class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int code;
  private final String reason;
  private final List<Cause> causes;

  /** One cause of a Status: the field path ("" for none) and what is wrong with it. */
  public record Cause(String field, String message) {
    @Override
    public String toString() {
      return field.isEmpty() ? message : field + ": " + message;
    }
  }

  /** An error: the HTTP code (0: no answer), the Status reason and message, and its causes. */
  public ApiException(int code, String reason, String message, List<Cause> causes) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.causes = List.copyOf(causes);
  }

  public int code() {
    return code;
  }

  public String reason() {
    return reason;
  }

  /** The causes, each printed as one line ({@link Cause#toString}). */
  public List<Cause> causes() {
    return causes;
  }
}
