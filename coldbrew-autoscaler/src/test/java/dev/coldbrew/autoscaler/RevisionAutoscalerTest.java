package dev.coldbrew.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.stats.Stat;
import dev.coldbrew.autoscaler.PodAutoscalerState.Active;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-revision unit on a hand-driven clock: record, the poke rule, tick and reconcile. */
class RevisionAutoscalerTest {
  private static final NamespacedName REV = new NamespacedName("default", "hello-00001");
  private static final AutoscalerConfig CONFIG =
      AutoscalerConfig.fromMap("autoscaler", Map.of("allow-zero-initial-scale", "true"));
  private static final String A = "autoscaling.knative.dev/";

  private static Instant at(double seconds) {
    return Instant.EPOCH.plusMillis(Math.round(seconds * 1000));
  }

  private static Stat load(double concurrency) {
    return new Stat(REV, 0, "activator", concurrency, 0, concurrency, 0);
  }

  private static RevisionAutoscaler autoscaler(Map<String, String> annotations, int ready) {
    return autoscaler(annotations, PodAutoscalerState.initial(at(0)), ready);
  }

  private static RevisionAutoscaler autoscaler(
      Map<String, String> annotations, PodAutoscalerState state, int ready) {
    DeciderSpec spec = DeciderSpec.from(CONFIG, annotations, 10, true);
    return new RevisionAutoscaler(
        spec, PodAutoscalerSettings.from(CONFIG, annotations, spec), state, ready, at(0));
  }

  @Test
  void aRequestAtZeroPokesAndItsTickAsksForAnInstance() {
    // a Revision at zero (as after a restart): nothing ready, no decision yet
    RevisionAutoscaler a = autoscaler(Map.of(), PodAutoscalerState.restarted(at(0)), 0);
    assertThat(a.startScale()).isZero();
    assertThat(a.desiredScale()).isEqualTo(-1);

    assertThat(a.record(load(1), at(0.3), 0)).as("load before any decision: poke").isTrue();
    ScaleResult r = a.tick(at(0.3), 0);
    assertThat(r).isEqualTo(new ScaleResult(1, -212, true, true)); // ceil(1/7); 0×10−211−1
    assertThat(a.observed()).isEqualTo(new Observed(1, 1));

    PodAutoscalerDecision d = a.reconcile(at(0.3), 0);
    assertThat(d.applyScale()).isEqualTo(1);
    assertThat(d.sksMode()).isEqualTo(SksMode.PROXY);
    assertThat(a.state().active()).isEqualTo(Active.ACTIVATING);
    assertThat(a.state().reason()).isEqualTo(PodAutoscalerState.QUEUED);

    // the next report of the same burst does not poke: the decision is 1 now
    assertThat(a.record(load(1), at(0.8), 0)).isFalse();
    // nor does an empty report, whatever the decision
    assertThat(a.record(load(0), at(0.9), 0)).isFalse();
  }

  @Test
  void withInstancesReadyTheFirstReportDoesNotPoke() {
    RevisionAutoscaler a = autoscaler(Map.of(), 1);
    assertThat(a.startScale()).isEqualTo(1);
    assertThat(a.record(load(3), at(1), 1)).isFalse();
    assertThat(a.tick(at(2), 1)).isEqualTo(new ScaleResult(1, -204, true, true));
  }

  @Test
  void aTickWithoutDataChangesNothing() {
    RevisionAutoscaler a = autoscaler(Map.of(), 1);
    assertThat(a.tick(at(2), 1)).isEqualTo(ScaleResult.INVALID);
    assertThat(a.desiredScale()).isEqualTo(-1);
    assertThat(a.excessBurstCapacity()).as("Knative's initial value: 1×10−211").isEqualTo(-201);
    assertThat(a.observed()).isEqualTo(new Observed(0, 0));

    a.record(load(14), at(3), 1);
    assertThat(a.tick(at(4), 1).desiredPodCount()).isEqualTo(2);
    // a window later without reports: no data again; the last observation is kept for telemetry
    assertThat(a.tick(at(70), 1).valid()).isFalse();
    assertThat(a.observed()).isEqualTo(new Observed(14, 14));
    assertThat(a.desiredScale()).isEqualTo(2);
  }

