package dev.coldbrew.autoscaler.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every tick and the summary of {@code autoscaler simulate} on three traces under settings that
 * reach every branch of the pipeline (panic, scale-down delay, bounds, initial scale, retention,
 * TBC 0 and -1, activation scale, rps, weighted-exponential windows, scale to zero turned off),
 * compared with the output recorded in {@code src/test/resources/sim/*.out.csv}. The recordings
 * were made with the simulator's own glue, before it ran {@link
 * dev.coldbrew.autoscaler.RevisionAutoscaler}: they pin that the shared unit decides exactly as the
 * glue did. Run with {@code -Dsim.record=true} to record again after an intended change.
 */
class SimulatorRecordedRunsTest {
  private static final String A = "autoscaling.knative.dev/";

  static Stream<Arguments> runs() {
    return Stream.of(
        run("cold-start", "cold-start.csv", Map.of(), Map.of(), 0, "500ms"),
        run(
            "burst",
            "burst.csv",
            Map.of("target", "10", "target-utilization-percentage", "100"),
            Map.of(),
            0,
            "1s"),
        run("mixed-defaults", "mixed.csv", Map.of(), Map.of(), 0, "500ms"),
        run("mixed-cc2-tbc0", "mixed.csv", Map.of("target-burst-capacity", "0"), Map.of(), 2, "2s"),
        run(
            "mixed-bounds-delay",
            "mixed.csv",
            Map.of(
                "target", "5",
                "scale-down-delay", "10s",
                "window", "20s",
                "panic-window-percentage", "20",
                "min-scale", "1",
                "max-scale", "6"),
            Map.of(),
            0,
            "1s"),
        run(
            "mixed-initial-retention",
            "mixed.csv",
            Map.of(
                "initial-scale", "3",
                "scale-to-zero-pod-retention-period", "45s",
                "target-burst-capacity", "-1",
                "activation-scale", "2",
                "metric-aggregation-algorithm", "weighted-exponential"),
            Map.of(),
            1,
            "700ms"),
        run(
            "mixed-rps",
            "mixed.csv",
            Map.of("metric", "rps", "target", "10"),
            Map.of(),
            0,
            "300ms"),
        run(
            "mixed-config",
            "mixed.csv",
            Map.of(),
            Map.of(
                "stable-window", "30s",
                "scale-to-zero-grace-period", "10s",
                "target-burst-capacity", "50",
                "max-scale-down-rate", "4"),
            3,
            "1s"),
        run(
            "mixed-no-scale-to-zero",
            "mixed.csv",
            Map.of(),
            Map.of("enable-scale-to-zero", "false"),
            0,
            "1s"));
  }

  private static Arguments run(
      String name,
      String trace,
      Map<String, String> annotations,
      Map<String, String> config,
      long containerConcurrency,
      String coldStart) {
    Map<String, String> full = new LinkedHashMap<>();
    annotations.forEach((k, v) -> full.put(A + k, v));
    return Arguments.of(
        name,
        trace,
        new Simulator.Options(
            AutoscalerConfig.fromMap("autoscaler", config),
            full,
            containerConcurrency,
            dev.coldbrew.api.codec.Durations.parse(coldStart),
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("runs")
  void matchesTheRecordedRun(String name, String trace, Simulator.Options options)
      throws IOException {
    String csv = SimulationReport.csv(Simulator.run(Trace.parseCsv(trace, read(trace)), options));
    Path recorded = Path.of("src/test/resources/sim", name + ".out.csv");
    if (Boolean.getBoolean("sim.record")) {
      Files.writeString(recorded, csv, StandardCharsets.UTF_8);
      return;
    }
    assertThat(csv).isEqualTo(read(name + ".out.csv"));
  }

  private static String read(String resource) throws IOException {
    try (InputStream in = SimulatorRecordedRunsTest.class.getResourceAsStream("/sim/" + resource)) {
      assertThat(in).as(resource).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
