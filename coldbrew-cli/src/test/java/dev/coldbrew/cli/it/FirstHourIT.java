package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Knative user meets in their first hour, through the real jar: messages that name the flag
 * or file and say what to do, warnings for annotations that have no effect, kn's describe fields
 * and {@code get -w}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(
    MethodOrderer.OrderAnnotation.class) // the restart last: the others' time is its wait
class FirstHourIT {
  private static final String FAILED = "failed-" + System.nanoTime();
  Path dir;
  Platform platform;

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    dir = tmp;
    platform = new Platform(dir).start();
    // a revision that never comes up, for the restart test: it has given up by then (its
    // activation times out 1 s + 30 s after it was made)
    Files.createFile(EchoApp.crashFile(FAILED));
    platform.apply(
        Manifests.service(
            "failed",
            EchoApp.class,
            FAILED,
            Map.of("serving.knative.dev/progress-deadline", "1s"),
            "x",
            ""));
  }

  @AfterAll
  void stop() throws Exception {
    platform.close();
    Files.deleteIfExists(EchoApp.crashFile(FAILED));
  }

  private static String service(String name, Map<String, String> annotations) {
    return Manifests.service(name, EchoApp.class, name, annotations, "x", "");
  }

  @Test
  void cmdTakesOneWordAndTheErrorSaysHowToGiveArguments() throws Exception {
    var r = platform.cli("service", "create", "onecmd", "--cmd", "python3 app.py");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("--cmd: \"python3 app.py\" (expected: one word")
        .contains("--cmd python3 --arg app.py");
    assertThat(r.out()).doesNotContain("Creating");
  }

  @Test
  void flagMistakesAreReportedAsTheFlag() throws Exception {
    var r = platform.cli("service", "create", "badscale", "--cmd", "true", "--scale", "5..2");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--scale: \"5..2\" (expected: MIN..MAX with MIN <= MAX");
    r = platform.cli("service", "create", "badwin", "--cmd", "true", "--scale-window", "5s");
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .contains("--scale-window 5s: autoscaling.knative.dev/window: \"5s\"")
        .doesNotContain("spec.template.metadata.annotations");
    assertThat(r.out()).doesNotContain("Creating");
  }

  @Test
  void anUnreadableFileIsSaidInWords() throws Exception {
    Path missing = dir.resolve("missing.yaml");
    var r = platform.cli("apply", "-f", missing.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("-f: no such file: " + missing).doesNotContain("Exception");
  }

  @Test
  void unknownAutoscalingAnnotationsAreWarnedAbout() throws Exception {
    var r = platform.run(service("typo", Map.of("targt", "10")), "apply", "-f", "-");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err())
        .contains(
            "Warning: spec.template.metadata.annotations.autoscaling.knative.dev/targt: unknown"
                + " autoscaling annotation, it has no effect; did you mean"
                + " autoscaling.knative.dev/target?");
  }

  @Test
  void describeShowsScaleBoundsConcurrencyAndReplicas() throws Exception {
    platform.apply(
        Manifests.service(
            "described",
            EchoApp.class,
            "described",
            Map.of("min-scale", "0", "max-scale", "3", "target", "7"),
            "x",
            "      containerConcurrency: 10\n"));
    var r = platform.cli("service", "describe", "described");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .containsPattern("Scale: +0 \\.\\.\\. 3")
        .containsPattern("Concurrency: +Limit: 10, Target: 7")
        .containsPattern("Replicas: +\\d+/");
  }

  @Test
  void getWatchPrintsTheListThenARowPerChange() throws Exception {
    platform.apply(service("watched", Map.of("min-scale", "0")));
    List<String> cmd =
        List.of(
            Platform.java(),
            "-Duser.home=" + platform.home,
            "-jar",
            Platform.JAR.toString(),
            "get",
            "ksvc",
            "watched",
            "-w");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(dir.resolve("watch.err").toFile());
    pb.environment().put("COLDBREW_SERVER", "http://127.0.0.1:" + platform.adminPort);
    Process p = pb.start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null; ) {
                  lines.add(l);
                }
              } catch (java.io.IOException e) {
                lines.add("read failed: " + e);
              }
            });
    reader.start();
    try {
      assertThat(lines.poll(60, TimeUnit.SECONDS)).startsWith("NAME");
      assertThat(lines.poll(60, TimeUnit.SECONDS)).startsWith("watched ");
      var r = platform.cli("service", "update", "watched", "--no-wait", "-e", "TARGET=y");
      assertThat(r.code()).as(r.toString()).isZero();
      // the update, then the controller's status writes: each a row of the same service
      String row = lines.poll(60, TimeUnit.SECONDS);
      assertThat(row).as(Files.readString(dir.resolve("watch.err"))).startsWith("watched ");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> lines.stream().anyMatch(l -> l.contains("watched-00002")));
      assertThat(p.isAlive()).isTrue();
    } finally {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
      reader.join(30_000);
    }
  }

  @Test
  void anAppListeningOnAnotherPortThanPortIsNamedWithinSeconds() throws Exception {
    int other = Platform.freePort();
    String yaml =
        Manifests.service("wrongport", EchoApp.class, "wrongport", Map.of(), "x", "")
            .replace(
                "env: [{name: TARGET, value: \"x\"}]",
                "env: [{name: LISTEN_PORT, value: \""
                    + other
                    + "\"}]\n"
                    + "          ports: [{containerPort: "
                    + other
                    + "}]");
    long start = System.nanoTime();
    var r = platform.run(yaml, "apply", "-f", "-");
    assertThat(r.code()).as(r.toString()).isZero();
    // the wait ends with the reason instead of after the progress deadline (10 minutes)
    r = platform.cli("service", "wait", "wrongport", "--wait-timeout", "120");
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .contains("is not ready: RevisionFailed")
        .contains("the app listens on port " + other + " but not on $PORT");
    assertThat(seconds).as("long before the 600 s progress deadline").isLessThan(120);
    r = platform.cli("revision", "describe", "wrongport-00001");
    assertThat(r.out()).contains("PortMismatch").contains("listens on port " + other);
    r = platform.cli("logs", "wrongport");
    assertThat(r.out())
        .contains("[coldbrew] the app listens on port " + other)
        .containsPattern(
            "(?m)^\\[(wrongport-00001-[0-9a-f]+)\\] --- instance \\1 started "
                + RFC3339_S
                + " ---$");
    r = platform.cli("logs", "wrongport", "--timestamps");
    assertThat(r.out())
        .containsPattern(
            "(?m)^\\[wrongport-00001-[0-9a-f]+\\] "
                + RFC3339_MS
                + " \\[coldbrew\\] the app listens on port "
                + other);
    var bad =
        Http.CLIENT.send(
            platform
                .adminRequest("/logs/namespaces/default/services/wrongport?timestamps=maybe")
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("timestamps: \\\"maybe\\\" (expected: true or false)");
  }

  private static final String RFC3339_S = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";
  private static final String RFC3339_MS = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

  @Test
  void trafficAndTagsNamingAMissingRevisionAreRefusedAndDoNotBlockLaterUpdates() throws Exception {
    String yaml = service("refs", Map.of("min-scale", "0"));
    platform.apply(yaml);
    var r = platform.cli("service", "wait", "refs", "--wait-timeout", "120");
    assertThat(r.code()).as(r.toString()).isZero();

    r = platform.cli("service", "update", "refs", "--tag", "refs-00099=x");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "--tag: revision \"refs-00099\" not found in service 'refs' (expected: one of"
                + " refs-00001, a tag, or @latest)");
    r = platform.cli("service", "update", "refs", "--traffic", "refs-00009=100");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--traffic: revision \"refs-00009\" not found");
    r = platform.cli("get", "ksvc", "refs", "-o", "yaml");
    assertThat(r.out()).doesNotContain("refs-00099").doesNotContain("refs-00009");

    // stored anyway (a manifest): reported by the Route, but a later update still takes effect
    platform.apply(
        yaml
            + "  traffic:\n"
            + "    - {latestRevision: true, percent: 100}\n"
            + "    - {revisionName: refs-00099, percent: 0, tag: x}\n");
    r = platform.cli("service", "update", "refs", "-e", "TARGET=two", "--wait-timeout", "120");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("Ready to serve.")
        .contains("Warning: Revision \"refs-00099\" referenced in traffic not found.");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                platform.cli("service", "describe", "refs").out().contains("@latest (refs-00002)"));
  }

  @Test
  void secretAndConfigMapReferencesAreRefusedNamingTheField() throws Exception {
    String yaml =
        service("fromsecret", Map.of())
            .replace(
                "env: [{name: TARGET, value: \"x\"}]",
                "env: [{name: GREETING, valueFrom: {secretKeyRef: {name: s, key: k}}}]");
    var r = platform.run(yaml, "apply", "-f", "-");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "spec.template.spec.containers[0].env[0].valueFrom: not supported by the local"
                + " runtime, which has no Secrets or ConfigMaps (expected: value)");
    assertThat(platform.cli("get", "ksvc", "fromsecret").code()).isEqualTo(1);
  }

  @Test
  void aGradualRolloutIsRefusedRatherThanIgnored() throws Exception {
    String yaml =
        service("gradual", Map.of())
            .replace(
                "metadata:\n  name: gradual",
                "metadata:\n  name: gradual\n  annotations:\n"
                    + "    serving.knative.dev/rollout-duration: 300s");
    assertThat(yaml).contains("rollout-duration: 300s");
    var r = platform.run(yaml, "apply", "-f", "-");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "metadata.annotations.serving.knative.dev/rollout-duration: \"300s\" (expected: 0s or"
                + " unset: Coldbrew does not roll out gradually");
    r = platform.run(yaml.replace("300s", "0s"), "apply", "-f", "-");
    assertThat(r.code()).as(r.toString()).isZero();
  }

  @Test
  void ctrlCSaysWhatItDrainsAndASecondCtrlCStopsAtOnce() throws Exception {
    String marker = "ctrlc-" + System.nanoTime();
    platform.apply(
        Manifests.service("ctrlc", EchoApp.class, marker, Map.of("min-scale", "1"), "c", ""));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                Http.resource(
                        platform, "/apis/serving.knative.dev/v1/namespaces/default/services/ctrlc")
                    .map(s -> Http.condition(s, "Ready").equals("True"))
                    .orElse(false));
    // a request the app answers after 10 minutes: a graceful stop would wait for it
    java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>> slow =
        Http.CLIENT.sendAsync(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + platform.httpPort + "/?sleep=600000"))
                .header("Host", "ctrlc.default.localhost")
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              if (slow.isDone()) { // answered or failed at once: say how, not "timed out"
                throw new AssertionError(
                    "the held request ended early: "
                        + slow.handle((r, e) -> r != null ? r.statusCode() + " " + r.body() : e)
                            .get());
              }
              return platform.cli("logs", "ctrlc").out().contains("holding a request for 600000");
            });
    long logStart = Files.size(platform.log);

    platform.interrupt();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                // 1 request; the instances of the other tests' services are counted too
                java.util.regex.Pattern.compile(
                        "Stopping Coldbrew: draining 1 request on \\d+ instances?, then ending them"
                            + " \\(each app gets its grace period\\); Ctrl-C again stops them at"
                            + " once\\.")
                    .matcher(newLog(logStart))
                    .find());
    assertThat(platform.awaitExit(Duration.ofSeconds(3)))
        .as("still draining the slow request")
        .isEqualTo(-1);

    platform.interrupt();
    int code = platform.awaitExit(Duration.ofSeconds(60));
    assertThat(code).as("exited after the second Ctrl-C, as the JVM does on SIGINT").isEqualTo(130);
    assertThat(newLog(logStart))
        .containsPattern(
            "Stopping at once: killed [1-9][0-9]* instances?; requests still in flight on them are"
                + " cut\\.")
        .contains("Stopped.");
    assertThat(Processes.withMarker(marker)).as("nothing left running").isEmpty();
    assertThat(slow.handle((r, e) -> r == null ? -1 : r.statusCode()).get())
        .as("the slow request was cut, not answered")
        .isNotEqualTo(200);
    platform.start(); // the other tests share it
  }

  /**
   * {@code coldbrew logs} with serve stopped: the lines of the files, with the notice, from the
   * data directory the CLI finds (./.coldbrew here, a link to the platform's) or is given.
   */
  private void logsAreReadFromTheFilesWhileThePlatformIsDown() throws Exception {
    Path cwd = Files.createDirectories(dir.resolve("elsewhere"));
    Files.createSymbolicLink(cwd.resolve(".coldbrew"), platform.dataDir.toAbsolutePath());
    var r = platform.run(Map.of(), cwd, null, "logs", "evented");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err())
        .isEqualTo(
            "coldbrew: the platform at http://127.0.0.1:"
                + platform.adminPort
                + " is not running (connection refused); these are the log files in "
                + cwd.toAbsolutePath().resolve(".coldbrew")
                + " as last written.\n");
    assertThat(r.out())
        .containsPattern(
            "^\\[(evented-00001-[0-9a-f]+)\\] --- instance \\1 started "
                + RFC3339_S
                + " ---\n(\\[\\1\\] .*\n)*\\[\\1\\] echo app listening on \\d+\n");

    String data = platform.dataDir.toString();
    r = platform.cli("logs", "evented", "--data-dir", data, "--timestamps", "--tail", "1");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .matches("\\[evented-00001-[0-9a-f]+\\] " + RFC3339_MS + " echo app listening on \\d+\n");
    r =
        platform.cli(
            "logs", "evented", "--token-file", platform.dataDir.resolve("admin-token").toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("echo app listening on");

    r = platform.cli("logs", "../evented", "--data-dir", data);
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("Error: SERVICE: \"../evented\" (expected: a lowercase DNS-1123");
    r = platform.cli("logs", "nope", "--data-dir", data);
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .contains("is not running (connection refused), and its data directory")
        .endsWith("holds no logs of service \"nope\" in namespace \"default\"\n");
    r = platform.run(Map.of(), dir, null, "logs", "evented"); // no data directory found
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("Error: cannot reach the Coldbrew API at http://127.0.0.1:")
        .contains("(connection refused)")
        .endsWith("give its data directory: coldbrew logs evented --data-dir DIR\n");
  }

  private String newLog(long from) throws java.io.IOException {
    byte[] all = Files.readAllBytes(platform.log);
    return new String(all, (int) from, all.length - (int) from, StandardCharsets.UTF_8);
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void eventsAreKeptAcrossARestartAndARevisionThatFailedIsNotStartedAgain() throws Exception {
    platform.apply(service("evented", Map.of("min-scale", "1")));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> platform.cli("get", "events").out().contains("revision/evented-00001"));
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> platform.cli("get", "pa").out(), out -> out.contains("TimedOut"));
    Path failedLogs = platform.dataDir.resolve("logs/default/failed-00001");
    Set<Path> runsBefore = logFiles(failedLogs);
    assertThat(runsBefore).as("it ran in this run").isNotEmpty();
    java.time.Instant stopped = java.time.Instant.now();
    assertThat(platform.stop()).isEqualTo(143);
    logsAreReadFromTheFilesWhileThePlatformIsDown();
    long logFrom = Files.size(platform.log);
    platform.start();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                platform
                    .cli("get", "ksvc")
                    .out()
                    .lines()
                    .anyMatch(l -> l.startsWith("evented ") && l.contains("True")));
    assertThat(platform.cli("get", "pa").out())
        .as("the failed revision's PodAutoscaler still says it gave up")
        .containsPattern("failed-00001 .*TimedOut");
    assertThat(newLog(logFrom)).doesNotContain("revision/failed-00001: scaled from 0");
    assertThat(logFiles(failedLogs)).as("no instance started").isEqualTo(runsBefore);
    var resp =
        java.net.http.HttpClient.newHttpClient()
            .send(
                platform.adminRequest("/events/namespaces/default").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(resp.statusCode()).isEqualTo(200);
    var items =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(resp.body()).path("items");
    List<String> before = new java.util.ArrayList<>();
    for (var e : items) {
      if (java.time.Instant.parse(e.path("lastTimestamp").asText()).isBefore(stopped)) {
        before.add(e.path("reason").asText() + " " + e.path("object").asText());
      }
    }
    assertThat(before).contains("ScaledUp revision/evented-00001");
  }

  private static Set<Path> logFiles(Path dir) throws java.io.IOException {
    try (var files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".log")).collect(Collectors.toSet());
    }
  }
}
