package dev.coldbrew.cli.commands;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.cli.ApiClient;
import dev.coldbrew.cli.ApiException;
import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.Manifests;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coldbrew apply -f FILE|DIR|-}: create or update every resource in the manifests. */
@Command(
    name = "apply",
    mixinStandardHelpOptions = true,
    description = "Create or update resources from Knative manifests (YAML or JSON).")
public class ApplyCommand extends ClientCommand {
  @Option(
      names = {"-f", "--filename"},
      required = true,
      paramLabel = "FILE|DIR|-",
      description = "A manifest file, a directory of them, or - for standard input. Repeatable.")
  List<String> files;

  @Override
  public Integer call() {
    ApiClient client = client();
    int failures = 0;
    for (Manifests.Document doc : Manifests.read(files, System.in)) {
      try {
        Kind kind = ResourceCodec.kindOf(doc.node());
        ApiClient.ApplyResult r = client.apply(doc.node(), namespace);
        out().println(qualified(kind) + "/" + r.resource().metadata.name + " " + r.outcome());
      } catch (ApiException e) {
        if (e.code() == 0) {
          throw e;
        }
        failures++;
        err().println("Error: " + doc.source() + ": " + e.getMessage());
        e.causes().forEach(c -> err().println("  " + c));
      } catch (ValidationException e) {
        failures++;
        err().println("Error: " + doc.source() + ":");
        e.errors().forEach(c -> err().println("  " + c));
      }
    }
    out().flush();
    err().flush();
    return failures == 0 ? 0 : 1;
  }

  /** {@code service.serving.knative.dev}, as kubectl prints it. */
  static String qualified(Kind kind) {
    String k = kind.kindName().toLowerCase(java.util.Locale.ROOT);
    return kind.group().isEmpty() ? k : k + "." + kind.group();
  }
}
