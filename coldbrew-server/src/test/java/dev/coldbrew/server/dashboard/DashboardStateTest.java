package dev.coldbrew.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.controller.AutoscalerObserver.Decision;
import dev.coldbrew.server.TestClock;
import dev.coldbrew.server.events.EventLog;
import dev.coldbrew.server.metrics.HistoryFile;
import dev.coldbrew.server.metrics.Telemetry;
import dev.coldbrew.store.ResourceCache;
import dev.coldbrew.store.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the dashboard shows, pinned: services sorted by namespace and name, each with its URL,
 * readiness, traffic and its revisions (newest name first, only those labelled with the service, in
 * its namespace), each revision with its PA's scale, SKS mode, panic flag and history.
 */
class DashboardStateTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The state the dashboard showed for this fixture before it was rebuilt for scale. */
  private static final String EXPECTED =
      """
      {"services":[
       {"namespace":"default","name":"alpha","url":"http://alpha.default.localhost:8080","ready":"False","reason":"RevisionFailed",
        "traffic":[{"revision":"alpha-00003","percent":70,"tag":null},{"revision":"alpha-00002","percent":30,"tag":"previous"}],
        "revisions":[
         {"name":"alpha-00003","ready":"Unknown","reason":null,"message":null,"desired":3,"actual":2,"sksMode":"Serve","panic":true,
          "history":{"t":[1000.0,1002.0,1004.0],"concurrency":[12.35,7.5,7.5],"desired":[3,4,4],"actual":[2,3,3],"rps":[0.5,0.0,0.0],"coldStarts":[0,0,0]}},
         {"name":"alpha-00002","ready":"True","reason":null,"message":null,"desired":2,"actual":1,"sksMode":"Proxy","panic":false,
          "history":{"t":[],"concurrency":[],"desired":[],"actual":[],"rps":[],"coldStarts":[]}},
         {"name":"alpha-00001","ready":"False","reason":"ExitCode1","message":"exited with 1","desired":1,"actual":0,"sksMode":"Serve","panic":false,
          "history":{"t":[],"concurrency":[],"desired":[],"actual":[],"rps":[],"coldStarts":[]}}]},
       {"namespace":"default","name":"beta","url":"http://beta.default.localhost:8080","ready":"False","reason":"RevisionFailed",
        "traffic":[{"revision":"beta-00001","percent":100,"tag":null}],
        "revisions":[
         {"name":"beta-00002","ready":"Unknown","reason":null,"message":null,"desired":null,"actual":null,"sksMode":null,"panic":false,
          "history":{"t":[],"concurrency":[],"desired":[],"actual":[],"rps":[],"coldStarts":[]}},
         {"name":"beta-00001","ready":"Unknown","reason":null,"message":null,"desired":null,"actual":0,"sksMode":"Serve","panic":false,
          "history":{"t":[],"concurrency":[],"desired":[],"actual":[],"rps":[],"coldStarts":[]}}]},
       {"namespace":"default","name":"new","url":null,"ready":"Unknown","reason":null,"traffic":[],"revisions":[]},
       {"namespace":"other","name":"alpha","url":"http://alpha.other.localhost:8080","ready":"False","reason":"RevisionFailed",
        "traffic":[{"revision":"alpha-00001","percent":100,"tag":null}],
        "revisions":[
         {"name":"alpha-00001","ready":"Unknown","reason":null,"message":null,"desired":1,"actual":0,"sksMode":"Serve","panic":false,
          "history":{"t":[1004.0],"concurrency":[0.5],"desired":[1],"actual":[1],"rps":[0.0],"coldStarts":[0]}}]}]}
      """;

  @TempDir Path dir;
  SqliteStore store;
  ResourceCache cache;
  Telemetry telemetry;
  final TestClock clock = new TestClock(1_000_000L);

  @AfterEach
  void close() {
    if (cache != null) {
      cache.close();
    }
    if (telemetry != null) {
      telemetry.close();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void showsEveryServiceWithItsOwnRevisionsNewestFirst() throws Exception {
    store = SqliteStore.open(dir);
    CompletableFuture.allOf(
            DashboardFixtures.service(
                store,
                "default",
                "alpha",
                List.of("alpha-00001", "alpha-00002", "alpha-00003"),
                70),
            DashboardFixtures.service(store, "default", "beta", List.of("beta-00001"), 100),
            DashboardFixtures.service(store, "other", "alpha", List.of("alpha-00001"), 100),
            // labelled with a service that does not exist: not shown
            DashboardFixtures.revision(store, "default", "ghost", "ghost-00001", 1, true))
        .join();
    // a service the controller has not reconciled yet, and a revision without PA and SKS
    Service fresh = new Service();
    fresh.metadata.namespace = "default";
    fresh.metadata.name = "new";
    fresh.spec.template.spec.containers = List.of(new Container());
    store.create(fresh);
    Revision bare = new Revision();
    bare.metadata.namespace = "default";
    bare.metadata.name = "beta-00002";
    bare.metadata.labels().put("serving.knative.dev/service", "beta");
    bare.spec.containers = List.of(new Container());
    store.create(bare);
    // a revision that failed, and a PodAutoscaler with no decision yet (-1: shown as unknown)
    Revision failed = (Revision) store.get(Kind.REVISION, "default", "alpha-00001").orElseThrow();
    failed.status.conditions =
        new ArrayList<>(
            List.of(new Condition(Status.READY, "False", "ExitCode1", "exited with 1")));
    store.updateStatus(failed);
    PodAutoscaler undecided =
        (PodAutoscaler) store.get(Kind.POD_AUTOSCALER, "default", "beta-00001").orElseThrow();
    undecided.status.desiredScale = -1;
    store.updateStatus(undecided);
    cache = ResourceCache.of(store).start();

    telemetry =
        new Telemetry(new EventLog(clock, Duration.ofHours(1), 10), clock, r -> Map.of(), r -> 0);
    NamespacedName a3 = new NamespacedName("default", "alpha-00003");
    telemetry.decided(a3, new Decision(3, 2, 3, true, 12.345, 20, 10, -5, SksMode.SERVE));
    telemetry.revisionAdded(a3).requestDone(200, 1, false);
    telemetry.sample();
    clock.advance(2000);
    telemetry.decided(a3, new Decision(4, 3, 4, true, 7.5, 20, 10, -5, SksMode.SERVE));
    telemetry.sample();
    clock.advance(2000);
    telemetry.decided(
        new NamespacedName("other", "alpha-00001"),
        new Decision(1, 1, 1, false, 0.5, 0.5, 10, 0, SksMode.SERVE));
    telemetry.sample();

    JsonNode state = JSON.readTree(state());
    assertThat(state.path("time").isNumber()).as("time").isTrue();
    ((ObjectNode) state).remove("time");
    assertThat(state).isEqualTo(JSON.readTree(EXPECTED));
  }

  @Test
  @SuppressWarnings("try") // the HistoryFile is opened for its effect on the telemetry
  void historyKeptBeforeARestartIsShownAfterIt() throws Exception {
    store = SqliteStore.open(dir);
    DashboardFixtures.service(store, "default", "alpha", List.of("alpha-00001"), 100).join();
    cache = ResourceCache.of(store).start();
    NamespacedName rev = new NamespacedName("default", "alpha-00001");
    Telemetry before =
        new Telemetry(new EventLog(clock, Duration.ofHours(1), 10), clock, r -> Map.of(), r -> 0);
    try (HistoryFile f = HistoryFile.open(dir, before, clock)) {
      before.decided(rev, new Decision(2, 1, 2, false, 3.5, 3.5, 10, 0, SksMode.SERVE));
      before.sample();
      clock.advance(2000);
      before.decided(rev, new Decision(1, 1, 1, false, 0.5, 0.5, 10, 0, SksMode.SERVE));
      before.sample();
    } finally {
      before.close();
    }
    clock.advance(30_000); // the platform is down for 30 s

    telemetry =
        new Telemetry(new EventLog(clock, Duration.ofHours(1), 10), clock, r -> Map.of(), r -> 0);
    try (HistoryFile f = HistoryFile.open(dir, telemetry, clock)) {
      telemetry.decided(rev, new Decision(1, 0, 1, false, 0.25, 0.25, 10, 0, SksMode.SERVE));
      telemetry.sample();
      JsonNode history = JSON.readTree(state()).at("/services/0/revisions/0/history");
      assertThat(history.get("t")).isEqualTo(JSON.readTree("[1000.0,1002.0,1032.0]"));
      assertThat(history.get("concurrency")).isEqualTo(JSON.readTree("[3.5,0.5,0.25]"));
      assertThat(history.get("desired")).isEqualTo(JSON.readTree("[2,1,1]"));
      assertThat(history.get("actual")).isEqualTo(JSON.readTree("[1,1,0]"));
    }
  }

  private String state() {
    return new Dashboard(null, cache, telemetry).state();
  }
}
