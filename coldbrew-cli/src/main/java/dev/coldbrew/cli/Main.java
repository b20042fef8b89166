package dev.coldbrew.cli;

import dev.coldbrew.cli.autoscaler.AutoscalerCommand;
import dev.coldbrew.cli.commands.ApplyCommand;
import dev.coldbrew.cli.commands.CompletionCommand;
import dev.coldbrew.cli.commands.ControllerCommand;
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
      ControllerCommand.class,
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

  /** The command tree, for tests that run it in-process. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          if (ex instanceof ApiException api) {
            err.println("Error: " + api.getMessage());
            api.causes().forEach(c -> err.println("  " + c));
          } else if (ex instanceof dev.coldbrew.api.validation.ValidationException v) {
            err.println("Error: invalid input");
            v.errors().forEach(e -> err.println("  " + e));
          } else if (ex instanceof UserException) {
            err.println("Error: " + ex.getMessage());
          } else {
            err.println("Error: " + ex);
            ex.printStackTrace(err);
          }
          err.flush();
          return 1;
        });
    return cl;
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
      throw new UserException(
          (server == null || server.isBlank() ? "COLDBREW_SERVER" : "--server")
              + ": \""
              + s
              + "\" (expected: a URL such as http://127.0.0.1:8081)");
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
