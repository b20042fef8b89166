package dev.coldbrew.api.validation;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when input is invalid; carries every field error found, not just the first. */
public class ValidationException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final List<FieldError> errors;

  public ValidationException(List<FieldError> errors) {
    super(errors.stream().map(FieldError::toString).collect(Collectors.joining("\n")));
    this.errors = List.copyOf(errors);
  }

  public ValidationException(FieldError error) {
    this(List.of(error));
  }

  public List<FieldError> errors() {
    return errors;
  }
}
