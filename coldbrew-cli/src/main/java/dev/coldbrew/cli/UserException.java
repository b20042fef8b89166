package dev.coldbrew.cli;

/** An error the user caused (a bad flag value, a missing file): printed as one line, exit 1. */
public class UserException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UserException(String message) {
    super(message);
  }
}
