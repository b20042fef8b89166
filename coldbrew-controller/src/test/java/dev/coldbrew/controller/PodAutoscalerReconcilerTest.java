package dev.coldbrew.controller;

import static dev.coldbrew.controller.PodAutoscalerFixture.REV;
import static dev.coldbrew.controller.PodAutoscalerFixture.load;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.store.FaultyStore.Op;
import dev.coldbrew.store.StoreException;
import dev.coldbrew.store.StoreException.Reason;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The PodAutoscaler reconciler, one reconcile at a time on the test thread: given a Revision, its
 * PodAutoscaler and ServerlessService and the autoscaler's decision, the runtime calls, the writes
 * to the store, the SKS mode and the PA status it leaves — and what an induced CONFLICT or
 * UNAVAILABLE does. Knative's defaults (target 70 of 100, or 7 of 10 with containerConcurrency 10;
 * TBC 211; 2 activators minimum, 100 requests each); the multiscaler's thread is stepped by hand.
 */
class PodAutoscalerReconcilerTest {
  private final ManualScheduler thread = new ManualScheduler();
  private final PodAutoscalerFixture f = new PodAutoscalerFixture(thread);

  @AfterEach
  void close() {
    f.close();
  }

  private static String me() {
    return Thread.currentThread().getName();
  }

  private static String condition(PodAutoscaler pa, String type) {
    Condition c = pa.status.condition(type);
    return c.status + (c.reason == null ? "" : " " + c.reason);
  }

  @Test
  void aNewRevisionStartsAtItsInitialScale() throws Exception {
    f.given(Map.of(), 0, false);

    Duration again = f.reconcile();

    assertThat(f.runtime.scaleCalls).containsExactly("hello-00001=1");
    assertThat(f.store.summary())
        .containsExactly(
            "update ServerlessService default/hello-00001",
            "updateStatus PodAutoscaler default/hello-00001");
    // no decision yet, EBC 1 × 100 − 211 < 0: the activator stays; (1 × 100 + 211) / 100 → 4
    assertThat(f.sks().spec.mode).isEqualTo(SksMode.PROXY);
    assertThat(f.sks().spec.numActivators).isEqualTo(4);
    PodAutoscaler pa = f.pa();
    assertThat(condition(pa, "Active")).isEqualTo("True");
    assertThat(condition(pa, "ScaleTargetInitialized")).isEqualTo("True");
    assertThat(pa.status.desiredScale).isEqualTo(-1);
    assertThat(pa.status.actualScale).isEqualTo(1);
    assertThat(again).as("the activation timeout").isEqualTo(Duration.ofSeconds(630));
    assertThat(f.observed).containsExactly(me() + " -1 1 Proxy");
  }

  @Test
  void aDecisionAboveTheCurrentScaleIsApplied() throws Exception {
    f.given(Map.of(), 10, false);
    f.reconcile();
    f.settle();

    // 21 in flight on 1 instance: ceil(21 / 7) = 3, a tick of the wheel decides and notifies
    f.multiscaler.accept(load(21));
    assertThat(f.notified).as("a report with instances ready does not poke").isEmpty();
    thread.firePeriodic(Multiscaler.SLOTS);
    assertThat(f.notified).containsExactly(me() + " 3");

    f.reconcile();

    assertThat(f.runtime.scaleCalls).containsExactly("hello-00001=3");
    assertThat(f.store.summary()).containsExactly("updateStatus PodAutoscaler default/hello-00001");
    assertThat(f.sks().spec.mode).as("EBC 10 − 211 − 21 < 0").isEqualTo(SksMode.PROXY);
    assertThat(f.pa().status.desiredScale).isEqualTo(3);
    assertThat(f.pa().status.actualScale).as("ready when it read them").isEqualTo(1);
  }

  @Test
  void targetBurstCapacityZeroTakesTheActivatorOutOfThePath() throws Exception {
    f.given(Map.of("target-burst-capacity", "0"), 0, false);

    Duration again = f.reconcile();

    assertThat(f.runtime.scaleCalls).containsExactly("hello-00001=1");
    assertThat(f.store.summary())
        .containsExactly(
            "update ServerlessService default/hello-00001",
            "updateStatus PodAutoscaler default/hello-00001");
    assertThat(f.sks().spec.mode).isEqualTo(SksMode.SERVE);
    assertThat(f.sks().spec.numActivators).isEqualTo(2);
    assertThat(again).as("a mode change re-runs at once").isZero();
  }

