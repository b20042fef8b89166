package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform killed with SIGKILL under load and while applies are being acknowledged, then
 * started again on the same data dir: every acknowledged apply is there, no instance from before is
 * left running, and traffic is served again.
 */
class RestartIT {
  static final Duration WAIT = Duration.ofSeconds(90);

  @Test
  void killedPlatformKeepsEveryAcknowledgedApplyEndsItsOrphansAndServesAgain(@TempDir Path dir)
      throws Exception {
    Path cfg = dir.resolve("coldbrew.yaml");
    Files.writeString(
        cfg,
        """
        autoscaler:
          allow-zero-initial-scale: "true"
          scale-to-zero-grace-period: 2s
        """);
    String marker = "survivor-" + System.nanoTime();
    String survivor =
        Manifests.service("survivor", EchoApp.class, marker, Map.of("min-scale", "1"), "s", "");
    List<String> acknowledged = new CopyOnWriteArrayList<>();
    List<ProcessHandle> before;
    AtomicInteger applyFailures = new AtomicInteger();
    double killedAtSeconds;
    Platform first = new Platform(dir, "--config", cfg.toString()).start();
    try {
      var r = first.run(survivor, "apply", "-f", "-");
      assertThat(r.code()).as(r.toString()).isZero();
      await()
          .atMost(WAIT)
          .until(() -> Http.get(first, "survivor.default.localhost", "/").statusCode() == 200);
      before = Processes.withMarker(marker);
      assertThat(before).hasSize(1);
      // the dashboard's history is written every 10 s: wait for a write that holds the survivor
      Path history = first.dataDir.resolve("dashboard-history.jsonl");
      await()
          .atMost(WAIT)
          .until(() -> Files.exists(history) && Files.readString(history).contains("survivor-"));

      Load load =
          Load.start(
              first, "survivor.default.localhost", "/?sleep=20", 2, 20_000, Duration.ofSeconds(60));
      Thread applier =
          new Thread(
              () -> {
                for (int i = 0; i < 500; i++) {
                  String name = "acked-" + i;
                  String yaml =
                      Manifests.service(
                          name,
                          EchoApp.class,
                          "never-started",
                          Map.of("initial-scale", "0"),
                          "a",
                          "");
                  try {
                    HttpResponse<String> resp =
                        Http.CLIENT.send(
                            first
                                .adminRequest(
                                    "/apis/serving.knative.dev/v1/namespaces/default/services/"
                                        + name)
                                .method("PATCH", HttpRequest.BodyPublishers.ofString(yaml))
                                .header("Content-Type", "application/apply-patch+yaml")
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (resp.statusCode() / 100 == 2) {
                      acknowledged.add(name);
                    }
                  } catch (Exception e) {
                    applyFailures.incrementAndGet();
                    return; // the platform is gone
                  }
                }
              });
      applier.start();
      await().atMost(WAIT).until(() -> acknowledged.size() >= 10 && load.status(200) >= 20);
      first.kill(); // SIGKILL, while applies and requests are in flight
      killedAtSeconds = System.currentTimeMillis() / 1000.0;
      applier.join(60_000);
      load.stop();
      load.report("traffic while the platform is killed (failures expected)");
    } finally {
      first.kill();
    }
    System.out.println(
        "RELIABILITY | kill -9 of the platform | "
            + acknowledged.size()
            + " applies acknowledged before the kill");

    Platform second = new Platform(dir, "--config", cfg.toString()).start();
    try {
      await().atMost(WAIT).until(() -> before.stream().noneMatch(ProcessHandle::isAlive));
      for (String name : acknowledged) {
        assertThat(
                Http.resource(
                    second, "/apis/serving.knative.dev/v1/namespaces/default/services/" + name))
            .as("acknowledged apply of " + name)
            .isPresent();
      }
      // the admin API may answer a moment before the gateway accepts: a refused connect is retried
      await()
          .atMost(WAIT)
          .ignoreException(java.net.ConnectException.class)
          .until(() -> Http.get(second, "survivor.default.localhost", "/").statusCode() == 200);
      assertThat(Processes.withMarker(marker)).hasSize(1).doesNotContainAnyElementsOf(before);
      // the dashboard shows the survivor's history from before the kill
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                JsonNode state = Http.resource(second, "/dashboard/api/state").orElseThrow();
                JsonNode t = null;
                for (JsonNode svc : state.path("services")) {
                  if (svc.path("name").asText().equals("survivor")) {
                    t = svc.path("revisions").path(0).path("history").path("t");
                  }
                }
                assertThat(t).as("the survivor's history").isNotNull().isNotEmpty();
                assertThat(t.get(0).asDouble()).isLessThan(killedAtSeconds);
              });
      try (Load after =
          Load.start(
              second, "survivor.default.localhost", "/?sleep=20", 2, 200, Duration.ofSeconds(30))) {
        await().atMost(WAIT).until(() -> after.answered() + after.failed.get() >= 200);
        after.stop();
        after.report("traffic after the restart");
        assertThat(after.non200()).as(after.problems.toString()).isZero();
      }
      assertThat(Processes.withMarker("never-started")).isEmpty();
    } finally {
      second.close();
    }
    await().atMost(WAIT).until(() -> Processes.withMarker(marker).isEmpty());
  }
}
