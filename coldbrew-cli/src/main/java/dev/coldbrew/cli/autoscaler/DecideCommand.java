package dev.coldbrew.cli.autoscaler;

import dev.coldbrew.api.validation.Unreadable;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.autoscaler.sim.DecideScenario;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code coldbrew autoscaler decide}: the KPA decider alone on a scenario file. */
@Command(
    name = "decide",
    mixinStandardHelpOptions = true,
    description =
        "Run Knative's KPA decider on the observations of a scenario file and print, per step,"
            + " the desired instance count, the excess burst capacity and whether it panics.")
public final class DecideCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-f", "--filename"},
      required = true,
      paramLabel = "FILE",
      description = "The scenario (YAML): decider, readyAtStart, steps.")
  Path file;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "table (default) or json.")
  String output;

  @Override
  public Integer call() {
    if (!output.equals("table") && !output.equals("json")) {
      throw new UsageException("--output: \"" + output + "\" (expected: table or json)");
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UserException("-f: " + Unreadable.why(file, e));
    }
    DecideScenario scenario;
    try {
      scenario = DecideScenario.parse(text);
    } catch (ValidationException e) {
      throw new UserException(file + ": invalid scenario", e);
    }
    List<DecideScenario.Outcome> outcomes = scenario.run();
    String out =
        output.equals("json") ? DecideScenario.toJson(outcomes) + "\n" : scenario.toTable(outcomes);
    spec.commandLine().getOut().print(out);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
