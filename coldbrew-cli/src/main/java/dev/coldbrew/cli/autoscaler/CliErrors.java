package dev.coldbrew.cli.autoscaler;

import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;

/** Error output shared by the autoscaler commands. */
final class CliErrors {
  static final int USAGE = 2;

  private CliErrors() {}

  static int fail(CommandSpec spec, String message) {
    spec.commandLine().getErr().println("Error: " + message);
    spec.commandLine().getErr().flush();
    return USAGE;
  }

  static String indent(ValidationException e) {
    return e.errors().stream()
        .map(FieldError::toString)
        .map(s -> "  " + s)
        .collect(Collectors.joining("\n"));
  }
}
