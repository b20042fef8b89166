package dev.coldbrew.cli.commands;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.cli.ApiClient;
import dev.coldbrew.cli.ApiException;
import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.Manifests;
import dev.coldbrew.cli.UsageException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Option(
      names = "--concurrency",
      defaultValue = "16",
      paramLabel = "N",
      description =
          "Documents sent at once (default: ${DEFAULT-VALUE}); documents naming the same resource"
              + " are still applied in file order. Output keeps file order.")
  int concurrency;

  @Mixin EngineOptions engine;

  @Override
  public Integer call() {
    if (concurrency < 1) {
      throw new UsageException("--concurrency: " + concurrency + " (expected: >= 1)");
    }
    if (engine.kubernetes()) {
      return Clusters.apply(engine, Manifests.read(files, System.in), namespace, out(), err());
    }
    ApiClient client = client();
    List<Manifests.Document> docs = Manifests.read(files, System.in);
    ExecutorService pool =
        Executors.newFixedThreadPool(Math.min(concurrency, Math.max(1, docs.size())));
    try {
      // One chain per resource: later documents for the same resource wait for earlier ones.
      Map<String, CompletableFuture<Outcome>> last = new HashMap<>();
      List<CompletableFuture<Outcome>> results = new ArrayList<>();
      for (Manifests.Document doc : docs) {
        String id = identity(doc);
        CompletableFuture<Outcome> before = last.get(id);
        CompletableFuture<Outcome> f =
            before == null
                ? CompletableFuture.supplyAsync(() -> applyOne(client, doc), pool)
                : before.thenApplyAsync(x -> applyOne(client, doc), pool);
        last.put(id, f);
        results.add(f);
      }
      int failures = 0;
      for (CompletableFuture<Outcome> f : results) {
        Outcome o = f.join();
        if (o.fatal() != null) {
          throw o.fatal();
        }
        if (o.line() != null) {
          out().println(o.line());
        } else {
          failures++;
          o.errors().forEach(err()::println);
        }
      }
      return failures == 0 ? 0 : 1;
    } finally {
      pool.shutdownNow();
      out().flush();
      err().flush();
    }
  }

  /** What applying one document printed: a result line, or error lines, or a fatal error. */
  private record Outcome(String line, List<String> errors, ApiException fatal) {}

  private Outcome applyOne(ApiClient client, Manifests.Document doc) {
    try {
      Kind kind = ResourceCodec.kindOf(doc.node());
      ApiClient.ApplyResult r = client.apply(doc.node(), namespace);
      return new Outcome(done(kind, r.resource().metadata.name, r.outcome()), null, null);
    } catch (ApiException e) {
      if (e.code() == 0) {
        return new Outcome(null, null, e);
      }
      List<String> lines = new ArrayList<>();
      lines.add("Error: " + doc.source() + ": " + e.getMessage());
      e.causes().forEach(c -> lines.add("  " + c));
      return new Outcome(null, lines, null);
    } catch (ValidationException e) {
      return new Outcome(null, invalid(doc, e), null);
    }
  }

  /**
   * What a change to a resource prints, as kubectl: {@code service.serving.knative.dev/hello
   * created}.
   */
  static String done(Kind kind, String name, String verb) {
    return qualified(kind) + "/" + name + " " + verb;
  }

  /** What a document refused by validation prints: where, then each field error indented. */
  static List<String> invalid(Manifests.Document doc, ValidationException e) {
    List<String> lines = new ArrayList<>();
    lines.add("Error: " + doc.source() + ":");
    e.errors().forEach(c -> lines.add("  " + c));
    return lines;
  }

  /** kind/namespace/name as written in the document (blank parts stay blank). */
  private String identity(Manifests.Document doc) {
    var n = doc.node();
    return n.path("apiVersion").asText("")
        + "/"
        + n.path("kind").asText("")
        + "/"
        + n.path("metadata").path("namespace").asText(namespace)
        + "/"
        + n.path("metadata").path("name").asText("");
  }

  /** {@code service.serving.knative.dev}, as kubectl prints it. */
  private static String qualified(Kind kind) {
    String k = kind.kindName().toLowerCase(java.util.Locale.ROOT);
    return kind.group().isEmpty() ? k : k + "." + kind.group();
  }
}
