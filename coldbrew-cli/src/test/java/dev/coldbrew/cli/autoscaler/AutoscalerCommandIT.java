package dev.coldbrew.cli.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs {@code coldbrew autoscaler decide|simulate} through the real shaded jar. */
class AutoscalerCommandIT {
  private static final Path JAR = Path.of("target", "coldbrew.jar");
  private static final String RES = "src/test/resources/autoscaler/";
  private static final String SAMPLES = "../samples/autoscaler/"; // the traces the docs use
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Run(int exitCode, String out, String err) {}

  private static Run coldbrew(String... args) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("coldbrew-out", ".txt");
    Path err = Files.createTempFile("coldbrew-err", ".txt");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("coldbrew " + String.join(" ", args) + " did not finish");
      }
      return new Run(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  @Test
  void decidePrintsTheWorkedExampleAsJson() throws Exception {
    Run r = coldbrew("autoscaler", "decide", "-f", RES + "worked-example.yaml", "-o", "json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode expected =
        JSON.readTree(
            """
            [
              {"at": 0, "valid": true, "desiredPodCount": 1, "excessBurstCapacity": -212, "panicking": false},
              {"at": 4, "valid": true, "desiredPodCount": 7, "excessBurstCapacity": -246, "panicking": true},
              {"at": 6, "valid": true, "desiredPodCount": 7, "excessBurstCapacity": -181, "panicking": true},
              {"at": 70, "valid": true, "desiredPodCount": 5, "excessBurstCapacity": -151, "panicking": false},
              {"at": 72, "valid": true, "desiredPodCount": 3, "excessBurstCapacity": -144, "panicking": false},
              {"at": 74, "valid": false, "desiredPodCount": 0, "excessBurstCapacity": 0, "panicking": false},
              {"at": 76, "valid": false, "desiredPodCount": 0, "excessBurstCapacity": 0, "panicking": false}
            ]
            """);
    assertThat(JSON.readTree(r.out())).isEqualTo(expected);
  }

  @Test
  void theSampleScenarioOfTheDocsPrintsTheirTable() throws Exception {
    Run r = coldbrew("autoscaler", "decide", "-f", SAMPLES + "scenario.yaml");
    assertThat(r.exitCode()).as(r.err()).isZero();
    // docs/autoscaling.md shows this table for samples/autoscaler/scenario.yaml
    assertThat(r.out().lines().skip(1).map(l -> l.split("\\s+")[5]).toList())
        .containsExactly("1", "7", "7", "5", "3", "0");
  }

  @Test
  void decidePrintsATableByDefault() throws Exception {
    Run r = coldbrew("autoscaler", "decide", "-f", RES + "worked-example.yaml");
    assertThat(r.exitCode()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).startsWith("AT").contains("DESIRED").contains("EBC");
    assertThat(lines.get(2).split("\\s+"))
        .containsExactly("4s", "1", "20", "45", "true", "7", "-246", "yes");
    assertThat(lines).hasSize(8);
  }

  @Test
  void decideRejectsABadScenarioNamingEachKey() throws Exception {
    Run r = coldbrew("autoscaler", "decide", "-f", RES + "bad-scenario.yaml");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .contains("decider.targetValue: 0 (expected: >= 0.01)")
        .contains("decider.stableWindow: \"1 minute\"")
        .contains("steps[0].ready: \"many\" (expected: an integer >= 0 or \"error\")");
  }

  @Test
  void decideAcceptsTheSpecsKnativesDeciderTestsUse() throws Exception {
    // total, TBC, activator capacity and stable window all 0, as in Knative's own test
    Run r =
        coldbrew("autoscaler", "decide", "-f", RES + "knative-scale-down-delay.yaml", "-o", "json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode out = JSON.readTree(r.out());
    assertThat(out.findValuesAsText("desiredPodCount")).containsExactly("4", "4", "0");
    assertThat(out.findValuesAsText("excessBurstCapacity")).containsOnly("0");
  }

  @Test
  void simulateAColdStartFromZero() throws Exception {
    Run r = coldbrew("autoscaler", "simulate", "-f", SAMPLES + "cold-start.csv", "-o", "json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode summary = JSON.readTree(r.out()).get("summary");
    // Idle from 0 s: to zero at 63 s; the request at 200 s waits 500 ms for the cold start; the
    // instance goes again at 263.5 s (see SimulatorTest for the derivation).
    assertThat(summary.get("instanceSeconds").asDouble()).isEqualTo(126.5);
    assertThat(summary.get("coldStarts").asInt()).isEqualTo(1);
    assertThat(summary.get("peakInstances").asInt()).isEqualTo(1);
    assertThat(summary.get("waitedRequests").asInt()).isEqualTo(1);
    assertThat(summary.get("maxWaitMillis").asInt()).isEqualTo(500);
  }

  @Test
  void simulateWithAnnotationsAsCsvAndTable() throws Exception {
    String[] common = {
      "autoscaler",
      "simulate",
      "-f",
      SAMPLES + "burst.csv",
      "--annotation",
      "autoscaling.knative.dev/target=10",
      "--annotation",
      "target-utilization-percentage=100",
      "--cold-start",
      "1s"
    };
    Run csv = coldbrew(concat(common, "-o", "csv"));
    assertThat(csv.exitCode()).as(csv.err()).isZero();
    assertThat(csv.out())
        .startsWith(
            "second,poke,valid,stable,panic,desired,ebc,panicking,scale,instances,ready,sks,active\n")
        .contains("\n2,no,true,33.333333,33.333333,4,")
        .contains("\npeakInstances,5\n");
    Run table = coldbrew(common);
    assertThat(table.exitCode()).as(table.err()).isZero();
    assertThat(table.out()).contains("SUMMARY").containsPattern("peakInstances\\s+5");
  }

  @Test
  void simulateReadsTheAutoscalerSectionOfAConfigFile() throws Exception {
    Run r =
        coldbrew(
            "autoscaler",
            "simulate",
            "-f",
            SAMPLES + "cold-start.csv",
            "--config",
            RES + "simulate-config.yaml",
            "-o",
            "json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode summary = JSON.readTree(r.out()).get("summary");
    // initial-scale 0: nothing runs until the request at 200 s starts an instance (ready 500 ms
    // later); the PA goes Inactive a stable window after it became Active (260.5 s), and the
    // retention of 20 s (over the grace period of 10 s) keeps the instance until 280.5 s: 80.5
    // instance-seconds, against 126.5 with Knative's defaults (simulateAColdStartFromZero)
    assertThat(summary.get("instanceSeconds").asDouble()).isEqualTo(80.5);
    assertThat(summary.get("coldStarts").asInt()).isEqualTo(1);
    assertThat(summary.get("maxWaitMillis").asInt()).isEqualTo(500);
  }

  @Test
  void simulateRejectsABadConfigFile() throws Exception {
    Path bad = Files.createTempFile("coldbrew-config", ".yaml");
    try {
      Files.writeString(bad, "autoscaler:\n  scale-to-zero-grace-period: soon\n  colour: blue\n");
      Run r =
          coldbrew(
              "autoscaler", "simulate", "-f", SAMPLES + "burst.csv", "--config", bad.toString());
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.out()).isEmpty();
      assertThat(r.err())
          .contains("autoscaler.scale-to-zero-grace-period: \"soon\"")
          .contains("autoscaler.colour")
          .contains(bad.toString());
      Run missing =
          coldbrew(
              "autoscaler", "simulate", "-f", SAMPLES + "burst.csv", "--config", "no-such.yaml");
      assertThat(missing.exitCode()).isEqualTo(1);
      assertThat(missing.err()).contains("--config").contains("no-such.yaml");
    } finally {
      Files.deleteIfExists(bad);
    }
  }

  @Test
  void simulateRejectsABadAnnotation() throws Exception {
    Run r =
        coldbrew(
            "autoscaler",
            "simulate",
            "-f",
            SAMPLES + "burst.csv",
            "--annotation",
            "window=5s",
            "--container-concurrency",
            "2000");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "spec.template.metadata.annotations.autoscaling.knative.dev/window: \"5s\" (expected: 6s..1h)")
        .contains("--container-concurrency: 2000 (expected: 0..1000)");
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