  @Test
  void pokesAgainOnceTheDeciderWantsZero() {
    RevisionAutoscaler a = autoscaler(Map.of(), 1);
    a.record(load(1), at(0), 1);
    assertThat(a.tick(at(2), 1).desiredPodCount()).isEqualTo(1);
    a.record(load(0), at(61), 1); // the window now holds only zeros
    assertThat(a.tick(at(62), 1)).isEqualTo(new ScaleResult(0, -201, true, true));
    assertThat(a.record(load(1), at(63), 0)).as("load at desired 0").isTrue();
    assertThat(a.tick(at(63), 0).desiredPodCount()).isEqualTo(1);
  }

  @Test
  void updateTakesEffectFromTheNextTick() {
    RevisionAutoscaler a = autoscaler(Map.of(), 1);
    a.record(load(20), at(0), 1);
    assertThat(a.tick(at(1), 1).desiredPodCount()).isEqualTo(3); // ceil(20 / 7)
    Map<String, String> lower = Map.of(A + "target", "2");
    DeciderSpec spec = DeciderSpec.from(CONFIG, lower, 10, true);
    a.update(spec, PodAutoscalerSettings.from(CONFIG, lower, spec));
    assertThat(a.spec().targetValue()).isEqualTo(1.4);
    // ceil(20 / 1.4) = 15, limited to ceil(1000 × 3) and held in panic: 15 / 3 >= 2
    ScaleResult r = a.tick(at(2), 3);
    assertThat(r.desiredPodCount()).isEqualTo(15);
    assertThat(a.panicking()).isTrue();
  }

  @Test
  void aRevisionInitializedBeforeARestartStartsAtItsMinimumInactive() {
    Map<String, String> annotations = Map.of(A + "min-scale", "2", A + "initial-scale", "5");
    RevisionAutoscaler a = autoscaler(annotations, PodAutoscalerState.restarted(at(0)), 0);
    assertThat(a.startScale()).isEqualTo(2);
    assertThat(a.state().active()).isEqualTo(Active.INACTIVE);
    assertThat(a.state().sksMode()).isEqualTo(SksMode.PROXY);
    assertThat(autoscaler(annotations, 0).startScale()).as("a new one: initial").isEqualTo(5);
  }

  @Test
  void aRevisionWhoseActivationTimedOutBeforeARestartIsNotStartedUntilARequestAsks() {
    Map<String, String> annotations = Map.of(A + "initial-scale", "3");
    RevisionAutoscaler never =
        autoscaler(annotations, PodAutoscalerState.resumed(false, true, at(0)), 0);
    assertThat(never.startScale()).as("never came up, gave up: stays at zero").isZero();
    assertThat(never.state().reason()).isEqualTo(PodAutoscalerState.TIMED_OUT);
    PodAutoscalerDecision idle = never.reconcile(at(1), 0);
    assertThat(idle.applyScale()).as("no request: nothing applied").isLessThanOrEqualTo(0);
    assertThat(idle.sksMode()).isEqualTo(SksMode.PROXY);
    assertThat(never.record(load(1), at(2), 0)).as("a request pokes it").isTrue();
    assertThat(never.tick(at(2), 0).desiredPodCount()).isEqualTo(1);
    assertThat(never.reconcile(at(2), 0).applyScale())
        .as("a new attempt, at the initial scale it never reached")
        .isEqualTo(3);

    assertThat(
            autoscaler(annotations, PodAutoscalerState.resumed(true, true, at(0)), 0).startScale())
        .as("came up before: its minimum")
        .isZero();
    assertThat(
            autoscaler(annotations, PodAutoscalerState.resumed(false, false, at(0)), 0)
                .startScale())
        .as("never ran: its initial scale")
        .isEqualTo(3);
  }
}
