package dev.coldbrew.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.controller.AutoscalerObserver.Decision;
import dev.coldbrew.server.AdminApi;
import dev.coldbrew.server.PlatformConfig;
import dev.coldbrew.server.events.EventLog;
import dev.coldbrew.store.SqliteStore;
import dev.coldbrew.store.admission.Admission;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics} over real HTTP: the Prometheus text, one scrape shared by requests. */
class MetricsApiIT {
  @TempDir Path dir;
  SqliteStore store;
  Vertx vertx;
  Telemetry telemetry;

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
    telemetry.close();
    store.close();
  }

  @Test
  void concurrentScrapesShareOneAndEachGetsTheWholeText() throws Exception {
    store = SqliteStore.open(dir);
    telemetry =
        new Telemetry(
            new EventLog(Clock.systemUTC(), Duration.ofMinutes(1), 10),
            Clock.systemUTC(),
            r -> Map.of(),
            r -> 0);
    for (int i = 0; i < 300; i++) {
      NamespacedName rev = new NamespacedName("default", String.format("svc-%05d-00001", i));
      telemetry.decided(rev, new Decision(1, 1, 1, false, 0.5, 0.5, 70, 100, SksMode.SERVE));
      telemetry.revisionAdded(rev).requestDone(200, 1_000_000, false);
    }
    vertx = Vertx.vertx();
    AdminApi api =
        new AdminApi(
            vertx,
            store,
            new Admission(store, PlatformConfig.standard().validationContext()),
            dev.coldbrew.server.TestAdmin.access());
    MetricsApi metrics = new MetricsApi(vertx, telemetry);
    metrics.mount(api);
    int port = dev.coldbrew.server.TestAdmin.listen(api);

    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest get =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
            .header("Authorization", dev.coldbrew.server.TestAdmin.BEARER)
            .build();
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      all.add(http.sendAsync(get, HttpResponse.BodyHandlers.ofString()));
    }
    for (var f : all) {
      HttpResponse<String> r = f.get();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type"))
          .hasValue("text/plain; version=0.0.4; charset=utf-8");
      assertThat(r.body())
          .contains("autoscaler_desired_pods{")
          .contains("revision=\"svc-00000-00001\"")
          .contains("revision=\"svc-00299-00001\"")
          .contains("jvm_memory_used_bytes");
    }
    assertThat(metrics.scrapes()).as("scrapes for 12 concurrent requests").isLessThanOrEqualTo(3);
    // and a later request gets a new scrape
    long before = metrics.scrapes();
    assertThat(http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(metrics.scrapes()).isEqualTo(before + 1);
  }
}
