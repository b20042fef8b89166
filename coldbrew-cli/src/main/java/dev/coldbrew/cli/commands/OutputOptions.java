package dev.coldbrew.cli.commands;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.cli.UsageException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code -o/--output} and {@code --no-headers}, shared by list and get commands. */
public class OutputOptions {
  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "Output format: yaml, json or name (default: a table).")
  String output;

  @Option(names = "--no-headers", description = "Print tables without their header row.")
  boolean noHeaders;

  /** True when a machine format was asked for. */
  boolean machine() {
    if (output == null) {
      return false;
    }
    if (!List.of("yaml", "json", "name").contains(output)) {
      throw new UsageException("-o/--output: \"" + output + "\" (expected: yaml, json or name)");
    }
    return true;
  }

  /** One object of a stream (a watch): YAML documents each after a {@code ---}. */
  void printOne(Resource r, PrintWriter out) {
    if (output.equals("yaml")) {
      out.println("---");
    }
    print(List.of(r), true, out);
  }

  /** Prints resources in the machine format: one object, or a List of several. */
  void print(List<? extends Resource> items, boolean single, PrintWriter out) {
    if (output.equals("name")) {
      items.forEach(
          r ->
              out.println(
                  r.kind.toLowerCase(java.util.Locale.ROOT)
                      + "."
                      + r.resourceKind().group()
                      + "/"
                      + r.metadata.name));
      out.flush();
      return;
    }
    Object value =
        single && items.size() == 1
            ? items.get(0)
            : Map.of("apiVersion", "v1", "kind", "List", "items", items);
    out.print(
        output.equals("json")
            ? ResourceCodec.toPrettyJson(value) + "\n"
            : ResourceCodec.toYaml(value));
    out.flush();
  }
}
