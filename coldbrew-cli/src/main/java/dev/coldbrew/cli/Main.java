package dev.coldbrew.cli;

import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.cli.autoscaler.AutoscalerCommand;
import dev.coldbrew.cli.autoscaler.DecideCommand;
import dev.coldbrew.cli.autoscaler.SimulateCommand;
import dev.coldbrew.cli.commands.ApplyCommand;
import dev.coldbrew.cli.commands.CdsTrainingCommand;
import dev.coldbrew.cli.commands.CompletionCommand;
import dev.coldbrew.cli.commands.ControllerCommand;
import dev.coldbrew.cli.commands.DashboardCommand;
import dev.coldbrew.cli.commands.DeleteCommand;
import dev.coldbrew.cli.commands.DescribeCommand;
import dev.coldbrew.cli.commands.DomainCommand;
import dev.coldbrew.cli.commands.GetCommand;
import dev.coldbrew.cli.commands.LogsCommand;
import dev.coldbrew.cli.commands.RevisionCommand;
import dev.coldbrew.cli.commands.RouteCommand;
import dev.coldbrew.cli.commands.ServeCommand;
import dev.coldbrew.cli.commands.ServiceCommand;
import dev.coldbrew.cli.commands.VersionCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code coldbrew} command: entry point of the runnable jar. Only the subcommand a call names
 * is built (picocli reads every command's annotations when it is added, which is a good part of a
 * client call's start-up); help, completion and calls that name no known command get them all. A
 * client call readies its JSON codec on a second thread meanwhile ({@link ClientWarmUp}). Every
 * error is printed as {@code Error: ...}: usage errors exit 2, others 1. Not thread-safe: one
 * command tree per call.
 */
@Command(
    name = "coldbrew",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Knative Serving on one machine: HTTP apps that scale to zero.")
public final class Main {

  /**
   * A subcommand: its class (whose {@code @Command} gives its name and aliases) and, for a noun
   * such as {@code service}, its verbs, in help order. Nouns list their verbs here rather than in
   * {@code @Command(subcommands = ...)}, so that only the verb a call names is built.
   */
  record Sub(Class<?> type, List<Sub> verbs) {
    Sub(Class<?> type) {
      this(type, List.of());
    }

    /** The name and the aliases. */
    List<String> names() {
      Command c = type.getAnnotation(Command.class);
      List<String> names = new java.util.ArrayList<>(List.of(c.name()));
      names.addAll(List.of(c.aliases()));
      return names;
    }

    /** The verb or subcommand that {@code word} names, or null. */
    static Sub find(List<Sub> subs, String word) {
      for (Sub s : subs) {
        if (s.names().contains(word)) {
          return s;
        }
      }
      return null;
    }
  }

  static final List<Sub> SUBCOMMANDS =
      List.of(
          new Sub(ServeCommand.class),
          new Sub(ControllerCommand.class),
          new Sub(LogsCommand.class),
          new Sub(ApplyCommand.class),
          new Sub(GetCommand.class),
          new Sub(DescribeCommand.class),
          new Sub(DeleteCommand.class),
          new Sub(
              ServiceCommand.class,
              List.of(
                  new Sub(ServiceCommand.Create.class),
                  new Sub(ServiceCommand.Update.class),
                  new Sub(ServiceCommand.ListCmd.class),
                  new Sub(ServiceCommand.Describe.class),
                  new Sub(ServiceCommand.Delete.class),
                  new Sub(ServiceCommand.Wait.class))),
          new Sub(
              RevisionCommand.class,
              List.of(
                  new Sub(RevisionCommand.ListCmd.class),
                  new Sub(RevisionCommand.Describe.class),
                  new Sub(RevisionCommand.Delete.class))),
          new Sub(
              RouteCommand.class,
              List.of(new Sub(RouteCommand.ListCmd.class), new Sub(RouteCommand.Describe.class))),
          new Sub(
              DomainCommand.class,
              List.of(
                  new Sub(DomainCommand.Create.class),
                  new Sub(DomainCommand.Update.class),
                  new Sub(DomainCommand.ListCmd.class),
                  new Sub(DomainCommand.Describe.class),
                  new Sub(DomainCommand.Delete.class))),
          new Sub(
              AutoscalerCommand.class,
              List.of(new Sub(DecideCommand.class), new Sub(SimulateCommand.class))),
          new Sub(DashboardCommand.class),
          new Sub(VersionCommand.class),
          new Sub(CompletionCommand.class),
          new Sub(CdsTrainingCommand.class));

  /** Root options that take a value: skipped when looking for the subcommand's name. */
  private static final Set<String> VALUE_OPTIONS = Set.of("--server", "--token-file");

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
    // picocli's default factory otherwise looks for Groovy on the class path, which opens the jar
    // and scans its index just to throw ClassNotFoundException
    if (System.getProperty("picocli.disable.closures") == null) {
      System.setProperty("picocli.disable.closures", "true");
    }
    List<Sub> path = named(args);
    if (!path.isEmpty() && ClientCommand.class.isAssignableFrom(path.get(path.size() - 1).type())) {
      ClientWarmUp.start(); // a client call: its JSON codec gets ready beside the command line
    }
    System.exit(commandLine(path).execute(args));
  }

  /** The prefix of every error message. */
  static final String ERROR = "Error: ";

  /**
   * The whole command tree (help, completion, tests). Errors take one of two paths: a wrong command
   * line (picocli's parse errors and {@link UsageException}) prints {@code Error: MESSAGE} and a
   * pointer to the command's help, exit code 2; any other error ({@link UserException}, {@link
   * ApiException}, {@link ValidationException}) prints {@code Error: MESSAGE} and its details, exit
   * code 1. Anything else is a bug: its stack trace is printed too, exit code 1.
   */
  public static CommandLine commandLine() {
    return commandLine(new String[0]);
  }

  /** The command tree for {@code args}: only the subcommand (and verb) they name, if any. */
  public static CommandLine commandLine(String[] args) {
    return commandLine(named(args));
  }

  /** The command tree with only the subcommand and verb of {@code path} ({@link #named}). */
  private static CommandLine commandLine(List<Sub> path) {
    CommandLine cl = new CommandLine(new Main());
    for (Sub sub : SUBCOMMANDS) {
      if (path.isEmpty() || sub == path.get(0)) {
        CommandLine c = new CommandLine(sub.type());
        for (Sub verb : sub.verbs()) {
          if (path.size() < 2 || verb == path.get(1)) {
            c.addSubcommand(new CommandLine(verb.type()));
          }
        }
        cl.addSubcommand(c);
      }
    }
    if (path.isEmpty()) {
      cl.addSubcommand("help", new CommandLine.HelpCommand());
    }
    Errors errors = new Errors();
    cl.setExecutionExceptionHandler(errors);
    cl.setParameterExceptionHandler(errors);
    return cl;
  }

  /**
   * The two error paths of {@link #commandLine()}. A class rather than two lambdas: picocli's
   * handler interfaces are pre-Java-6 class files, so a lambda of theirs cannot go into the
   * class-data archive (nor, then, the interface), and every call would make it anew with the JDK's
   * whole lambda machinery.
   */
  private static final class Errors
      implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    @Override
    public int handleExecutionException(
        Exception ex, CommandLine commandLine, CommandLine.ParseResult parseResult) {
      if (ex instanceof UsageException) {
        return usageError(commandLine, ex.getMessage(), null);
      }
      PrintWriter err = commandLine.getErr();
      if (ex instanceof ApiException api) {
        err.println(ERROR + api.getMessage());
        for (ApiException.Cause c : api.causes()) {
          err.println("  " + c);
        }
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
    }

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
      return usageError(ex.getCommandLine(), ex.getMessage(), ex);
    }
  }

  /**
   * The subcommand {@code args} name and its verb, as far as they name them; empty for none, help,
   * completion (which needs every command) or an unknown word.
   */
  static List<Sub> named(String[] args) {
    List<Sub> path = new java.util.ArrayList<>();
    List<Sub> level = SUBCOMMANDS;
    for (int i = 0; i < args.length && !level.isEmpty(); i++) {
      String a = args[i];
      if (a.equals("--")) {
        break;
      }
      if (a.startsWith("-")) {
        if (VALUE_OPTIONS.contains(a)) {
          i++;
        }
        continue;
      }
      Sub sub = Sub.find(level, a);
      if (sub == null || sub.type() == CompletionCommand.class) {
        break;
      }
      path.add(sub);
      level = sub.verbs();
    }
    return path.isEmpty() || path.get(0).type() == CompletionCommand.class ? List.of() : path;
  }

  /** The client for the admin API this invocation talks to; its warnings go to {@code err}. */
  public ApiClient client(PrintWriter err) {
    return client()
        .onWarning(
            w -> {
              // the server's text, minus anything a terminal would act on
              err.println("Warning: " + w.replaceAll("\\p{Cntrl}", "?"));
              err.flush();
            });
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

  /** The file {@code --token-file} names, or null. */
  public Path tokenFile() {
    return tokenFile;
  }

  /** The root object of a command tree, from any command's spec. */
  public static Main of(CommandLine.Model.CommandSpec spec) {
    return (Main) spec.root().userObject();
  }

  /**
   * Prints the jar's version. Public, as picocli makes it at every call and would otherwise meet
   * (and catch) an access error first. Stateless.
   */
  public static final class Version implements CommandLine.IVersionProvider {
    public Version() {}

    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"coldbrew " + (v == null ? "dev" : v)};
    }
  }
}
