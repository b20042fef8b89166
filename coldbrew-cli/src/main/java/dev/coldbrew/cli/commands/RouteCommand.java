package dev.coldbrew.cli.commands;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.cli.ClientCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coldbrew route}: list and describe routes, as {@code kn}. */
@Command(
    name = "route",
    aliases = {"routes"},
    mixinStandardHelpOptions = true,
    description = "Inspect routes.",
    subcommands = {RouteCommand.ListCmd.class, RouteCommand.Describe.class})
public class RouteCommand {

  /** {@code route list [NAME]}. */
  @Command(
      name = "list",
      aliases = "ls",
      mixinStandardHelpOptions = true,
      description = "List routes.")
  public static class ListCmd extends ClientCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME")
    String name;

    @Option(
        names = {"-A", "--all-namespaces"},
        description = "List in every namespace.")
    boolean all;

    @Mixin OutputOptions output;

    @Override
    public Integer call() {
      return ServiceCommand.list(this, Kind.ROUTE, name, all, output, null);
    }
  }

  /** {@code route describe NAME}. */
  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "Show a route in detail.")
  public static class Describe extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "FORMAT",
        description = "yaml, json or url.")
    String output;

    @Override
    public Integer call() {
      return DescribeCommand.describe(Kind.ROUTE, name, output, this);
    }
  }
}
