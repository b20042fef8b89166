package dev.coldbrew.cli.commands;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.cli.ApiClient;
import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import dev.coldbrew.cli.Views;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coldbrew get KIND [NAME...]}: list resources of any kind, like kubectl get. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description =
        "List resources: services (ksvc), configurations, revisions, routes, sks, pa (kpa),"
            + " endpoints, events.")
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
      description = "With events: keep printing new events as they happen.")
  boolean watch;

  @Mixin OutputOptions output;

  @Override
  public Integer call() {
    if (EventsView.isEvents(kindName)) {
      return EventsView.print(this, allNamespaces ? null : namespace, !output.noHeaders, watch);
    }
    if (watch) {
      throw new UsageException("--watch: only for events (got KIND \"" + kindName + "\")");
    }
    Kind kind = kind(kindName);
    ApiClient client = client();
    List<Resource> items = new ArrayList<>();
    if (names.isEmpty()) {
      items.addAll(client.list(kind, allNamespaces ? null : namespace));
      items.sort(
          java.util.Comparator.comparing((Resource r) -> r.metadata.namespace)
              .thenComparing(r -> r.metadata.name));
    } else {
      for (String n : names) {
        items.add(
            client
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
    List<Service> services =
        kind == Kind.REVISION
            ? client.list(Kind.SERVICE, allNamespaces ? null : namespace)
            : List.of();
    Views.table(kind, items, allNamespaces, !output.noHeaders, services, clock).print(out());
    return 0;
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
                        + " serverlessservices|sks, podautoscalers|pa, endpoints|ep, events|ev)"));
  }

  static String notFound(Kind kind, String name, String namespace) {
    return kind.kindName() + " '" + name + "' not found in namespace '" + namespace + "'";
  }
}
