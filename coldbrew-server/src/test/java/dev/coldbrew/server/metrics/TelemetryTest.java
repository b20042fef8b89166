package dev.coldbrew.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.RevisionInstances;
import dev.coldbrew.controller.AutoscalerObserver.Decision;
import dev.coldbrew.dataplane.GatewayAnswer;
import dev.coldbrew.dataplane.RequestObserver;
import dev.coldbrew.server.events.EventLog;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TelemetryTest {
  static final NamespacedName REV = new NamespacedName("default", "hello-00002");
  static final String TAGS =
      "configuration=\"hello\",namespace=\"default\",revision=\"hello-00002\",service=\"hello-svc\"";

  final EventLog events = new EventLog(Clock.systemUTC(), Duration.ofHours(1), 100);
  final Telemetry telemetry =
      new Telemetry(
          events,
          Clock.systemUTC(),
          rev ->
              Map.of(
                  "serving.knative.dev/service", "hello-svc",
                  "serving.knative.dev/configuration", "hello"),
          rev -> 3);

  static Decision decision(int desired, int ready, int requested, SksMode mode) {
    return new Decision(desired, ready, requested, false, 1.5, 2.5, 70, -5, mode);
  }

  @Test
  void exportsTheAutoscalerSeriesUnderKnativesNamesWithRevisionTags() {
    telemetry.decided(REV, decision(2, 1, 2, SksMode.PROXY));
    String text = telemetry.scrape();
    assertThat(text)
        .contains("autoscaler_desired_pods{" + TAGS + "} 2.0")
        .contains("autoscaler_actual_pods{" + TAGS + "} 1.0")
        .contains("autoscaler_requested_pods{" + TAGS + "} 2.0")
        .contains("autoscaler_panic_mode{" + TAGS + "} 0.0")
        .contains("autoscaler_stable_request_concurrency{" + TAGS + "} 1.5")
        .contains("autoscaler_panic_request_concurrency{" + TAGS + "} 2.5")
        .contains("autoscaler_target_concurrency_per_pod{" + TAGS + "} 70.0")
        .contains("autoscaler_excess_burst_capacity{" + TAGS + "} -5.0")
        .contains("activator_requests_held{" + TAGS + "} 3.0")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void heldRequestsAreReadAfterGarbageCollectionToo() {
    java.util.concurrent.atomic.AtomicInteger held =
        new java.util.concurrent.atomic.AtomicInteger();
    Telemetry t = new Telemetry(events, Clock.systemUTC(), rev -> Map.of(), rev -> held.get());
    t.decided(REV, decision(1, 0, 1, SksMode.PROXY));
    held.set(7);
    // Micrometer holds a gauge's state object weakly: collect until a weakly held canary is gone,
    // so a gauge whose state only the registry referenced would now read NaN
    java.lang.ref.WeakReference<Object> canary = new java.lang.ref.WeakReference<>(new Object());
    for (int i = 0; i < 50 && canary.get() != null; i++) {
      System.gc();
    }
    assertThat(canary.get()).as("a garbage collection ran").isNull();
    String heldLine =
        "activator_requests_held{configuration=\"hello\",namespace=\"default\","
            + "revision=\"hello-00002\",service=\"hello\"}";
    assertThat(t.scrape()).contains(heldLine + " 7.0").doesNotContain(heldLine + " NaN");
    t.close();
  }

  @Test
  void countsRequestsByCodeClassAndActivatorPath() {
    RequestObserver.Recorder r = telemetry.revisionAdded(REV);
    r.requestDone(200, 5_000_000, true);
    r.requestDone(204, 5_000_000, false);
    r.requestDone(503, 1_000_000, false);
    r.retried(RequestObserver.Retry.CONNECT_FAILED);
    String text = telemetry.scrape();
    String ok =
        "configuration=\"hello\",namespace=\"default\",response_code_class=\"2xx\","
            + "revision=\"hello-00002\",service=\"hello-svc\"";
    String err = ok.replace("2xx", "5xx");
    assertThat(text)
        .contains("revision_request_count_total{" + ok + "} 2.0")
        .contains("revision_request_count_total{" + err + "} 1.0")
        .contains("activator_request_count_total{" + ok + "} 1.0")
        .doesNotContain("activator_request_count_total{" + err)
        .contains("revision_request_latencies_count{" + ok + "} 2")
        .contains("revision_request_latencies_bucket{" + ok + ",le=\"10.0\"} 2")
        .contains(
            "activator_request_retries_total{configuration=\"hello\",namespace=\"default\","
                + "reason=\"connect_failed\",revision=\"hello-00002\",service=\"hello-svc\"}"
                + " 1.0")
        .contains(
            "activator_request_retries_total{configuration=\"hello\",namespace=\"default\","
                + "reason=\"closed_before_response\",revision=\"hello-00002\","
                + "service=\"hello-svc\"} 0.0");
  }

  @Test
  void gatewayAnswersAreCountedByReasonWithOneWarningEventPerReasonAndMinute() {
    RequestObserver.Recorder r = telemetry.revisionAdded(REV);
    for (int i = 0; i < 3; i++) {
      r.answered(GatewayAnswer.CONNECT_FAILED);
    }
    r.answered(GatewayAnswer.QUEUE_FULL);
    telemetry.refused(GatewayAnswer.NO_ROUTE);
    telemetry.refused(GatewayAnswer.NO_ROUTE);
    String text = telemetry.scrape();
    assertThat(text)
        .contains(
            "coldbrew_gateway_answers_total{configuration=\"hello\",namespace=\"default\","
                + "reason=\"connect_failed\",revision=\"hello-00002\",service=\"hello-svc\","
                + "status=\"502\"} 3.0")
        .contains(
            "reason=\"queue_full\",revision=\"hello-00002\",service=\"hello-svc\","
                + "status=\"503\"} 1.0")
        .contains("coldbrew_gateway_refusals_total{reason=\"no_route\",status=\"404\"} 2.0");
    assertThat(events.list("default"))
        .extracting(EventLog.Event::type, EventLog.Event::reason, EventLog.Event::object)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                EventLog.Event.WARNING, "GatewayError", "revision/hello-00002"),
            org.assertj.core.groups.Tuple.tuple(
                EventLog.Event.WARNING, "GatewayError", "revision/hello-00002"));
    assertThat(events.list("default").get(0).message())
        .startsWith("the gateway answered 502 (connect_failed)");
  }

  @Test
  void coldStartsGoToTheHistogramAndOneEventPerBurst() {
    RequestObserver.Recorder r = telemetry.revisionAdded(REV);
    r.coldStart(1_500_000_000L);
    r.coldStart(1_600_000_000L);
    assertThat(telemetry.scrape())
        .contains("coldbrew_cold_start_seconds_count{" + TAGS + "} 2")
        .contains("coldbrew_cold_start_seconds_bucket{" + TAGS + ",le=\"2.0\"} 2")
        .contains("coldbrew_cold_start_seconds_bucket{" + TAGS + ",le=\"1.0\"} 0");
    assertThat(events.list("default"))
        .extracting(EventLog.Event::reason, EventLog.Event::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "ColdStart", "request waited 1500 ms for the first instance"));
  }

  @Test
  void scaleAndModeChangesBecomeEvents() {
    telemetry.decided(REV, decision(1, 0, 1, SksMode.PROXY));
    telemetry.decided(REV, decision(1, 1, 1, SksMode.SERVE));
    telemetry.decided(REV, decision(0, 1, 0, SksMode.PROXY));
    assertThat(events.list("default"))
        .extracting(e -> e.reason() + " " + e.object() + ": " + e.message())
        .containsExactly(
            "ScaledUp revision/hello-00002: scaled from 0 to 1 instances",
            "SKSModeChanged sks/hello-00002: mode Proxy -> Serve",
            "ScaledDown revision/hello-00002: scaled from 1 to 0 instances",
            "SKSModeChanged sks/hello-00002: mode Serve -> Proxy");
  }

  @Test
  void instanceStartsAndExitsAreCountedAndReported() {
    Instance a = new Instance("hello-00002-aaaaa", "127.0.0.1", 40001);
    telemetry.onChange(new RevisionInstances(REV, List.of(a), 1, ContainerHealth.HEALTHY));
    telemetry.onChange(
        new RevisionInstances(REV, List.of(), 0, ContainerHealth.failing("ExitCode1", "boom")));
    assertThat(telemetry.scrape())
        .contains("coldbrew_instance_starts_total{" + TAGS + "} 1.0")
        .contains("coldbrew_instance_exits_total{" + TAGS + "} 1.0");
    assertThat(events.list("default"))
        .extracting(EventLog.Event::type, EventLog.Event::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Normal", "InstanceReady"),
            org.assertj.core.groups.Tuple.tuple("Normal", "InstanceStopped"),
            org.assertj.core.groups.Tuple.tuple("Warning", "ExitCode1"));
  }

  @Test
  void aRemovedRevisionsMetersAreGone() {
    telemetry.revisionAdded(REV).requestDone(200, 1, false);
    telemetry.decided(REV, decision(1, 1, 1, SksMode.SERVE));
    assertThat(telemetry.scrape()).contains("revision=\"hello-00002\"");
    telemetry.removed(REV);
    assertThat(telemetry.scrape()).doesNotContain("hello-00002");
    // the last instances of a removed revision ending does not bring its meters back
    telemetry.onChange(RevisionInstances.none(REV));
    assertThat(telemetry.scrape()).doesNotContain("hello-00002");
  }

  @Test
  void historyKeepsTheDashboardSamples() {
    RequestObserver.Recorder r = telemetry.revisionAdded(REV);
    telemetry.decided(REV, decision(2, 1, 2, SksMode.SERVE));
    r.requestDone(200, 1, false);
    r.requestDone(200, 1, false);
    r.coldStart(1);
    RevisionMeters m = telemetry.revisions().get(REV);
    m.sample(10_000);
    m.sample(12_000);
    assertThat(m.history())
        .containsExactly(
            new RevisionMeters.Sample(10_000, 1.5, 2, 1, 1.0, 1),
            new RevisionMeters.Sample(12_000, 1.5, 2, 1, 0.0, 0));
    m.sample(12_000 + RevisionMeters.HISTORY.toMillis() + 1);
    assertThat(m.history()).hasSize(1);
  }

  @Test
  void historyKeepsARunOfEqualSamplesAsItsEnds() {
    telemetry.revisionAdded(REV);
    telemetry.decided(REV, decision(1, 1, 1, SksMode.SERVE));
    RevisionMeters m = telemetry.revisions().get(REV);
    for (long t = 2_000; t <= 20_000; t += 2_000) {
      m.sample(t);
    }
    assertThat(m.history())
        .extracting(RevisionMeters.Sample::timeMillis)
        .as("ten equal samples are kept as the first and the last")
        .containsExactly(2_000L, 20_000L);
    telemetry.decided(REV, decision(3, 1, 3, SksMode.SERVE));
    m.sample(22_000);
    m.sample(24_000);
    assertThat(m.history())
        .extracting(RevisionMeters.Sample::desiredInstances)
        .containsExactly(1, 1, 3, 3);
  }
}
