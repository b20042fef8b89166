package dev.coldbrew.cli;

import dev.coldbrew.cli.autoscaler.AutoscalerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code coldbrew} command: entry point of the runnable jar. */
@Command(
    name = "coldbrew",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Knative Serving on one machine: HTTP apps that scale to zero.",
    subcommands = {AutoscalerCommand.class, CommandLine.HelpCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command tree, for tests that run it in-process. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main());
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
