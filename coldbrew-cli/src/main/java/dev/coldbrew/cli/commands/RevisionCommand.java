package dev.coldbrew.cli.commands;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.UserException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coldbrew revision}: list, describe and delete revisions, as {@code kn}. */
@Command(
    name = "revision",
    aliases = {"revisions", "rev"},
    mixinStandardHelpOptions = true,
    description = "Manage revisions.",
    subcommands = {
      RevisionCommand.ListCmd.class,
      RevisionCommand.Describe.class,
      RevisionCommand.Delete.class
    })
public class RevisionCommand {

  /** {@code revision list [NAME] [-s SERVICE]}. */
  @Command(
      name = "list",
      aliases = "ls",
      mixinStandardHelpOptions = true,
      description = "List revisions.")
  public static class ListCmd extends ClientCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME")
    String name;

    @Option(
        names = {"-s", "--service"},
        paramLabel = "SERVICE",
        description = "Only this service's revisions.")
    String service;

    @Option(
        names = {"-A", "--all-namespaces"},
        description = "List in every namespace.")
    boolean all;

    @Mixin OutputOptions output;

    @Override
    public Integer call() {
      return ServiceCommand.list(
          this,
          Kind.REVISION,
          name,
          all,
          output,
          service == null
              ? null
              : r -> service.equals(r.metadata.label("serving.knative.dev/service")));
    }
  }

  /** {@code revision describe NAME}. */
  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "Show a revision in detail.")
  public static class Describe extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "FORMAT",
        description = "yaml or json.")
    String output;

    @Override
    public Integer call() {
      return DescribeCommand.describe(Kind.REVISION, name, output, this);
    }
  }

  /** {@code revision delete NAME...}. */
  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete revisions.")
  public static class Delete extends ClientCommand {
    @Parameters(arity = "1..*", paramLabel = "NAME")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() {
      int missing = 0;
      for (String n : names) {
        if (client().delete(Kind.REVISION, namespace, n)) {
          out().println("Revision '" + n + "' deleted in namespace '" + namespace + "'.");
        } else {
          missing++;
          err().println("Error: " + GetCommand.notFound(Kind.REVISION, n, namespace));
        }
      }
      out().flush();
      err().flush();
      if (missing > 0 && missing == names.size()) {
        throw new UserException("no revision deleted");
      }
      return missing == 0 ? 0 : 1;
    }
  }
}
