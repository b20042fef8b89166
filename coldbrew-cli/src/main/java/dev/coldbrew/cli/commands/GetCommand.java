package dev.coldbrew.cli.commands;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.cli.ApiClient;
import dev.coldbrew.cli.ApiException;
import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import dev.coldbrew.cli.Views;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coldbrew get KIND [NAME...]}: list resources of any kind, like kubectl get. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description =
        "List resources: services (ksvc), configurations, revisions, routes, domainmappings"
            + " (dm), sks, pa (kpa), endpoints, events.")
public class GetCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "KIND", description = "The kind, e.g. ksvc, rev, sks.")
  String kindName;

  @Parameters(index = "1..*", paramLabel = "NAME", description = "Names (default: all).")
  List<String> names = new ArrayList<>();

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "List in every namespace.")
  boolean allNamespaces;

  @Option(
      names = {"-w", "--watch"},
      description =
          "After the list, keep printing each change as it happens: a row per changed resource"
              + " (or an object with -o); with events, each new event.")
  boolean watch;

  @Mixin OutputOptions output;

  @Mixin EngineOptions engine;

  /**
   * The order lists are printed in. Written out: {@code Comparator.comparing} makes serializable
   * lambdas, which the class-data archive does not keep, so every call would make them anew.
   */
  static final Comparator<Resource> BY_NAMESPACE_AND_NAME =
      (a, b) -> {
        int c = a.metadata.namespace.compareTo(b.metadata.namespace);
        return c != 0 ? c : a.metadata.name.compareTo(b.metadata.name);
      };

  /** Reads resources from wherever they live. */
  interface Reader {
    List<? extends Resource> list(Kind kind, String namespace);

    Optional<? extends Resource> get(Kind kind, String namespace, String name);
  }

  @Override
  public Integer call() {
    if (EventsView.isEvents(kindName)) {
      return EventsView.print(this, allNamespaces ? null : namespace, !output.noHeaders, watch);
    }
    Kind kind = kind(kindName);
    try (Resources res = Resources.of(this, engine)) {
      return watch ? watch(kind, res) : print(kind, res);
    }
  }

  private Integer print(Kind kind, Reader reader) {
    List<Resource> items = new ArrayList<>();
    if (names.isEmpty()) {
      items.addAll(reader.list(kind, allNamespaces ? null : namespace));
      items.sort(BY_NAMESPACE_AND_NAME);
    } else {
      for (String n : names) {
        items.add(
            reader
                .get(kind, namespace, n)
                .orElseThrow(() -> new UserException(notFound(kind, n, namespace))));
      }
    }
    if (output.machine()) {
      output.print(items, !names.isEmpty(), out());
      return 0;
    }
    if (items.isEmpty()) {
      err().println("No " + kind.plural() + " found.");
      err().flush();
      return 0;
    }
    Views.table(kind, items, allNamespaces, !output.noHeaders, services(kind, reader), clock)
        .print(out());
    return 0;
  }

  /**
   * {@code get KIND -w}: the list as a table (or objects with {@code -o}), then a row (an object)
   * per change until interrupted, as {@code kubectl get -w}. When the server ends the stream the
   * watch goes on from the last resourceVersion seen; when it can no longer (410), the list is
   * printed again. A change that hands back an object exactly as listed (same uid and
   * resourceVersion: some servers start a watch with the objects they hold) is not printed twice.
   */
  private int watch(Kind kind, Resources res) {
    String ns = allNamespaces ? null : namespace;
    java.util.function.Predicate<Resource> wanted =
        r -> names.isEmpty() || names.contains(r.metadata.name);
    boolean machine = output.machine();
    int[] widths = null;
    String rv = null;
    java.util.Set<String> listed = new java.util.HashSet<>();
    java.util.function.Function<Resource, String> version =
        r -> r.metadata.uid + "@" + r.metadata.resourceVersion;
    while (true) {
      if (rv == null) {
        ApiClient.Listed<Resource> list = res.listWithVersion(kind, ns);
        List<Resource> items = new ArrayList<>(list.items());
        items.removeIf(wanted.negate());
        listed.clear();
        items.forEach(r -> listed.add(version.apply(r)));
        items.sort(BY_NAMESPACE_AND_NAME);
        if (machine) {
          items.forEach(r -> output.printOne(r, out()));
        } else {
          var table =
              Views.table(
                  kind, items, allNamespaces, !output.noHeaders, services(kind, res), clock);
          if (widths == null) {
            table.print(out());
            widths = table.widths();
          } else {
            table.printRows(out(), widths);
          }
        }
        rv = list.resourceVersion();
      }
      int[] w = widths;
      try {
        rv =
            res.watch(
                kind,
                ns,
                rv,
                change -> {
                  Resource r = change.resource();
                  if (!wanted.test(r) || listed.remove(version.apply(r))) {
                    return;
                  }
                  if (machine) {
                    output.printOne(r, out());
                  } else {
                    Views.table(kind, List.of(r), allNamespaces, true, services(kind, res), clock)
                        .printRows(out(), w);
                  }
                });
      } catch (ApiException e) {
        if (e.code() != 410) {
          throw e;
        }
        rv = null; // too far behind: list again
      }
    }
  }

  /** The services a revision table takes its TRAFFIC and TAGS from. */
  private List<Service> services(Kind kind, Reader reader) {
    List<Service> services = new ArrayList<>();
    if (kind == Kind.REVISION) {
      for (Resource r : reader.list(Kind.SERVICE, allNamespaces ? null : namespace)) {
        services.add((Service) r);
      }
    }
    return services;
  }

  /** The kind a user typed, or a usage error listing the kinds. */
  static Kind kind(String name) {
    return Kind.byName(name)
        .orElseThrow(
            () ->
                new UsageException(
                    "KIND: \""
                        + name
                        + "\" (expected: services|ksvc, configurations, revisions|rev, routes,"
                        + " domainmappings|dm, serverlessservices|sks, podautoscalers|pa,"
                        + " endpoints|ep, events|ev)"));
  }

  static String notFound(Kind kind, String name, String namespace) {
    return kind.kindName() + " '" + name + "' not found in namespace '" + namespace + "'";
  }
}
