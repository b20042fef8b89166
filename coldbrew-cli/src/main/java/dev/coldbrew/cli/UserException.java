package dev.coldbrew.cli;

import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import java.util.stream.Collectors;

/**
 * An error the user caused outside the command line (a missing file, an invalid manifest or
 * scenario, a resource that does not exist): printed after {@code Error:}, exit code 1. Errors in
 * the command line itself are {@link UsageException}s. Immutable.
 */
public class UserException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UserException(String message) {
    super(message);
  }

  /** {@code what}, then each field error of {@code e} on its own indented line. */
  public UserException(String what, ValidationException e) {
    this(what + ":\n" + indent(e));
  }

  /** Each field error of {@code e} on its own line, indented by two spaces. */
  public static String indent(ValidationException e) {
    return e.errors().stream()
        .map(FieldError::toString)
        .map(s -> "  " + s)
        .collect(Collectors.joining("\n"));
  }
}
