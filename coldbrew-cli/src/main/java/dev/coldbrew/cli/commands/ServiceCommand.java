package dev.coldbrew.cli.commands;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.cli.ApiException;
import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.UserException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coldbrew service}: create, update, list, describe, delete and wait, as {@code kn}. */
@Command(
    name = "service",
    aliases = {"ksvc", "services", "kservice", "kservices"},
    mixinStandardHelpOptions = true,
    description = "Manage Knative Services.")
public class ServiceCommand {

  /** {@code service create NAME --cmd ...}. */
  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a service.")
  public static class Create extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Mixin ServiceEdits edits;
    @Mixin WaitOptions waiting;

    @Option(names = "--force", description = "Replace the service if it exists.")
    boolean force;

    @Mixin EngineOptions engine;

    @Override
    public Integer call() {
      try (Resources res = Resources.of(this, engine)) {
        return create(res);
      }
    }

    private int create(Resources res) {
      Service svc = new Service();
      svc.metadata.name = name;
      svc.metadata.namespace = namespace;
      edits.apply(svc);
      edits.checkRevisions(res, svc);
      Service existing = (Service) res.get(Kind.SERVICE, namespace, name).orElse(null);
      boolean replace = existing != null;
      if (replace && !force) {
        throw new UserException(
            "service '"
                + name
                + "' already exists in namespace '"
                + namespace
                + "' (use --force to replace it)");
      }
      Service result;
      try {
        if (replace) {
          svc.metadata.resourceVersion = existing.metadata.resourceVersion;
          result = (Service) res.update(svc);
        } else {
          result = (Service) res.create(svc);
        }
      } catch (ApiException e) {
        throw edits.explain(e);
      }
      // only once the API took it: a refused service was never being created
      if (waiting.wait) {
        out()
            .println(
                (replace ? "Replacing" : "Creating")
                    + " service '"
                    + name
                    + "' in namespace '"
                    + namespace
                    + "':");
        out().println();
        out().flush();
      }
      String verb = replace ? "replaced" : "created";
      return report(this, res, waiting, result, verb);
    }
  }

  /** {@code service update NAME [flags]}: a new revision when the template changes. */
  @Command(name = "update", mixinStandardHelpOptions = true, description = "Update a service.")
  public static class Update extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Mixin ServiceEdits edits;
    @Mixin WaitOptions waiting;

    @Mixin EngineOptions engine;

    @Override
    public Integer call() {
      try (Resources res = Resources.of(this, engine)) {
        return update(res);
      }
    }

    private int update(Resources res) {
      for (int attempt = 0; ; attempt++) {
        Service svc =
            (Service)
                res.get(Kind.SERVICE, namespace, name)
                    .orElseThrow(
                        () ->
                            new UserException(GetCommand.notFound(Kind.SERVICE, name, namespace)));
        String before = ResourceCodec.toJson(svc.spec);
        edits.apply(svc);
        edits.checkRevisions(res, svc);
        if (before.equals(ResourceCodec.toJson(svc.spec))
            && edits.labels.isEmpty()
            && edits.annotations.isEmpty()
            && edits.clusterLocal == null) {
          out()
              .println(
                  "Service '" + name + "' updated in namespace '" + namespace + "' (unchanged).");
          out().flush();
          return 0;
        }
        Service result;
        try {
          result = (Service) res.update(svc);
        } catch (ApiException e) {
          if (e.code() != 409 || attempt >= 4) {
            throw edits.explain(e);
          }
          continue;
        }
        if (waiting.wait) {
          out().println("Updating Service '" + name + "' in namespace '" + namespace + "':");
          out().println();
          out().flush();
        }
        return report(this, res, waiting, result, "updated");
      }
    }
  }

  static int report(
      ClientCommand cmd,
      GetCommand.Reader reader,
      WaitOptions waiting,
      Service result,
      String verb) {
    String name = result.metadata.name;
    String ns = result.metadata.namespace;
    if (!waiting.wait) {
      cmd.out().println("Service '" + name + "' " + verb + " in namespace '" + ns + "'.");
      cmd.out().flush();
      return 0;
    }
    Service ready = waiting.awaitReady(reader, ns, name, result.metadata.generation, cmd.out());
    cmd.out()
        .println(
            "Service '"
                + name
                + "' "
                + verb
                + " to latest revision '"
                + ready.status.latestReadyRevisionName
                + "' is available at URL:");
    cmd.out().println(ready.status.url);
    cmd.out().flush();
    return 0;
  }

  /** {@code service list [NAME]}. */
  @Command(
      name = "list",
      aliases = "ls",
      mixinStandardHelpOptions = true,
      description = "List services.")
  public static class ListCmd extends NounVerbs.ListVerb {
    @Override
    Kind kind() {
      return Kind.SERVICE;
    }
  }

  /** {@code service describe NAME}. */
  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "Show a service in detail.")
  public static class Describe extends NounVerbs.DescribeVerb {
    @Override
    Kind kind() {
      return Kind.SERVICE;
    }
  }

  /** {@code service delete NAME... | --all}. */
  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete services (and their revisions).")
  public static class Delete extends NounVerbs.DeleteVerb {
    @Option(names = "--all", description = "Delete every service in the namespace.")
    boolean all;

    @Override
    Kind kind() {
      return Kind.SERVICE;
    }

    @Override
    List<String> targets() {
      if (!all) {
        return super.targets();
      }
      List<String> every = new ArrayList<>(names);
      existing().forEach(s -> every.add(s.metadata.name));
      return every;
    }

    @Override
    String deleted(String name) {
      return "Service '" + name + "' successfully deleted in namespace '" + namespace + "'.";
    }
  }

  /** {@code service wait NAME}. */
  @Command(
      name = "wait",
      mixinStandardHelpOptions = true,
      description = "Wait until a service is ready.")
  public static class Wait extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Mixin WaitOptions waiting;
    @Mixin EngineOptions engine;

    @Override
    public Integer call() {
      try (Resources res = Resources.of(this, engine)) {
        return await(res);
      }
    }

    private int await(Resources res) {
      Service svc =
          (Service)
              res.get(Kind.SERVICE, namespace, name)
                  .orElseThrow(
                      () -> new UserException(GetCommand.notFound(Kind.SERVICE, name, namespace)));
      waiting.awaitReady(res, namespace, name, svc.metadata.generation, out());
      out().println("Service '" + name + "' in namespace '" + namespace + "' is ready.");
      out().flush();
      return 0;
    }
  }
}
