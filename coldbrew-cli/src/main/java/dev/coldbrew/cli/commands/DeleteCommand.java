package dev.coldbrew.cli.commands;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.Manifests;
import dev.coldbrew.cli.UsageException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coldbrew delete KIND NAME... | -f FILE}: delete resources (children go with them). */
@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    description = "Delete resources by kind and name, or those in manifests.")
public class DeleteCommand extends ClientCommand {
  @Option(
      names = {"-f", "--filename"},
      paramLabel = "FILE|DIR|-",
      description = "Delete the resources named in these manifests.")
  List<String> files = new ArrayList<>();

  @Parameters(paramLabel = "KIND NAME...", description = "A kind and one or more names.")
  List<String> args = new ArrayList<>();

  @Mixin EngineOptions engine;

  @Override
  public Integer call() {
    List<Target> targets = new ArrayList<>();
    for (Manifests.Document d : Manifests.read(files, System.in)) {
      Kind kind = ResourceCodec.kindOf(d.node());
      String ns = d.node().path("metadata").path("namespace").asText(namespace);
      targets.add(new Target(kind, ns, d.node().path("metadata").path("name").asText()));
    }
    if (!args.isEmpty()) {
      if (args.size() < 2) {
        throw new UsageException("delete: expected KIND NAME... or -f FILE");
      }
      Kind kind = GetCommand.kind(args.get(0));
      args.subList(1, args.size()).forEach(n -> targets.add(new Target(kind, namespace, n)));
    }
    if (targets.isEmpty()) {
      throw new UsageException("delete: expected KIND NAME... or -f FILE");
    }
    return delete(this, engine, targets, t -> ApplyCommand.done(t.kind, t.name, "deleted"));
  }

  /**
   * Deletes each target where {@code cmd} works, printing {@code deleted} of each and an error for
   * each that does not exist; exit code 1 if any did not.
   */
  static int delete(
      ClientCommand cmd,
      EngineOptions engine,
      List<Target> targets,
      java.util.function.Function<Target, String> deleted) {
    int missing = 0;
    try (Resources res = Resources.of(cmd, engine)) {
      for (Target t : targets) {
        if (res.delete(t.kind, t.namespace, t.name)) {
          cmd.out().println(deleted.apply(t));
        } else {
          missing++;
          cmd.err().println("Error: " + GetCommand.notFound(t.kind, t.name, t.namespace));
        }
      }
    } finally {
      cmd.out().flush();
      cmd.err().flush();
    }
    return missing == 0 ? 0 : 1;
  }

  /** A resource to delete. */
  record Target(Kind kind, String namespace, String name) {}
}
