package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults that must lose nothing (docs/operations.md, "Reliability"), through the real jar under
 * load: a burst from zero, scale down, rollouts, an instance killed with SIGKILL, a slow app past
 * its timeout, a crash loop. Each prints its counts (a {@code RELIABILITY |} line) and asserts the
 * rule.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultsIT {
  static final Duration WAIT = Duration.ofSeconds(90);

  private static volatile long spins;

  @RegisterExtension
  static final PlatformExtension platform =
      PlatformExtension.withConfig(Platform.FAST_SCALE_TO_ZERO);

  private void awaitReady(String service) {
    await()
        .atMost(WAIT)
        .until(
            () ->
                Http.resource(
                        platform,
                        "/apis/serving.knative.dev/v1/namespaces/default/services/" + service)
                    .map(s -> Http.condition(s, "Ready").equals("True"))
                    .orElse(false));
  }

  private static Map<String, String> annotations(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("window", "6s");
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static String host(String service) {
    return service + ".default.localhost";
  }

  @Test
  void burstOf500FromZeroIsAllAnsweredThenScaleDownUnderSteadyLoadLosesNothing() throws Exception {
    String marker = "burst500-" + System.nanoTime();
    platform.apply(
        Manifests.service(
            "burst500",
            EchoApp.class,
            marker,
            annotations("initial-scale", "0", "max-scale", "4"),
            "b",
            "      containerConcurrency: 50\n"));
    awaitReady("burst500");
    assertThat(Processes.withMarker(marker)).isEmpty();

    // Each request holds a slot for 1 s: one instance (50 at a time) would need 10 s, so the burst
    // outlasts the first instance's cold start and the decider's next tick, and must scale out.
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      all.add(
          Http.CLIENT.sendAsync(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + platform.httpPort + "/?sleep=1000"))
                  .header("Host", host("burst500"))
                  .timeout(Duration.ofSeconds(120))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    Map<Integer, Integer> codes = new TreeMap<>();
    int failed = 0;
    for (var f : all) {
      try {
        codes.merge(f.get().statusCode(), 1, Integer::sum);
      } catch (Exception e) {
        failed++;
      }
    }
    System.out.println(
        "RELIABILITY | burst of 500 from zero | sent 500 | answered "
            + codes
            + " | failed "
            + failed);
    assertThat(codes).containsExactly(Map.entry(200, 500));
    int peak = Processes.withMarker(marker).size();
    assertThat(peak).as("instances after the burst").isGreaterThan(1);

    // Light steady load: the revision scales down to one instance while being used.
    try (Load load =
        Load.start(platform, host("burst500"), "/?sleep=20", 2, 20_000, Duration.ofSeconds(80))) {
      await()
          .atMost(WAIT)
          .until(
              () ->
                  Processes.withMarker(marker).size() < peak
                      && Http.endpoints(platform, "burst500-00001-private").size() < peak);
      Thread.sleep(2000); // requests keep flowing across the drained instance's exit
      load.stop();
      load.report(
          "scale down "
              + peak
              + " -> "
              + Processes.withMarker(marker).size()
              + " under steady load");
      assertThat(load.status(200)).isPositive();
      assertThat(load.non200()).as(load.problems.toString()).isZero();
    }
  }

  @Test
  void rolloutsOfATemplateAndOfTheTrafficSplitLoseNothing() throws Exception {
    String marker = "roll-" + System.nanoTime();
    platform.apply(Manifests.service("roll", EchoApp.class, marker, annotations(), "v1", ""));
    awaitReady("roll");
    try (Load load =
        Load.start(platform, host("roll"), "/?sleep=20", 4, 50_000, Duration.ofSeconds(150))) {
      await().atMost(WAIT).until(() -> load.lastRevision.equals("roll-00001"));

      // 1. A new template; the default traffic is latestRevision: true.
      platform.apply(Manifests.service("roll", EchoApp.class, marker, annotations(), "v2", ""));
      await().atMost(WAIT).until(() -> onlyRevision("roll", "roll-00002"));

      // 2. All traffic back to the first revision (by then scaled to zero), then forward again.
      String traffic = "  traffic:\n    - {revisionName: %s, percent: 100}\n";
      platform.apply(
          Manifests.service("roll", EchoApp.class, marker, annotations(), "v2", "")
              + traffic.formatted("roll-00001"));
      await().atMost(WAIT).until(() -> onlyRevision("roll", "roll-00001"));
      platform.apply(
          Manifests.service("roll", EchoApp.class, marker, annotations(), "v2", "")
              + traffic.formatted("roll-00002"));
      await().atMost(WAIT).until(() -> onlyRevision("roll", "roll-00002"));

      // A client cannot steer to another revision with the activator's internal headers.
      var steered =
          Http.get(
              platform,
              host("roll"),
              "/",
              "Knative-Serving-Revision",
              "roll-00001",
              "Knative-Serving-Namespace",
              "default");
      assertThat(steered.body()).startsWith("revision=roll-00002\n");

      load.stop();
      load.report("rollouts: new template, then 100% v2 -> v1 -> v2 " + load.byRevision);
      assertThat(load.byRevision.keySet()).contains("roll-00001", "roll-00002");
      assertThat(load.non200()).as(load.problems.toString()).isZero();
    }
  }

  /** Five requests in a row are answered by {@code revision}. */
  private boolean onlyRevision(String service, String revision) throws Exception {
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = Http.get(platform, host(service), "/");
      if (r.statusCode() != 200 || !r.body().startsWith("revision=" + revision + "\n")) {
        return false;
      }
    }
    return true;
  }

  @Test
  void killingOneInstanceFailsOnlyItsInFlightRequestsAndItIsReplaced() throws Exception {
    String marker = "victim-" + System.nanoTime();
    platform.apply(
        Manifests.service(
            "victim",
            EchoApp.class,
            marker,
            annotations("min-scale", "2", "max-scale", "2"),
            "v",
            ""));
    awaitReady("victim");
    await().atMost(WAIT).until(() -> Http.endpoints(platform, "victim-00001-private").size() == 2);
    int concurrency = 6;
    try (Load load =
        Load.start(
            platform,
            host("victim"),
            "/?sleep=100",
            concurrency,
            20_000,
            Duration.ofSeconds(120))) {
      await().atMost(WAIT).until(() -> load.status(200) > 20);
      ProcessHandle victim = Processes.withMarker(marker).get(0);
      victim.destroyForcibly(); // SIGKILL
      await().atMost(WAIT).until(() -> !victim.isAlive());
      int answeredAtKill = load.answered();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  Processes.withMarker(marker).size() == 2
                      && Http.endpoints(platform, "victim-00001-private").size() == 2);
      assertThat(Processes.withMarker(marker)).doesNotContain(victim);
      await().atMost(WAIT).until(() -> load.answered() > answeredAtKill + 50);
      load.stop();
      load.report("kill -9 of one of 2 instances, " + concurrency + " clients");
      assertThat(load.failed.get()).isZero();
      assertThat(load.non200())
          .as("GETs in flight on the killed instance are sent again, to the other one")
          .isZero();
    }
  }

  @Test
  void scalingUpUnderLoadWithOneCoreBusyLosesNothing() throws Exception {
    String marker = "scaleup-" + System.nanoTime();
    platform.apply(
        Manifests.service(
            "scaleup",
            EchoApp.class,
            marker,
            annotations("min-scale", "1", "max-scale", "8", "target", "2"),
            "u",
            ""));
    awaitReady("scaleup");
    Thread hog =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                spins++; // a busy loop on one core, as a noisy neighbour would be
              }
            },
            "cpu-hog");
    hog.setDaemon(true);
    hog.start();
    int clients = 24;
    try (Load load =
        Load.start(
            platform, host("scaleup"), "/?sleep=50", clients, 1_000_000, Duration.ofSeconds(120))) {
      await().atMost(WAIT).until(() -> Processes.withMarker(marker).size() >= 4);
      Thread.sleep(3000); // traffic goes on while the new instances take their share
      load.stop();
      load.report(
          "scale up 1 -> "
              + Processes.withMarker(marker).size()
              + " under "
              + clients
              + " clients, one core busy");
      assertThat(load.status(200)).isPositive();
      assertThat(load.failed.get()).as(load.problems.toString()).isZero();
      assertThat(load.non200()).as(load.problems.toString()).isZero();
    } finally {
      hog.interrupt();
    }
  }

  @Test
  void slowRequestGets504AtItsTimeoutAndNothingElseIsAffected() throws Exception {
    String marker = "slow-" + System.nanoTime();
    platform.apply(
        Manifests.service(
            "slow",
            EchoApp.class,
            marker,
            annotations("min-scale", "1"),
            "s",
            "      timeoutSeconds: 2\n"));
    awaitReady("slow");
    assertThat(Http.get(platform, host("slow"), "/").statusCode()).isEqualTo(200);
    try (Load load =
        Load.start(platform, host("slow"), "/?sleep=10", 2, 20_000, Duration.ofSeconds(60))) {
      long t0 = System.nanoTime();
      HttpResponse<String> r = Http.get(platform, host("slow"), "/?sleep=20000");
      long ms = (System.nanoTime() - t0) / 1_000_000;
      Thread.sleep(500);
      load.stop();
      System.out.println(
          "RELIABILITY | slow path, timeoutSeconds 2 | 504 after "
              + ms
              + " ms: "
              + r.body().strip());
      load.report("fast requests beside the slow one");
      assertThat(r.statusCode()).isEqualTo(504);
      assertThat(ms)
          .as("cut at timeoutSeconds, long before the app answers")
          .isBetween(1900L, 10_000L);
      assertThat(load.status(200)).isPositive();
      assertThat(load.non200()).as(load.problems.toString()).isZero();
    }
  }

  @Test
  void crashLoopingRevisionIsRefusedPromptlyWithAReasonAndRestartsBackOff() throws Exception {
    String marker = "loop-" + System.nanoTime();
    Path crash = EchoApp.crashFile(marker);
    platform.apply(
        Manifests.service("loop", EchoApp.class, marker, annotations("min-scale", "1"), "l", ""));
    awaitReady("loop");
    assertThat(Http.get(platform, host("loop"), "/").statusCode()).isEqualTo(200);
    Files.writeString(crash, "");
    try {
      ProcessHandle first = Processes.withMarker(marker).get(0);
      first.destroyForcibly();
      await().atMost(WAIT).until(() -> !first.isAlive());
      ProcessHandle serve = ProcessHandle.of(platform.pid()).orElseThrow();
      Duration cpu0 = serve.info().totalCpuDuration().orElse(Duration.ZERO);
      long t0 = System.nanoTime();
      // Every restart crashes: the revision must turn not-ready and requests be refused promptly.
      await()
          .atMost(WAIT)
          .until(
              () ->
                  Http.resource(
                          platform,
                          "/apis/serving.knative.dev/v1/namespaces/default/revisions/loop-00001")
                      .map(s -> Http.condition(s, "Ready").equals("False"))
                      .orElse(false));
      long r0 = System.nanoTime();
      HttpResponse<String> r = Http.get(platform, host("loop"), "/");
      long ms = (System.nanoTime() - r0) / 1_000_000;
      System.out.println(
          "RELIABILITY | crash loop | "
              + r.statusCode()
              + " after "
              + ms
              + " ms: "
              + r.body().strip());
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).containsIgnoringCase("loop-00001");
      assertThat(ms).as("refused promptly, not held to the 300 s timeout").isLessThan(15_000);
      // Starts are counted by the app's stderr line in the revision's logs.
      await()
          .atLeast(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(60))
          .until(() -> System.nanoTime() - t0 > Duration.ofSeconds(12).toNanos());
      double seconds = (System.nanoTime() - t0) / 1e9;
      double cpuSeconds =
          serve.info().totalCpuDuration().orElse(Duration.ZERO).minus(cpu0).toMillis() / 1000.0;
      var logs = platform.cli("logs", "loop", "--tail", "200");
      long starts =
          logs.out().lines().filter(l -> l.contains("crashing at start on purpose")).count();
      System.out.printf(
          "RELIABILITY | crash loop | %d crashed starts in %.1f s, platform CPU %.1f s%n",
          starts, seconds, cpuSeconds);
      assertThat(starts).as("restarts back off: " + logs).isBetween(1L, 8L);
      assertThat(cpuSeconds).as("no CPU spin").isLessThan(seconds * 0.5);
      // the 503 names the latest exit (the crash at start), not the kill that began the loop
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(Http.get(platform, host("loop"), "/"))
                      .satisfies(a -> assertThat(a.statusCode()).isEqualTo(503))
                      .satisfies(
                          a ->
                              assertThat(a.body())
                                  .contains("ExitCode3")
                                  .contains("crashing at start on purpose")));
    } finally {
      Files.deleteIfExists(crash);
    }
  }
}
