package dev.coldbrew.cli.commands;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.Views;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code list}, {@code describe} and {@code delete} verbs that {@code service}, {@code
 * revision} and {@code route} share, as {@code kn} has them; each noun binds them to its kind.
 */
final class NounVerbs {
  private NounVerbs() {}

  /** {@code NOUN list [NAME] [-A] [-o FORMAT] [--no-headers]}. */
  abstract static class ListVerb extends ClientCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME")
    String name;

    @Option(
        names = {"-A", "--all-namespaces"},
        description = "List in every namespace.")
    boolean all;

    @Mixin OutputOptions output;

    abstract Kind kind();

    /** Which resources to show; all by default. */
    Predicate<Resource> filter() {
      return r -> true;
    }

    @Mixin EngineOptions engine;

    @Override
    public Integer call() {
      try (Resources res = Resources.of(this, engine)) {
        return list(res);
      }
    }

    private int list(GetCommand.Reader reader) {
      Kind kind = kind();
      List<Resource> items = new ArrayList<>(reader.list(kind, all ? null : namespace));
      items.removeIf(r -> (name != null && !r.metadata.name.equals(name)) || !filter().test(r));
      items.sort(GetCommand.BY_NAMESPACE_AND_NAME);
      if (output.machine()) {
        output.print(items, false, out());
        return 0;
      }
      if (items.isEmpty()) {
        out().println("No " + kind.plural() + " found.");
        out().flush();
        return name == null ? 0 : 1;
      }
      @SuppressWarnings("unchecked")
      List<Service> services =
          kind == Kind.REVISION
              ? (List<Service>) reader.list(Kind.SERVICE, all ? null : namespace)
              : List.of();
      Views.table(kind, items, all, !output.noHeaders, services, clock()).print(out());
      return 0;
    }
  }

  /** {@code NOUN describe NAME [-o yaml|json|url]}. */
  abstract static class DescribeVerb extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "FORMAT",
        description = "yaml, json, or url (services, routes and domain mappings).")
    String output;

    @Mixin EngineOptions engine;

    abstract Kind kind();

    @Override
    public Integer call() {
      return DescribeCommand.describe(kind(), name, output, engine, this);
    }
  }

  /** {@code NOUN delete NAME...}: one line per deleted resource, exit 1 if any was missing. */
  abstract static class DeleteVerb extends ClientCommand {
    @Parameters(arity = "0..*", paramLabel = "NAME")
    List<String> names = new ArrayList<>();

    @Mixin EngineOptions engine;

    abstract Kind kind();

    /** The names to delete: those given, by default. */
    List<String> targets() {
      if (names.isEmpty()) {
        throw new UsageException(
            kind().kindName().toLowerCase(java.util.Locale.ROOT) + " delete: expected NAME...");
      }
      return names;
    }

    /** kn's message for a deletion. */
    abstract String deleted(String name);

    /** What resources of this kind exist in the namespace, where they live. */
    List<? extends Resource> existing() {
      try (Resources res = Resources.of(this, engine)) {
        return res.list(kind(), namespace);
      }
    }

    @Override
    public Integer call() {
      List<DeleteCommand.Target> targets = new ArrayList<>();
      targets().forEach(n -> targets.add(new DeleteCommand.Target(kind(), namespace, n)));
      return DeleteCommand.delete(this, engine, targets, t -> deleted(t.name()));
    }
  }
}
