package dev.coldbrew.cli;

/**
 * The command line itself is wrong: a flag or argument value the command does not accept, or
 * arguments that do not go together. Handled like picocli's own parse errors: one {@code Error:}
 * line, a pointer to the command's {@code --help}, exit code 2. Immutable.
 */
public class UsageException extends UserException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
