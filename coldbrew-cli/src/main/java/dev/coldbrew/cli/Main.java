package dev.coldbrew.cli;

import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.cli.autoscaler.AutoscalerCommand;
import dev.coldbrew.cli.commands.ApplyCommand;
import dev.coldbrew.cli.commands.CompletionCommand;
import dev.coldbrew.cli.commands.DashboardCommand;
import dev.coldbrew.cli.commands.DeleteCommand;
import dev.coldbrew.cli.commands.DescribeCommand;
import dev.coldbrew.cli.commands.GetCommand;
import dev.coldbrew.cli.commands.LogsCommand;
import dev.coldbrew.cli.commands.RevisionCommand;
import dev.coldbrew.cli.commands.RouteCommand;
import dev.coldbrew.cli.commands.ServeCommand;
import dev.coldbrew.cli.commands.ServiceCommand;
import dev.coldbrew.cli.commands.VersionCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code coldbrew} command: entry point of the runnable jar. */
@Command(
    name = "coldbrew",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Knative Serving on one machine: HTTP apps that scale to zero.",
    subcommands = {
      ServeCommand.class,
      LogsCommand.class,
      ApplyCommand.class,
      GetCommand.class,
      DescribeCommand.class,
      DeleteCommand.class,
      ServiceCommand.class,
      RevisionCommand.class,
      RouteCommand.class,
      AutoscalerCommand.class,
      DashboardCommand.class,
      VersionCommand.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main {

  @Option(
      names = "--server",
      scope = ScopeType.INHERIT,
      paramLabel = "URL",
      description =
          "The admin API (default: $COLDBREW_SERVER, else " + ApiClient.DEFAULT_SERVER + ").")
  String server;

  @Option(
      names = "--token-file",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description =
          "The admin API's bearer token, from this file (default: $COLDBREW_TOKEN; else, for a"
              + " loopback server, the token file `coldbrew serve` recorded in"
              + " ~/.coldbrew/servers/PORT, else ./.coldbrew/admin-token).")
  Path tokenFile;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The prefix of every error message. */
  static final String ERROR = "Error: ";

  /**
   * The command tree, for tests that run it in-process. Errors take one of two paths: a wrong
   * command line (picocli's parse errors and {@link UsageException}) prints {@code Error: MESSAGE}
   * and a pointer to the command's help, exit code 2; any other error ({@link UserException},
   * {@link ApiException}, {@link ValidationException}) prints {@code Error: MESSAGE} and its
   * details, exit code 1. Anything else is a bug: its stack trace is printed too, exit code 1.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setParameterExceptionHandler(
        (ex, args) -> usageError(ex.getCommandLine(), ex.getMessage(), ex));
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof UsageException) {
            return usageError(commandLine, ex.getMessage(), null);
          }
          PrintWriter err = commandLine.getErr();
          if (ex instanceof ApiException api) {
            err.println(ERROR + api.getMessage());
            api.causes().forEach(c -> err.println("  " + c));
          } else if (ex instanceof ValidationException v) {
            err.println(ERROR + "invalid input");
            err.println(UserException.indent(v));
          } else if (ex instanceof UserException) {
            err.println(ERROR + ex.getMessage());
          } else {
            err.println(ERROR + ex);
            ex.printStackTrace(err);
          }
          err.flush();
          return CommandLine.ExitCode.SOFTWARE;
        });
    return cl;
  }

  /**
   * Prints a usage error of {@code command} (with picocli's suggestions when {@code parseError} is
   * a mistyped option or subcommand); returns its exit code, 2.
   */
  private static int usageError(
      CommandLine command, String message, CommandLine.ParameterException parseError) {
    PrintWriter err = command.getErr();
    err.println(ERROR + message);
    if (parseError != null) {
      CommandLine.UnmatchedArgumentException.printSuggestions(parseError, err);
    }
    err.println("Run '" + command.getCommandSpec().qualifiedName() + " --help' for usage.");
    err.flush();
    return CommandLine.ExitCode.USAGE;
  }

  /** The client for the admin API this invocation talks to. */
  public ApiClient client() {
    String s = server;
    if (s == null || s.isBlank()) {
      s = System.getenv("COLDBREW_SERVER");
    }
    if (s == null || s.isBlank()) {
      s = ApiClient.DEFAULT_SERVER;
    }
    java.net.URI uri;
    try {
      uri = java.net.URI.create(s);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
          || uri.getHost() == null) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      String where = server == null || server.isBlank() ? "COLDBREW_SERVER" : "--server";
      String message = where + ": \"" + s + "\" (expected: a URL such as http://127.0.0.1:8081)";
      throw where.equals("--server") ? new UsageException(message) : new UserException(message);
    }
    AdminTokens.Found token = AdminTokens.find(uri, tokenFile);
    return new ApiClient(s, token.token(), token.source());
  }

  /** The root object of a command tree, from any command's spec. */
  public static Main of(CommandLine.Model.CommandSpec spec) {
    return (Main) spec.root().userObject();
  }

  /** Prints the jar's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"coldbrew " + (v == null ? "dev" : v)};
    }
  }
}