  @Test
  void aRevisionInitializedBeforeARestartStartsAtItsMinimumInactive() throws Exception {
    f.given(Map.of("min-scale", "2"), 0, true);

    f.reconcile();

    assertThat(f.runtime.scaleCalls).containsExactly("hello-00001=2");
    PodAutoscaler pa = f.pa();
    assertThat(condition(pa, "Active")).isEqualTo("False NoTraffic");
    assertThat(pa.status.desiredScale).isZero();
    assertThat(pa.status.actualScale).isEqualTo(2);
    assertThat(f.sks().spec.mode).isEqualTo(SksMode.PROXY);
    assertThat(f.sks().spec.numActivators).as("(2 × 100 + 211) / 100 → 5").isEqualTo(5);
  }

  @Test
  void aRevisionWhoseActivationTimedOutBeforeARestartIsNotStarted() throws Exception {
    f.given(
        Map.of(),
        0,
        st -> {
          st.markScaleTargetNotInitialized(java.time.Clock.systemUTC());
          st.markActive(Condition.FALSE, "TimedOut", null, java.time.Clock.systemUTC());
        });

    f.reconcile();

    assertThat(f.runtime.scaleCalls).containsExactly("hello-00001=0");
    PodAutoscaler pa = f.pa();
    assertThat(condition(pa, "Active")).isEqualTo("False TimedOut");
    assertThat(condition(pa, "ScaleTargetInitialized")).isEqualTo("Unknown Queued");
    assertThat(f.sks().spec.mode).isEqualTo(SksMode.PROXY);
  }

  @Test
  void aConflictOnTheStatusFailsTheReconcileAndTheRetryDoesNotScaleAgain() throws Exception {
    f.given(Map.of(), 0, false);
    f.store.failNext(Op.UPDATE_STATUS, Kind.POD_AUTOSCALER, Reason.CONFLICT);

    assertThatThrownBy(f::reconcile)
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CONFLICT));
    assertThat(f.runtime.scaleCalls).containsExactly("hello-00001=1");
    assertThat(f.store.summary())
        .containsExactly(
            "update ServerlessService default/hello-00001",
            "updateStatus PodAutoscaler default/hello-00001 -> CONFLICT");
    assertThat(f.pa().status).isNull();

    f.settle();
    f.reconcile();

    assertThat(f.runtime.scaleCalls).as("the start scale was asked once").isEmpty();
    assertThat(f.store.summary()).containsExactly("updateStatus PodAutoscaler default/hello-00001");
    assertThat(condition(f.pa(), "Active")).isEqualTo("True");
  }

  @Test
  void anUnavailableStoreOnTheSksWriteLeavesTheStatusUnwritten() throws Exception {
    f.given(Map.of(), 0, false);
    f.store.failNext(Op.UPDATE, Kind.SERVERLESS_SERVICE, Reason.UNAVAILABLE);

    assertThatThrownBy(f::reconcile)
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE));
    assertThat(f.runtime.scaleCalls).containsExactly("hello-00001=1");
    assertThat(f.store.summary())
        .containsExactly("update ServerlessService default/hello-00001 -> UNAVAILABLE");
    assertThat(f.pa().status).isNull();
    assertThat(f.sks().spec.numActivators).isEqualTo(2);
  }

  @Test
  void aGoneRevisionsAutoscalerIsForgotten() throws Exception {
    f.given(Map.of(), 0, false);
    f.reconcile();
    thread.runPending();
    f.memory.delete(Kind.REVISION, REV.namespace(), REV.name());
    f.settle();

    assertThat(f.reconcile()).isNull();

    assertThat(f.store.summary()).isEmpty();
    assertThat(f.runtime.scaleCalls).isEmpty();
    assertThat(f.removed).containsExactly(REV);
    f.multiscaler.accept(load(5));
    thread.firePeriodic(Multiscaler.SLOTS);
    assertThat(f.observed).as("no tick after removal").isEmpty();
  }
}
