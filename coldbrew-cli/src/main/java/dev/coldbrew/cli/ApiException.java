package dev.coldbrew.cli;

import java.util.List;

/**
 * An error answer from the admin API (or none at all): the HTTP code (0 when unreachable), the
 * Kubernetes Status reason, its message and the field causes, one per line.
 */
public class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int code;
  private final String reason;
  private final List<String> causes;

  public ApiException(int code, String reason, String message, List<String> causes) {
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

  public List<String> causes() {
    return causes;
  }
}
