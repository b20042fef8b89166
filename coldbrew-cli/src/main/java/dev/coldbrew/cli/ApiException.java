package dev.coldbrew.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

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

  /**
   * This refusal with each cause in a field a flag set said as that flag: {@code flagOf} maps a
   * field path to the flag (and value) that set it, the longest path holding the cause's field
   * wins, and the cause reads {@code FLAG: FIELD: message} with the field as {@code shown} gives
   * it; other causes as they are.
   */
  public ApiException byFlag(Map<String, String> flagOf, UnaryOperator<String> shown) {
    if (causes.isEmpty() || flagOf.isEmpty()) {
      return this;
    }
    List<Cause> out = new ArrayList<>();
    for (Cause c : causes) {
      String flag = null;
      String path = null;
      for (var f : flagOf.entrySet()) {
        String p = f.getKey();
        boolean within =
            c.field().equals(p) || c.field().startsWith(p + ".") || c.field().startsWith(p + "[");
        if (within && (path == null || p.length() > path.length())) {
          flag = f.getValue();
          path = p;
        }
      }
      out.add(flag == null ? c : new Cause(flag, shown.apply(c.field()) + ": " + c.message()));
    }
    return new ApiException(code, reason, getMessage(), out);
  }
}
