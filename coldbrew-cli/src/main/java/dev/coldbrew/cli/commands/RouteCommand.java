package dev.coldbrew.cli.commands;

import dev.coldbrew.api.model.Kind;
import picocli.CommandLine.Command;

/** {@code coldbrew route}: list and describe routes, as {@code kn}. */
@Command(
    name = "route",
    aliases = {"routes"},
    mixinStandardHelpOptions = true,
    description = "Inspect routes.")
public class RouteCommand {

  /** {@code route list [NAME]}. */
  @Command(
      name = "list",
      aliases = "ls",
      mixinStandardHelpOptions = true,
      description = "List routes.")
  public static class ListCmd extends NounVerbs.ListVerb {
    @Override
    Kind kind() {
      return Kind.ROUTE;
    }
  }

  /** {@code route describe NAME}. */
  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "Show a route in detail.")
  public static class Describe extends NounVerbs.DescribeVerb {
    @Override
    Kind kind() {
      return Kind.ROUTE;
    }
  }
}
