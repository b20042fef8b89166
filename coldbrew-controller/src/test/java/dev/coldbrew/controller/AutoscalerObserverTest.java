package dev.coldbrew.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.stats.Stat;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.store.SqliteStore;
import dev.coldbrew.store.admission.Admission;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The KPA reconciler tells its observer each revision's decision, and when it is gone. */
class AutoscalerObserverTest {
  private static final ValidationContext CTX = ValidationContext.standard();
  private static final NamespacedName REV = new NamespacedName("default", "hello-00001");

  @TempDir Path dir;
  SqliteStore store;
  ControllerManager manager;
  final Map<NamespacedName, AutoscalerObserver.Decision> latest = new ConcurrentHashMap<>();
  final List<NamespacedName> removed = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    store = SqliteStore.open(dir);
    manager =
        new ControllerManager(
            store,
            new FakeRuntime(),
            new RecordingNetworking(),
            CTX,
            "localhost",
            8080,
            Clock.systemUTC());
    manager.observeAutoscaler(
        new AutoscalerObserver() {
          @Override
          public void decided(NamespacedName revision, Decision decision) {
            latest.put(revision, decision);
          }

          @Override
          public void removed(NamespacedName revision) {
            removed.add(revision);
          }
        });
    manager.start();
  }

  @AfterEach
  void stop() {
    manager.close();
    store.close();
  }

  /** Creates the Service hello with these revision template annotations. */
  private void createHello(String annotations) {
    new Admission(store, CTX)
        .create(
            ResourceCodec.decodeOne(
                """
                apiVersion: serving.knative.dev/v1
                kind: Service
                metadata:
                  name: hello
                spec:
                  template:
                    metadata:
                      annotations: {%s}
                    spec:
                      containers:
                        - command: [java]
                """
                    .formatted(annotations)));
  }

  @Test
  void publishesEachRevisionsDecisionAndItsRemoval() {
    createHello("autoscaling.knative.dev/target: \"10\"");

    await()
        .atMost(Duration.ofSeconds(30))
        .alias("latest decision")
        .untilAsserted(
            () ->
                assertThat(latest.get(REV))
                    .isNotNull()
                    .matches(
                        x -> x.requestedInstances() == 1 && x.readyInstances() == 1, "" + latest));
    AutoscalerObserver.Decision d = latest.get(REV);
    assertThat(d.targetConcurrencyPerInstance()).isEqualTo(7.0); // 10 × 70 % utilization
    assertThat(d.sksMode()).isEqualTo(SksMode.PROXY); // one instance is short of the burst capacity

    // load of 21 concurrent requests on one instance: 3 instances wanted (21 / 7), in panic
    manager
        .statSink()
        .accept(new Stat(REV, System.currentTimeMillis(), "hello-00001-0", 21, 0, 21, 0));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(latest.get(REV))
                    .matches(x -> x.desiredInstances() == 3 && x.panicMode(), "" + latest));
    assertThat(latest.get(REV).panicRequestConcurrency()).isPositive();

    store.delete(Kind.SERVICE, "default", "hello");
    await().atMost(Duration.ofSeconds(30)).until(() -> removed.contains(REV));
  }

  @Test
  void aChangedAutoscalerConfigReachesExistingRevisionsAtOnce() {
    createHello("");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(latest.get(REV))
                    .isNotNull()
                    .matches(x -> x.targetConcurrencyPerInstance() == 70.0, "" + latest));

    var autoscaler =
        dev.coldbrew.api.autoscaling.AutoscalerConfig.fromMap(
            "autoscaler", Map.of("container-concurrency-target-default", "10"));
    manager.reconfigure(
        new ValidationContext(
            CTX.defaults(),
            CTX.deployment(),
            CTX.domain(),
            autoscaler,
            CTX.localRuntime(),
            CTX.defaultEngine(),
            CTX.gc()));

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(latest.get(REV))
                    .as("10 × 70 %% utilization, without a restart")
                    .matches(x -> x.targetConcurrencyPerInstance() == 7.0, "" + latest));
  }
}
