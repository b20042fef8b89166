package dev.coldbrew.cli.autoscaler;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.autoscaling.AutoscalingAnnotations;
import dev.coldbrew.api.codec.Durations;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.Unreadable;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.autoscaler.sim.SimulationReport;
import dev.coldbrew.autoscaler.sim.Simulator;
import dev.coldbrew.autoscaler.sim.Trace;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import dev.coldbrew.server.PlatformConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code coldbrew autoscaler simulate}: the whole autoscaling pipeline offline on a trace. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description =
        "Simulate a Revision under a load trace: metric windows, the KPA decider every 2 s (poked"
            + " at zero), the PodAutoscaler's bounds and scale-to-zero, instances that take"
            + " --cold-start to get ready. Prints every tick, then instance-seconds, cold starts,"
            + " peak instances and how long requests waited.")
public final class SimulateCommand implements Callable<Integer> {
  private static final String ANNOTATIONS_PATH = "spec.template.metadata.annotations";

  @Spec CommandSpec spec;

  @Option(
      names = {"-f", "--filename"},
      required = true,
      paramLabel = "FILE",
      description = "CSV trace with a header: second,concurrency or timestamp,durationMs.")
  Path file;

  @Option(
      names = {"-a", "--annotation"},
      paramLabel = "K=V",
      description =
          "A Revision template annotation, e.g. autoscaling.knative.dev/target=10 (the"
              + " autoscaling.knative.dev/ prefix may be left out). Repeatable.")
  List<String> annotations = new ArrayList<>();

  @Option(
      names = "--container-concurrency",
      paramLabel = "N",
      defaultValue = "0",
      description = "The Revision's containerConcurrency, 0..1000 (default 0 = unlimited).")
  long containerConcurrency;

  @Option(
      names = "--cold-start",
      paramLabel = "DURATION",
      defaultValue = "500ms",
      description = "How long a new instance takes to become ready (default 500ms).")
  String coldStart;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      description = "How long to simulate (default: the trace, then long enough to scale to zero).")
  String duration;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "The platform's config file, read as serve --config reads it: its autoscaler: section"
              + " (initial scale, grace period, retention, windows, max-scale, ...) sets what"
              + " annotations do not. Without it, Knative's defaults.")
  Path config;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "table (default), csv or json.")
  String output;

  @Override
  public Integer call() {
    // the config file first: the annotations are checked against it
    AutoscalerConfig autoscaler =
        config == null ? AutoscalerConfig.defaults() : PlatformConfig.load(config).autoscaler();
    List<FieldError> errors = new ArrayList<>();
    if (!List.of("table", "csv", "json").contains(output)) {
      errors.add(FieldError.invalid("--output", output, "table, csv or json"));
    }
    if (containerConcurrency < 0 || containerConcurrency > 1000) {
      errors.add(FieldError.invalid("--container-concurrency", containerConcurrency, "0..1000"));
    }
    Duration cold = flagDuration("--cold-start", coldStart, errors);
    Duration until = duration == null ? null : flagDuration("--duration", duration, errors);
    Map<String, String> map = new LinkedHashMap<>();
    for (String a : annotations) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        errors.add(FieldError.invalid("--annotation", a, "KEY=VALUE"));
        continue;
      }
      String key = a.substring(0, eq).trim();
      if (!key.contains("/")) {
        key = AutoscalingAnnotations.PREFIX + key;
      }
      map.put(key, a.substring(eq + 1).trim());
    }
    AutoscalingAnnotations.validate(map, autoscaler, ANNOTATIONS_PATH, errors);
    if (!errors.isEmpty()) {
      throw new UsageException(
          "invalid flags:\n" + UserException.indent(new ValidationException(errors)));
    }
    Trace trace;
    try {
      trace = Trace.parseCsv(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UserException("-f: " + Unreadable.why(file, e));
    } catch (ValidationException e) {
      throw new UserException("invalid trace", e);
    }
    Simulator.Result result =
        Simulator.run(
            trace, new Simulator.Options(autoscaler, map, containerConcurrency, cold, until));
    String out =
        switch (output) {
          case "csv" -> SimulationReport.csv(result);
          case "json" -> SimulationReport.json(result);
          default -> SimulationReport.table(result);
        };
    spec.commandLine().getOut().print(out);
    spec.commandLine().getOut().flush();
    return 0;
  }

  private static Duration flagDuration(String flag, String value, List<FieldError> errors) {
    try {
      Duration d = Durations.parse(value);
      if (d.isNegative()) {
        errors.add(FieldError.invalid(flag, value, "a duration >= 0"));
        return Duration.ZERO;
      }
      return d;
    } catch (IllegalArgumentException e) {
      errors.add(FieldError.invalid(flag, value, Durations.expected(value)));
      return Duration.ZERO;
    }
  }
}
