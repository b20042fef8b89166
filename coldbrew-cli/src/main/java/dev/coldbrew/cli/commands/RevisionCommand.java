package dev.coldbrew.cli.commands;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coldbrew revision}: list, describe and delete revisions, as {@code kn}. */
@Command(
    name = "revision",
    aliases = {"revisions", "rev"},
    mixinStandardHelpOptions = true,
    description = "Manage revisions.")
public class RevisionCommand {

  /** {@code revision list [NAME] [-s SERVICE]}. */
  @Command(
      name = "list",
      aliases = "ls",
      mixinStandardHelpOptions = true,
      description = "List revisions.")
  public static class ListCmd extends NounVerbs.ListVerb {
    @Option(
        names = {"-s", "--service"},
        paramLabel = "SERVICE",
        description = "Only this service's revisions.")
    String service;

    @Override
    Kind kind() {
      return Kind.REVISION;
    }

    @Override
    Predicate<Resource> filter() {
      return r ->
          service == null || service.equals(r.metadata.label("serving.knative.dev/service"));
    }
  }

  /** {@code revision describe NAME}. */
  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "Show a revision in detail.")
  public static class Describe extends NounVerbs.DescribeVerb {
    @Override
    Kind kind() {
      return Kind.REVISION;
    }
  }

  /** {@code revision delete NAME...}. */
  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete revisions.")
  public static class Delete extends NounVerbs.DeleteVerb {
    @Override
    Kind kind() {
      return Kind.REVISION;
    }

    @Override
    String deleted(String name) {
      return "Revision '" + name + "' deleted in namespace '" + namespace + "'.";
    }
  }
}
