package dev.coldbrew.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.stats.Stat;
import dev.coldbrew.autoscaler.PodAutoscalerState.Active;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodAutoscalerLogicTest {
  private static final AutoscalerConfig DEFAULTS = AutoscalerConfig.defaults();

  private static Instant at(double seconds) {
    return Instant.EPOCH.plusMillis(Math.round(seconds * 1000));
  }

  /**
   * A controller in miniature driven by a fake clock in 100 ms steps: one instance reports every
   * second, the decider ticks every 2 s, the PA is reconciled when the decider notifies, when the
   * ready count changes and when its requeue timer expires. Records when things happen.
   */
  private static final class Harness {
    final DeciderSpec spec;
    final PodAutoscalerSettings settings;
    final MetricCollector collector;
    final Decider decider;
    PodAutoscalerState pa;
    int scale;
    int ready;
    Instant requeueAt;
    Instant wantZeroAt;
    Instant proxyAt;
    Instant scaledToZeroAt;
    Instant inactiveAt;
    double busyUntilSecond;

    Harness(Map<String, String> annotations, int readyAtStart) {
      spec = DeciderSpec.from(DEFAULTS, annotations, 0, true);
      settings = PodAutoscalerSettings.from(DEFAULTS, annotations, spec);
      collector = new MetricCollector(spec);
      decider = new Decider(spec, readyAtStart, at(0));
      pa = PodAutoscalerState.initial(at(0));
      ready = readyAtStart;
      scale = readyAtStart;
    }

    void reconcile(Instant now) {
      for (int i = 0; i < 10; i++) {
        PodAutoscalerDecision d =
            PodAutoscalerLogic.reconcile(
                settings, pa, now, decider.desiredScale(), decider.excessBurstCapacity(), ready);
        SksMode before = pa.sksMode();
        pa = d.state();
        if (d.want() == 0 && wantZeroAt == null) {
          wantZeroAt = now;
        }
        if (d.sksMode() == SksMode.PROXY && before == SksMode.SERVE && proxyAt == null) {
          proxyAt = now;
        }
        if (pa.active() == Active.INACTIVE && inactiveAt == null) {
          inactiveAt = now;
        }
        if (d.applyScale() != PodAutoscalerDecision.DONT_CHANGE) {
          scale = d.applyScale();
          if (scale == 0 && scaledToZeroAt == null) {
            scaledToZeroAt = now;
            ready = 0;
          }
        }
        requeueAt = d.requeueAfter() == null ? null : now.plus(d.requeueAfter());
        if (!Duration.ZERO.equals(d.requeueAfter())) {
          return;
        }
      }
      throw new AssertionError("requeue loop");
    }

    /** Runs until {@code endSeconds}; the instance is busy (concurrency 1) before busyUntil. */
    void run(double endSeconds) {
      reconcile(at(0));
      for (long ms = 100; ms <= endSeconds * 1000; ms += 100) {
        Instant now = Instant.EPOCH.plusMillis(ms);
        if (ms % 1000 == 0 && ready > 0) {
          double c = ms / 1000.0 <= busyUntilSecond ? 1 : 0;
          collector.record(new Stat(new NamespacedName("ns", "r"), ms, "i", c, 0, c, 0), now);
        }
        if (ms % 2000 == 0) {
          ScaleResult r = decider.scale(now, ready, collector.stableAndPanic(now));
          if (r.valid() && r.notifyChange()) {
            reconcile(now);
          }
        }
        if (requeueAt != null && !requeueAt.isAfter(now)) {
          reconcile(now);
        }
      }
    }
  }

  @Test
  void scaleToZeroTimelineWithDefaultsAndTbcZero() {
    Harness h = new Harness(Map.of("autoscaling.knative.dev/target-burst-capacity", "0"), 1);
    h.busyUntilSecond = 9; // concurrency 1 recorded at seconds 1..9, then 0
    h.run(150);
    // Stable window 60 s: the last non-zero bucket (9 s) leaves the window at 69 s, so the
    // decider's 2 s tick at 70 s is the first to want 0. The PA has been Active since 0 s (≥ 60 s),
    // so it goes Inactive and the SKS to Proxy at once; 30 s of grace later the instance goes.
    assertThat(h.wantZeroAt).isEqualTo(at(70));
    assertThat(h.inactiveAt).isEqualTo(at(70));
    assertThat(h.proxyAt).isEqualTo(at(70));
    assertThat(h.scaledToZeroAt).isEqualTo(at(100));
    assertThat(h.pa.reason()).isEqualTo(PodAutoscalerState.NO_TRAFFIC);
  }

  @Test
  void scaleToZeroTimelineWithDefaultsTakesTheFastPathWhenTheActivatorIsAlreadyInThePath() {
    // Default TBC 211 keeps the activator in the path (EBC < 0): SKS is Proxy from the start.
    Harness h = new Harness(new HashMap<>(), 1);
    h.busyUntilSecond = 9;
    h.run(150);
    assertThat(h.wantZeroAt).isEqualTo(at(70));
    assertThat(h.inactiveAt).isEqualTo(at(70));
    assertThat(h.proxyAt).as("never left Proxy").isNull();
    // Active + already Proxy: requeue after 3 s; then proxying ≥ grace: scale to 0 at once.
    assertThat(h.scaledToZeroAt).isEqualTo(at(73));
  }

  @Test
  void desiredZeroBeforeAFullStableWindowOfActivityScalesToOneAndWaits() {
    PodAutoscalerSettings s =
        settings(Map.of("autoscaling.knative.dev/target-burst-capacity", "0"));
    PodAutoscalerState active =
        new PodAutoscalerState(Active.ACTIVE, null, at(40), true, SksMode.SERVE, null, 1);
    PodAutoscalerDecision d = PodAutoscalerLogic.reconcile(s, active, at(70), 0, 0, 1);
    assertThat(d.applyScale()).isEqualTo(1);
    assertThat(d.requeueAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.sksMode()).isEqualTo(SksMode.SERVE);
    assertThat(d.state().active()).isEqualTo(Active.ACTIVE);

    d = PodAutoscalerLogic.reconcile(s, d.state(), at(100), 0, 0, 1);
    assertThat(d.applyScale()).isEqualTo(PodAutoscalerDecision.DONT_CHANGE);
    assertThat(d.want()).isZero();
    assertThat(d.sksMode()).isEqualTo(SksMode.PROXY);
    assertThat(d.state().active()).isEqualTo(Active.INACTIVE);
    assertThat(d.state().activeSince()).isEqualTo(at(100));
    assertThat(d.state().proxySince()).isEqualTo(at(100));
  }

  @Test
  void retentionPeriodKeepsTheLastInstanceAfterGrace() {
    PodAutoscalerSettings s =
        settings(Map.of("autoscaling.knative.dev/scale-to-zero-pod-retention-period", "50s"));
    PodAutoscalerState inactive =
        new PodAutoscalerState(
            Active.INACTIVE, PodAutoscalerState.NO_TRAFFIC, at(100), true, SksMode.PROXY, at(0), 0);
    PodAutoscalerDecision d = PodAutoscalerLogic.reconcile(s, inactive, at(135), 0, -111, 1);
    assertThat(d.applyScale()).isEqualTo(PodAutoscalerDecision.DONT_CHANGE);
    assertThat(d.requeueAfter()).isEqualTo(Duration.ofSeconds(15));
    d = PodAutoscalerLogic.reconcile(s, d.state(), at(150), 0, -111, 1);
    assertThat(d.applyScale()).isZero();
  }

  @Test
  void boundsClampAndInitialScaleIsTheMinimumUntilReached() {
    Map<String, String> a = new HashMap<>();
    a.put("autoscaling.knative.dev/min-scale", "2");
    a.put("autoscaling.knative.dev/max-scale", "5");
    a.put("autoscaling.knative.dev/initial-scale", "4");
    PodAutoscalerSettings s = settings(a);
    PodAutoscalerState fresh = PodAutoscalerState.initial(at(0));

    PodAutoscalerDecision d = PodAutoscalerLogic.reconcile(s, fresh, at(0), -1, -1, 0);
    assertThat(d.applyScale()).as("no metrics yet, initial scale").isEqualTo(4);
    assertThat(d.state().active()).isEqualTo(Active.ACTIVATING);
    assertThat(d.state().reason()).isEqualTo(PodAutoscalerState.QUEUED);

    d = PodAutoscalerLogic.reconcile(s, d.state(), at(2), 1, -1, 3);
    assertThat(d.applyScale()).as("initial scale not reached: still the minimum").isEqualTo(4);
    assertThat(d.state().scaleTargetInitialized()).isFalse();

    d = PodAutoscalerLogic.reconcile(s, d.state(), at(3), 1, -1, 4);
    assertThat(d.state().scaleTargetInitialized()).isTrue();
    assertThat(d.state().active()).isEqualTo(Active.ACTIVE);

    d = PodAutoscalerLogic.reconcile(s, d.state(), at(4), 1, -1, 4);
    assertThat(d.applyScale()).as("min-scale 2 from now on").isEqualTo(2);
    d = PodAutoscalerLogic.reconcile(s, d.state(), at(6), 9, -1, 2);
    assertThat(d.applyScale()).as("max-scale").isEqualTo(5);
  }

  @Test
  void minScaleIsIgnoredWhenUnreachable() {
    DeciderSpec spec =
        DeciderSpec.from(DEFAULTS, Map.of("autoscaling.knative.dev/min-scale", "3"), 0, false);
    PodAutoscalerSettings s =
        PodAutoscalerSettings.from(
            DEFAULTS, Map.of("autoscaling.knative.dev/min-scale", "3"), spec);
    assertThat(s.minScale()).isZero();
  }

  @Test
  void scaleToZeroDisabledKeepsOneInstance() {
    AutoscalerConfig noZero =
        AutoscalerConfig.fromMap("autoscaler", Map.of("enable-scale-to-zero", "false"));
    DeciderSpec spec = DeciderSpec.from(noZero, Map.of(), 0, true);
    PodAutoscalerSettings s = PodAutoscalerSettings.from(noZero, Map.of(), spec);
    PodAutoscalerState active =
        new PodAutoscalerState(Active.ACTIVE, null, at(0), true, SksMode.PROXY, at(0), 1);
    PodAutoscalerDecision d = PodAutoscalerLogic.reconcile(s, active, at(500), 0, -111, 1);
    assertThat(d.applyScale()).isEqualTo(1);
    assertThat(d.state().active()).isEqualTo(Active.ACTIVE);
  }

  @Test
  void activationThatNeverGetsReadyTimesOutAfterProgressDeadlinePlus30s() {
    PodAutoscalerSettings s = settings(Map.of("serving.knative.dev/progress-deadline", "60s"));
    assertThat(s.activationTimeout()).isEqualTo(Duration.ofSeconds(90));
    PodAutoscalerState activating =
        new PodAutoscalerState(
            Active.ACTIVATING, PodAutoscalerState.QUEUED, at(10), true, SksMode.PROXY, at(0), 1);
    PodAutoscalerDecision d = PodAutoscalerLogic.reconcile(s, activating, at(100), 0, -111, 0);
    assertThat(d.applyScale())
        .as("exactly 90 s: not yet")
        .isEqualTo(PodAutoscalerDecision.DONT_CHANGE);
    assertThat(d.requeueAfter()).isEqualTo(Duration.ofSeconds(90));
    assertThat(d.state().active()).isEqualTo(Active.ACTIVATING);

    d = PodAutoscalerLogic.reconcile(s, activating, at(100.001), 0, -111, 0);
    assertThat(d.applyScale()).isZero();
    assertThat(d.state().active()).isEqualTo(Active.INACTIVE);
    assertThat(d.state().reason()).isEqualTo(PodAutoscalerState.TIMED_OUT);
    assertThat(d.state().message()).isEqualTo("The target could not be activated.");

    PodAutoscalerDecision later = PodAutoscalerLogic.reconcile(s, d.state(), at(200), 0, -111, 0);
    assertThat(later.state().reason())
        .as("the reason stays until the next activation")
        .isEqualTo(PodAutoscalerState.TIMED_OUT);
    PodAutoscalerDecision again =
        PodAutoscalerLogic.reconcile(s, later.state(), at(300), 1, -111, 0);
    assertThat(again.state().active()).isEqualTo(Active.ACTIVATING);
    assertThat(again.state().reason()).isEqualTo(PodAutoscalerState.QUEUED);
  }

  @Test
  void sksModeFollowsWantAndExcessBurstCapacity() {
    PodAutoscalerSettings s = settings(Map.of());
    PodAutoscalerState active =
        new PodAutoscalerState(Active.ACTIVE, null, at(0), true, SksMode.PROXY, at(0), 2);
    assertThat(PodAutoscalerLogic.reconcile(s, active, at(10), 2, 0, 2).sksMode())
        .as("EBC 0 counts as enough")
        .isEqualTo(SksMode.SERVE);
    assertThat(PodAutoscalerLogic.reconcile(s, active, at(10), 2, -1, 2).sksMode())
        .isEqualTo(SksMode.PROXY);
    PodAutoscalerDecision serveWithoutReady =
        PodAutoscalerLogic.reconcile(s, active, at(10), 2, 5, 0);
    assertThat(serveWithoutReady.sksMode()).isEqualTo(SksMode.SERVE);
    assertThat(serveWithoutReady.state().proxySince())
        .as("no ready instance: the activator stays in the path")
        .isEqualTo(at(0));
    PodAutoscalerState inactive =
        new PodAutoscalerState(
            Active.INACTIVE, PodAutoscalerState.NO_TRAFFIC, at(0), true, SksMode.PROXY, at(0), 0);
    assertThat(PodAutoscalerLogic.reconcile(s, inactive, at(10), -1, 5, 1).sksMode())
        .as("unknown want while Inactive")
        .isEqualTo(SksMode.PROXY);
  }

  @Test
  void numActivators() {
    PodAutoscalerSettings defaults = settings(Map.of());
    assertThat(PodAutoscalerLogic.numActivators(defaults, 0)).as("ceil(211/100)").isEqualTo(3);
    assertThat(PodAutoscalerLogic.numActivators(defaults, 5)).as("ceil(711/100)").isEqualTo(8);
    PodAutoscalerSettings zero =
        settings(Map.of("autoscaling.knative.dev/target-burst-capacity", "0"));
    assertThat(PodAutoscalerLogic.numActivators(zero, 50)).isEqualTo(2);
    PodAutoscalerSettings unlimited =
        settings(Map.of("autoscaling.knative.dev/target-burst-capacity", "-1"));
    assertThat(PodAutoscalerLogic.numActivators(unlimited, 1)).as("max(2, 100/100)").isEqualTo(2);
    assertThat(PodAutoscalerLogic.numActivators(unlimited, 3)).isEqualTo(3);
  }

  private static PodAutoscalerSettings settings(Map<String, String> annotations) {
    return PodAutoscalerSettings.from(
        DEFAULTS, annotations, DeciderSpec.from(DEFAULTS, annotations, 0, true));
  }
}
